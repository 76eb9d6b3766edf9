from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import TOPICS, DeadLetter, Offer, OfferRemoval, RawOfferEnvelope, Source, canonical_offer_id
from schemas.generate import SCHEMA_DIR, render
from schemas.topics import DEAD_LETTERS, ENRICHED_OFFERS, RAW_OFFERS

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_committed_json_schemas_are_fresh() -> None:
    rendered = render()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.json")}
    assert set(committed) == set(rendered), "run `make schemas`: a topic's schema file is missing or extra"
    stale = [name for name, text in rendered.items() if committed[name] != text]
    assert not stale, f"run `make schemas`: stale JSON Schema files {stale}"


def test_every_record_carries_schema_version() -> None:
    for spec in TOPICS.values():
        assert spec.value_model is not None
        assert "schema_version" in spec.value_model.model_fields, spec.name


def test_topic_names_are_versioned_and_unique() -> None:
    assert all(name.endswith(".v1") for name in TOPICS)
    assert ENRICHED_OFFERS.cleanup_policy == "compact"  # consumers rebuild state from it
    assert RAW_OFFERS.partitions == ENRICHED_OFFERS.partitions


def test_raw_envelope_round_trips_payload_untouched() -> None:
    payload = {"id": "191FJMB", "intitule": "Développeur (H/F)", "nested": {"a": [1, None, "é"]}}
    env = RawOfferEnvelope(source=Source.FRANCE_TRAVAIL, source_id="191FJMB", fetched_at=NOW, payload=payload)
    back = RawOfferEnvelope.model_validate_json(env.model_dump_json())
    assert back.payload == payload
    assert back.key == "france_travail:191FJMB"
    assert back.schema_version == 1


@pytest.mark.parametrize("bad", [
    {"source": "monster", "source_id": "1", "fetched_at": NOW.isoformat(), "payload": {}},
    {"source": "adzuna", "source_id": "", "fetched_at": NOW.isoformat(), "payload": {}},
    {"source": "adzuna", "source_id": "1", "fetched_at": "yesterday", "payload": {}},
    {"source": "adzuna", "source_id": "1", "fetched_at": NOW.isoformat(), "payload": []},
    {"source": "adzuna", "source_id": "1", "fetched_at": NOW.isoformat(), "payload": {}, "extra": 1},
])
def test_raw_envelope_rejects_malformed(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RawOfferEnvelope.model_validate_json(json.dumps(bad))


def test_canonical_id_is_deterministic_and_source_specific() -> None:
    a = canonical_offer_id("adzuna", "5135389874")
    assert a == canonical_offer_id("adzuna", "5135389874")
    assert a != canonical_offer_id("france_travail", "5135389874")


def test_dead_letter_keeps_original_bytes() -> None:
    original = b"\xff\x00not json"
    dead = DeadLetter.for_message(stage="validate", error="bad", topic="t", value=original, key=b"k", offset=3)
    back = DeadLetter.model_validate_json(dead.model_dump_json())
    assert back.original == original and back.key == "k" and back.offset == 3


def test_offer_and_removal_validate() -> None:
    offer = Offer(id=canonical_offer_id("sample", "S1"), source=Source.SAMPLE, source_id="S1",
                  source_refs=["sample:S1"], title="Data engineer", fetched_at=NOW)
    assert Offer.model_validate_json(offer.model_dump_json()) == offer
    removal = OfferRemoval(source=Source.ADZUNA, source_id="42", removed_at=NOW)
    assert removal.key == "adzuna:42"
    assert DEAD_LETTERS.value_model is DeadLetter


def test_the_version_header_is_read_one_way_whatever_the_client_gives() -> None:
    from schemas.events import header_version

    assert header_version([("other", b"1"), ("version", b"1796000000000000")]) == 1796000000000000
    assert header_version({"version": "42"}) == 42
    assert header_version([("version", None)]) is None and header_version(None) is None
    assert header_version([("version", b"not a number")]) is None
