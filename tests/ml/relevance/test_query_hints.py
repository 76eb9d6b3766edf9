from __future__ import annotations

import pytest

from ml.relevance.query_hints import QueryHints, city_in, hints


@pytest.mark.parametrize(("text", "city"), [
    ("développeur java senior à Paris en CDI", "Paris"),
    ("comptable confirmé Paris CDI", "Paris"),  # a big town needs no place word
    ("conducteur de ligne agroalimentaire en intérim, Bretagne, Saint-Malo", "Saint-Malo"),  # longest name
    ("dev C# .NET confirmé, Toulouse ou alentours", "Toulouse"),
    ("technicien de maintenance en CDI près de Nantes", "Nantes"),
    ("I pack boxes and move pallets, looking for warehouse work in Lyon", "Lyon"),
    ("infirmier de nuit à lille", "Lille"),
    ("serveur à Gorron", "Gorron"),  # a village, capitalised after a place word
    ("agent de tri, Paris 15e", "Paris"),  # an arrondissement is its city
    ("maçon confirmé à Nantes", "Nantes"),  # "maçon" folds to Mâcon, a town: the place word wins
    ("maçon confirmé", None),
    ("je travaille à l'hôpital auprès des malades", None),  # L'Hôpital (Moselle), lower case: a noun
    ("je travaille aux fourneaux et je dresse les assiettes", None),
    ("vendeuse avec le sens du contact, technicienne chez Orange", None),  # Sens and Orange are towns
    ("data analyst", None),
    ("", None),
])
def test_city_in_the_text(text: str, city: str | None) -> None:
    assert city_in(text) == city


def test_contract_and_seniority_from_the_text() -> None:
    assert hints("développeur java senior à Paris en CDI") == QueryHints("Paris", "CDI", "Senior")
    assert hints("graphiste en alternance") == QueryHints(None, "Alternance", "Débutant")
    assert hints("UX UI designer apprenticeship") == QueryHints(None, "Alternance", "Débutant")
    assert hints("développeur full stack, 3 ans d'expérience") == QueryHints(None, None, "Confirmé")
    assert hints("factory worker job, no experience needed") == QueryHints(None, None, "Débutant")
    assert hints("aide à domicile") == QueryHints()
