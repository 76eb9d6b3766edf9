"""The eval set: job families, grading rules, files, version and splits."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ml.relevance.evalset import (
    LABELS_FILE,
    QUERIES_FILE,
    Query,
    build_labels,
    grade,
    load_corpus,
    load_evalset,
    load_sample_offers,
    read_labels,
    read_overrides,
    read_queries,
    split_of,
    version_of,
)
from ml.relevance.families import family_of, related
from ml.relevance.geo import CityLocator
from schemas.events import ContractType, Offer, Source

REF = re.compile(r"^(adzuna|france_travail|sample):[A-Za-z0-9]+$")


@pytest.mark.parametrize(("title", "family"), [
    ("Data Engineer GCP Senior", "data_engineer"),
    ("Développeur Full-Stack - Java et Angular - En alternance", "software_dev"),
    ("Business Developer", "sales_rep"),
    ("AGENT DE PRODUCTION AGROALIMENTAIRE", "production_operator"),
    ("CONDUCTEUR DE LIGNE F/H.", "line_operator"),
    ("Monteur-Câbleur électromécanique", "electrician"),
    ("Directeur d'Usine (CDI)", "plant_manager"),
    ("Directeur de Centre - Franchisé (Basé à Gap)", "agency_director"),
    ("Infimier(ère) de bloc opératoire", "nurse"),
    ("Vendeur - Concepteur de cuisines", "seller"),
    ("Formation Photoshop Initiation pour votre entreprise", None),
])
def test_titles_map_to_their_job_family(title: str, family: str | None) -> None:
    assert family_of(title) == family


def test_related_families_share_a_group() -> None:
    assert related("data_engineer", "software_dev")
    assert related("nurse", "care_assistant")  # neighbouring groups
    assert not related("data_engineer", "cook")
    assert not related(None, "cook")


NOW = datetime(2025, 4, 16, tzinfo=UTC)


def offer(title: str, **kw: object) -> Offer:
    base: dict[str, object] = {"id": title, "source": Source.SAMPLE, "source_id": "x", "source_refs": ["x"],
                               "title": title, "fetched_at": NOW}
    base.update(kw)
    return Offer.model_validate(base)


def test_grades_follow_family_skills_and_preferences() -> None:
    loc = CityLocator()
    q = Query(id="q", text="développeur python à Lyon en CDI", lang="fr", style="profile", family="software_dev",
              skills=("python",), city="Lyon", contract="CDI")
    lyon = {"latitude": 45.76, "longitude": 4.84}
    assert grade(q, offer("Développeur Python", description="Django", contract_type=ContractType.CDI, **lyon),
                 loc) == 3
    assert grade(q, offer("Développeur Python", contract_type=ContractType.INTERIM, **lyon), loc) == 2
    assert grade(q, offer("Développeur Python", contract_type=ContractType.CDI), loc) == 2  # place unknown
    assert grade(q, offer("Développeur Java", contract_type=ContractType.CDI, **lyon), loc) == 1  # no core skill
    assert grade(q, offer("Data Engineer", description="python", **lyon), loc) == 1  # neighbour family
    assert grade(q, offer("Cuisinier", description="python", **lyon), loc) == 0


def test_queries_file_is_well_formed() -> None:
    queries = read_queries()
    assert len(queries) >= 300
    assert len({q.id for q in queries}) == len(queries)
    styles = {q.style for q in queries}
    assert {"title", "paraphrase", "english", "profile"} <= styles
    assert sum(q.lang == "en" for q in queries) >= 50
    for q in queries:
        assert family_of(q.text) is not None or q.style in ("paraphrase", "english", "profile") or q.family


def test_labels_reference_offers_by_source_ref_only() -> None:
    labels = read_labels()
    assert set(labels) == {q.id for q in read_queries()}
    for lab in labels.values():
        assert all(REF.match(ref) and g in (1, 2, 3) for ref, g in lab.items())
        assert any(g >= 2 for g in lab.values())
    for (qid, ref), g in read_overrides().items():
        assert qid in labels and REF.match(ref) and g in (0, 1, 2, 3)


def test_splits_are_deterministic_disjoint_and_both_large() -> None:
    ids = [q.id for q in read_queries()]
    dev = {i for i in ids if split_of(i) == "dev"}
    held = {i for i in ids if split_of(i) == "heldout"}
    assert dev.isdisjoint(held) and dev | held == set(ids)
    assert min(len(dev), len(held)) >= 0.4 * len(ids)
    assert [split_of(i) for i in ids] == [split_of(i) for i in ids]


def test_version_is_the_content_hash(tmp_path: Path) -> None:
    q, lab = tmp_path / "queries.jsonl", tmp_path / "labels.jsonl"
    shutil.copy(QUERIES_FILE, q)
    shutil.copy(LABELS_FILE, lab)
    before = version_of(q, lab)
    assert before == version_of(QUERIES_FILE, LABELS_FILE)
    rows = [json.loads(line) for line in lab.read_text().splitlines()]
    first = rows[0]["labels"]
    first[next(iter(first))] = 1 if first[next(iter(first))] != 1 else 2
    lab.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert version_of(q, lab) != before


@pytest.fixture(scope="module")
def sample_offers() -> list[Offer]:
    return load_sample_offers(300)


def test_sample_part_loads_without_real_data(sample_offers: list[Offer], tmp_path: Path) -> None:
    """Without ../shared/data the eval set is the sample feed part; queries with no offer left drop out."""
    held = load_evalset("heldout", offers=sample_offers)
    dev = load_evalset("dev", offers=sample_offers)
    assert held.info.n_docs == 300 and held.info.split == "heldout"
    assert held.queries and dev.queries
    assert {q.id for q in held.queries}.isdisjoint({q.id for q in dev.queries})
    for q in held.queries:
        judged = held.judged(q.id)
        assert judged and all(ref.startswith("sample:") for ref in judged)
    assert load_corpus(tmp_path)[1] is False  # a directory without the real files


def test_stored_labels_match_the_rules_on_the_real_corpus(shared_data: Path) -> None:
    """labels.jsonl is what the rules (and hand overrides) give today: regenerate it after a rule change."""
    offers, real = load_corpus(shared_data)
    assert real and len(offers) > 3800
    queries = read_queries()[::60]
    stored = read_labels()
    rebuilt = build_labels(queries, offers, read_overrides())
    for q in queries:
        assert rebuilt[q.id] == stored[q.id], q.id
