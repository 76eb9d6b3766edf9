"""Offer writes: draft → France-Travail-shaped event → the same enricher; publish on a real broker;
ownership; read-your-writes through the pending overlay until the index catches up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select

from api.offer_drafts import OfferDraft, OfferPatch, canonical_id, envelope_for, local_offer
from api.offer_writer import OfferWriter
from api.pending import DELETED, PendingWrites
from api.store import repository
from api.store.models import OfferOwnership
from ml.embedding import Embedder, embed_offers
from schemas.events import ContractType, Offer, RawOfferEnvelope, Seniority, Source
from schemas.topics import RAW_OFFERS, REMOVALS
from stream_processors.dedup import micros
from stream_processors.enrichment.enricher import enrich
from tests.api.accounts_support import DRAFT, accounts_app, events_for, register, store_of

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _enriched(draft: dict[str, Any]) -> Offer:
    env = envelope_for(OfferDraft.model_validate(draft), "abc", created_at=NOW, fetched_at=NOW,
                       fallback_url="http://api.test/api/offres/api:abc")
    return enrich(env)


# ----------------------------------------------------------------------------- draft → event → offer


def test_a_draft_survives_the_pipelines_enricher() -> None:
    offer = _enriched(DRAFT)
    assert (offer.source, offer.source_id, offer.source_refs) == (Source.API, "abc", ["api:abc"])
    assert offer.id == canonical_id("abc")
    assert offer.title == "Développeur Python data" and offer.gender_mark == "(H/F)"
    assert (offer.city, offer.postal_code, offer.departement_code) == ("Lyon", "69003", "69")
    assert offer.company == "Acme Data" and offer.contract_type is ContractType.CDI
    assert offer.seniority is Seniority.CONFIRME
    assert {"Python", "SQL"} <= set(offer.skills)
    assert (offer.salary_min, offer.salary_max) == (42000, 50000)
    assert offer.remote == "hybrid"
    assert offer.url == "http://api.test/api/offres/api:abc"  # never France Travail's page
    assert offer.published_at == NOW


@pytest.mark.parametrize("contract", [c for c in ContractType if c is not ContractType.AUTRE])
def test_every_contract_type_round_trips(contract: ContractType) -> None:
    assert _enriched({**DRAFT, "contract_type": contract.value}).contract_type is contract


@pytest.mark.parametrize("level", list(Seniority))
def test_every_seniority_round_trips(level: Seniority) -> None:
    draft = {**DRAFT, "seniority": level.value, "title": "Technicien support", "description": "Support aux clients."}
    assert _enriched(draft).seniority is level


@pytest.mark.parametrize("remote", ["none", "hybrid", "full"])
def test_remote_round_trips(remote: str) -> None:
    assert _enriched({**DRAFT, "remote": remote, "description": "Poste de data."}).remote == remote


def test_a_postal_code_alone_places_the_offer() -> None:
    offer = _enriched({"title": "Cuisinier", "postal_code": "44000", "url": "https://acme.example/jobs/1"})
    assert offer.city == "Nantes" and offer.departement_code == "44"
    assert offer.url == "https://acme.example/jobs/1" and offer.salary_min is None and offer.contract_type is None
    paris = _enriched({"title": "Serveur", "postal_code": "75011"})
    assert (paris.city, paris.insee_code, paris.postal_code) == ("Paris", "75111", "75011")


@pytest.mark.parametrize("bad", [
    {"title": "Cuisinier"},  # no place
    {"title": "Cuisinier", "city": "Nantes", "owner_id": 3},  # unknown field
    {"title": "Cuisinier", "postal_code": "4400"},
    {"title": "Cuisinier", "city": "Nantes", "salary_min": 50000, "salary_max": 40000},
    {"title": "Cuisinier", "city": "Nantes", "salary_min": 12},  # monthly amounts are not annual salaries
    {"title": "Cuisinier", "city": "Nantes", "rome_code": "Z9999"},
    {"title": "Cu", "city": "Nantes"},
])
def test_invalid_drafts(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OfferDraft.model_validate(bad)


def test_a_patch_changes_only_what_it_names() -> None:
    base = OfferDraft.model_validate(DRAFT).model_dump(mode="json")
    patched = OfferPatch.model_validate({"salary_max": 55000, "remote": None}).apply_to(base)
    assert patched.salary_max == 55000 and patched.remote is None
    assert patched.title == DRAFT["title"] and patched.skills == DRAFT["skills"]
    with pytest.raises(ValidationError):  # the result is validated as a whole
        OfferPatch.model_validate({"salary_min": 60000}).apply_to(base)
    with pytest.raises(ValidationError):
        OfferPatch.model_validate({"owner": "me"})


def test_local_offer_carries_the_event_time_as_version() -> None:
    env = envelope_for(OfferDraft.model_validate(DRAFT), "v1", created_at=NOW, fetched_at=NOW, fallback_url="x")
    assert local_offer(env).version == micros(NOW)


# -------------------------------------------------------------------------------------- through HTTP


@pytest.fixture(scope="module")
def client(embedder: Embedder, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[TestClient]:
    with accounts_app(embedder, tmp_path_factory.mktemp("writes"), kafka_bootstrap) as c:
        yield c


@pytest.fixture(scope="module")
def recruiter(client: TestClient) -> dict[str, str]:
    return register(client, "rec-writes@example.fr", "recruiter")


def _pending(client: TestClient) -> PendingWrites:
    overlay: PendingWrites = client.app.state.pending_writes  # type: ignore[attr-defined]
    return overlay


def _source_id(offer: dict[str, Any]) -> str:
    return str(offer["source_id"])


def test_post_publishes_a_raw_event_and_reads_back_at_once(client: TestClient, recruiter: dict[str, str],
                                                             kafka_bootstrap: str) -> None:
    r = client.post("/api/offres", json=DRAFT, headers=recruiter)
    assert r.status_code == 201, r.text
    offer = r.json()["offer"]
    sid = _source_id(offer)
    assert offer["id"] == canonical_id(sid) and r.headers["location"] == f"/api/offres/{offer['id']}"
    assert offer["city"] == "Lyon" and offer["contract_type"] == "CDI" and offer["remote"] == "hybrid"
    # The event is in the log, keyed like every source's, shaped like France Travail's.
    [event] = events_for(kafka_bootstrap, RAW_OFFERS.name, f"api:{sid}", 1)
    envelope = RawOfferEnvelope.model_validate(event)
    assert envelope.source is Source.API and envelope.source_id == sid
    assert envelope.payload["intitule"] == DRAFT["title"] and envelope.payload["lieuTravail"]["codePostal"] == "69003"
    assert enrich(envelope).title == offer["title"]
    # Ownership is recorded; the overlay answers for every id of the offer.
    with store_of(client).session() as s:
        row = repository.offer_by_source_id(s, sid)
        assert row is not None and row.draft["title"] == DRAFT["title"] and row.deleted_at is None
    for name in (offer["id"], f"api:{sid}"):
        got = _pending(client).get(name)
        assert isinstance(got, Offer) and got.title == offer["title"]
    # And through the public route (GET /api/offres/{id} consults the overlay before the index).
    got = client.get(r.headers["location"])
    assert got.status_code == 200, got.text
    assert got.json()["offer"]["title"] == offer["title"]


def test_put_patch_delete_as_the_owner(client: TestClient, recruiter: dict[str, str], kafka_bootstrap: str) -> None:
    created = client.post("/api/offres", json=DRAFT, headers=recruiter).json()["offer"]
    sid, oid = _source_id(created), created["id"]
    r = client.put(f"/api/offres/{oid}", json={**DRAFT, "title": "Data engineer Spark", "city": "Nantes",
                                                "postal_code": None}, headers=recruiter)
    assert r.status_code == 200, r.text
    assert r.json()["offer"]["title"] == "Data engineer Spark" and r.json()["offer"]["city"] == "Nantes"
    assert r.json()["offer"]["id"] == oid  # the same offer: same source id, same canonical id
    r = client.patch(f"/api/offres/api:{sid}", json={"salary_max": 60000}, headers=recruiter)
    assert r.status_code == 200, r.text
    patched = r.json()["offer"]
    assert patched["salary_max"] == 60000 and patched["city"] == "Nantes" and patched["title"] == "Data engineer Spark"
    assert patched["published_at"] == created["published_at"]  # creation date kept, update date moves
    assert patched["version"] > created["version"]
    overlay = _pending(client).get(oid)
    assert isinstance(overlay, Offer) and overlay.salary_max == 60000
    assert client.patch(f"/api/offres/{oid}", json={"salary_min": 70000}, headers=recruiter).status_code == 422
    assert client.patch(f"/api/offres/{oid}", json={"owner_id": 1}, headers=recruiter).status_code == 422

    assert client.delete(f"/api/offres/{oid}", headers=recruiter).status_code == 204
    assert _pending(client).get(oid) is DELETED and _pending(client).get(f"api:{sid}") is DELETED
    assert client.get(f"/api/offres/{oid}").status_code == 404
    assert client.put(f"/api/offres/{oid}", json=DRAFT, headers=recruiter).status_code == 404
    assert client.delete(f"/api/offres/{oid}", headers=recruiter).status_code == 404
    # Three upserts and one removal went out, all keyed by the offer's source reference.
    raw = events_for(kafka_bootstrap, RAW_OFFERS.name, f"api:{sid}", 3)
    assert [e["payload"]["intitule"] for e in raw] == [DRAFT["title"], "Data engineer Spark", "Data engineer Spark"]
    [removal] = events_for(kafka_bootstrap, REMOVALS.name, f"api:{sid}", 1)
    assert removal["source"] == "api" and removal["reason"] == "withdrawn by its author"


def test_the_index_takes_over_once_it_holds_the_write(client: TestClient, recruiter: dict[str, str],
                                                      embedder: Embedder) -> None:
    created = client.post("/api/offres", json=DRAFT, headers=recruiter).json()["offer"]
    sid, oid = _source_id(created), created["id"]
    index = client.app.state.index  # type: ignore[attr-defined]
    cluster = str(uuid.uuid4())  # the pipeline names an offer after its dedup cluster

    def indexed(version: int, title: str) -> None:
        o = Offer.model_validate({**created, "id": cluster, "title": title, "version": version,
                                  "source_refs": [f"api:{sid}"]})
        index.upsert(embed_offers([o], embedder))

    indexed(created["version"] - 1, "an older state")  # the index lags: the overlay still answers
    got = _pending(client).get(oid)
    assert isinstance(got, Offer) and got.title == created["title"]
    indexed(created["version"] + 5, "as indexed")  # caught up: the index answers, the entry is dropped
    got = _pending(client).get(oid)
    assert isinstance(got, Offer) and got.title == "as indexed" and got.id == cluster
    assert _pending(client).get(f"api:{sid}") is not None
    # The id search results show (the cluster's) works for writes too.
    r = client.patch(f"/api/offres/{cluster}", json={"title": "Renamed offer"}, headers=recruiter)
    assert r.status_code == 200 and r.json()["offer"]["title"] == "Renamed offer"
    got = _pending(client).get(cluster)
    assert isinstance(got, Offer) and got.title == "Renamed offer"
    index.delete([cluster])


def test_ids_that_are_not_writable(client: TestClient, recruiter: dict[str, str]) -> None:
    assert client.put("/api/offres/france_travail:191FJMB", json=DRAFT, headers=recruiter).status_code == 403
    assert client.delete(f"/api/offres/api:{uuid.uuid4().hex}", headers=recruiter).status_code == 404
    assert client.delete(f"/api/offres/{uuid.uuid4()}", headers=recruiter).status_code == 404
    assert client.patch("/api/offres/not an id", json={}, headers=recruiter).status_code == 422
    assert client.delete("/api/offres/monster:42", headers=recruiter).status_code == 422
    assert client.post("/api/offres", json={**DRAFT, "id": "mine"}, headers=recruiter).status_code == 422


def test_a_write_the_broker_did_not_take_changes_nothing(client: TestClient, recruiter: dict[str, str]) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    working, state.offer_writer = state.offer_writer, OfferWriter("127.0.0.1:1", timeout_s=0.3)  # nothing listens
    try:
        before = len(_pending(client))
        r = client.post("/api/offres", json={**DRAFT, "title": "Jamais publiée"}, headers=recruiter)
        assert r.status_code == 503 and r.headers["retry-after"]
        with store_of(client).session() as s:  # the ownership row was rolled back with the failed publish
            assert s.scalar(select(func.count()).select_from(OfferOwnership)
                            .where(OfferOwnership.draft["title"].as_string() == "Jamais publiée")) == 0
        assert len(_pending(client)) == before
    finally:
        state.offer_writer.close()
        state.offer_writer = working


class _FakeIndex:
    """Just what the overlay reads: offers by source reference."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Offer] = {}

    def get_by_ref(self, ref: str) -> Offer | None:
        return self.by_ref.get(ref)


def test_pending_entries_expire_and_are_purged() -> None:
    now = [0.0]
    index = _FakeIndex()
    overlay = PendingWrites(ttl_s=60, index=lambda: index, store=lambda: None,  # type: ignore[arg-type,return-value]
                            clock=lambda: now[0])
    offer = local_offer(envelope_for(OfferDraft.model_validate(DRAFT), "p1", created_at=NOW, fetched_at=NOW,
                                     fallback_url="x"))
    overlay.record("p1", offer, offer.version, {offer.id})
    overlay.record("p2", None, 0, {"some-cluster-id"})
    assert overlay.get(offer.id) == offer and overlay.get("api:p1") == offer
    assert overlay.get("some-cluster-id") is DELETED and overlay.get("api:p2") is DELETED
    assert overlay.get("api:unknown") is None  # not ours: the index answers
    index.by_ref["api:p1"] = offer.model_copy(update={"title": "stale", "version": offer.version - 1})
    assert overlay.get(offer.id) == offer  # the index lags behind the write
    now[0] = 61.0  # past the TTL: the next write purges what nobody read again
    overlay.record("p3", offer, offer.version, set())
    assert len(overlay) == 1 and overlay.get("some-cluster-id") is None
    assert overlay.get(offer.id) is None  # no store to resolve the canonical id any more
