from __future__ import annotations

import pytest

from api.ranking import bm25_query
from ml.relevance.configs import best_recipe, feedback_recipe
from ml.relevance.expansion import describes_work, expand_query, occupations, translations


@pytest.mark.parametrize(("text", "word"), [
    ("je soigne des patients à l'hôpital la nuit", "infirmier"),
    ("j'installe les postes de travail et je règle les problèmes d'imprimante", "technicien support"),
    ("je fabrique des tableaux de bord pour aider la direction à décider", "data analyst"),
    ("Je conduis un camion et je livre des colis", "chauffeur"),
    ("j’entretiens les chaudières et la climatisation des bâtiments", "chauffagiste"),  # typographic apostrophe
])
def test_a_description_of_the_work_gets_the_occupation_words(text: str, word: str) -> None:
    assert describes_work(text)
    expanded = expand_query(text)
    assert expanded.startswith(text) and word in expanded


@pytest.mark.parametrize("text", ["infirmier de nuit", "technicien de maintenance en CDI près de Nantes",
                                  "développeur PHP Laravel", "ingénieur test et validation",
                                  "développeur drivers Linux embarqué", "conducteur de travaux construction"])
def test_a_query_that_names_the_job_is_left_as_it_is(text: str) -> None:
    assert not describes_work(text)
    assert expand_query(text) == text


def test_no_activity_found_adds_nothing_and_the_first_cues_win() -> None:
    assert expand_query("je cherche un emploi") == "je cherche un emploi"
    many = "je soigne des patients, je recrute des candidats, je vends, je cuisine des plats au restaurant"
    assert len(occupations(many)) == 3 and occupations(many, limit=1) == ["infirmier aide-soignant"]


def test_only_the_served_recipe_expands_and_only_the_lexical_query() -> None:
    text = "je soigne des patients à Nantes"
    served, plain = best_recipe("use"), feedback_recipe("use")
    assert served.expand_query and served.params()["expand_query"] == 1 and "expand_query" not in plain.params()
    assert bm25_query(text, "Nantes", served) == "je soigne des patients infirmier aide-soignant"
    assert bm25_query(text, "Nantes", plain) == "je soigne des patients"


@pytest.mark.parametrize(("text", "wrong"), [
    ("je recherche un poste de serveur dans un bar", "devops"),  # "recherche" is no R&D, "serveur" no server
    ("je recherche un poste de serveur dans un bar", "R&D"),
    ("je prépare les commandes dans un entrepôt", "maintenance"),  # "prépare" holds "repar"
    ("je cherche un contrat en alternance", "juriste"),
    ("je fais des prélèvements d'eau et je les analyse", "enseignant"),  # "prélèvements" holds "eleve"
    ("je suis en charge de la livraison du projet", "qualité"),  # "livraison" holds "iso"
])
def test_everyday_words_do_not_fire_a_cue(text: str, wrong: str) -> None:
    assert wrong not in " ".join(occupations(text))


@pytest.mark.parametrize(("text", "words"), [
    ("truck mechanic heavy vehicles", ["poids lourd", "mécanicien"]),
    ("looking for a nursing job in a hospital", ["infirmier"]),
    ("I look after children after school", ["enfants"]),
    ("accountant financial controller", ["comptable", "contrôleur de gestion"]),
])
def test_english_job_words_get_the_french_words_offers_use(text: str, words: list[str]) -> None:
    expanded = expand_query(text)
    assert expanded.startswith(text) and all(w in expanded for w in words)
    assert all(any(w in t for t in translations(text)) for w in words)
