"""ROME reference data: codes from the enrichment's lexicon and from live offers, with domains and counts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.catalog import Catalog
from api.routes.rome import rome_entries
from stream_processors.enrichment.rome import DOMAINS
from tests.api.test_catalog import DIM, offer


def test_rome_lists_every_domain_and_the_lexicon_codes(client: TestClient) -> None:
    resp = client.get("/api/rome")
    assert resp.status_code == 200
    body = resp.json()
    assert {d["code"]: d["label"] for d in body["domains"]} == DOMAINS
    codes = {c["code"]: c for c in body["codes"]}
    assert codes["M1805"]["label"] == "Développeur / Développeuse informatique"
    assert codes["M1805"]["domain"] == "Support à l'entreprise" and codes["M1805"]["domain_code"] == "M"
    assert all(c["domain"] == DOMAINS[c["code"][0]] for c in body["codes"])
    assert [c["code"] for c in body["codes"]] == sorted(codes)


def test_codes_of_live_offers_are_added_with_their_label_and_counted() -> None:
    cat = Catalog(DIM)
    cat.upsert([offer(1, rome_code="M1805"), offer(2, rome_code="M1805"),
                offer(3, rome_code="K2111", rome_label="Formateur / Formatrice"), offer(4, rome_code="bogus")])
    entries = {e.code: e for e in rome_entries(cat)}
    assert entries["M1805"].offers == 2 and entries["M1827"].offers == 0
    assert entries["K2111"].label == "Formateur / Formatrice" and entries["K2111"].offers == 1
    assert entries["K2111"].domain == DOMAINS["K"]
    assert "bogus" not in entries
    cat.delete([offer(3).id])
    assert {e.code: e for e in rome_entries(cat)}["K2111"].offers == 0
