"""The sink's pure parts and the MERGE rules, on DuckDB and on fakesnow (no broker, no dbt)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Message

from schemas.events import VERSION_HEADER, Offer, OfferRemoval, RawOfferEnvelope, Source
from schemas.topics import ENRICHED_OFFERS, RAW_OFFERS, REMOVALS
from tests.warehouse.fixtures_data import make_dataset
from tests.warehouse.helpers import FakesnowServer, duckdb_settings, fake_embedding, snowflake_settings
from warehouse import Warehouse, open_warehouse
from warehouse.base import ENRICHED_OFFERS_TABLE, RAW_OFFERS_TABLE, Batch, json_chunks
from warehouse.settings import Backend, Settings
from warehouse.sink import enriched_row, next_offsets, raw_offer_row, removal_row, to_batch

TS_MS = 1_745_150_400_000  # the messages' Kafka timestamp unless told
HOUR_MS = 3_600_000


def msg(topic: str, value: bytes | None, key: str | None, partition: int = 0, offset: int = 0,
        ts_ms: int = TS_MS, headers: list[tuple[str, str | bytes | None]] | None = None) -> Message:
    """A real confluent_kafka Message, as the consumer hands them out."""
    return Message(topic=topic, partition=partition, offset=offset, key=key.encode() if key else None, value=value,
                   timestamp=(1, ts_ms), headers=headers)


FETCHED = datetime(2025, 4, 20, 14, 0, tzinfo=UTC)


def raw_msg(source_id: str = "42", offset: int = 0, payload: dict[str, Any] | None = None) -> Message:
    env = RawOfferEnvelope(source=Source.ADZUNA, source_id=source_id, fetched_at=FETCHED,
                           payload=payload or {"id": source_id, "title": "Data engineer", "salary_min": 45000.0})
    return msg(RAW_OFFERS.name, env.model_dump_json().encode(), env.key, offset=offset)


def offer_msg(offer: Offer, offset: int, partition: int = 0, ts_ms: int = TS_MS,
              headers: list[tuple[str, str | bytes | None]] | None = None, **changes: Any) -> Message:
    """An enriched record; ``version=N`` in ``changes`` sets ``Offer.version`` (the merge stage's order)."""
    value = offer.model_copy(update={"embedding": fake_embedding(), **changes})
    return msg(ENRICHED_OFFERS.name, value.model_dump_json().encode(), offer.id, partition=partition, offset=offset,
               ts_ms=ts_ms, headers=headers)


def tombstone_msg(offer_id: str, offset: int, partition: int = 0, ts_ms: int = TS_MS,
                  version: int | None = None) -> Message:
    """A tombstone; its version travels only in the header (absent: a producer that sets none)."""
    headers: list[tuple[str, str | bytes | None]] | None = (
        [(VERSION_HEADER, str(version).encode())] if version is not None else None)
    return msg(ENRICHED_OFFERS.name, None, offer_id, partition=partition, offset=offset, ts_ms=ts_ms,
               headers=headers)


def test_raw_row_keeps_the_payload_untouched_and_keys_on_the_envelope() -> None:
    payload = {"id": "42", "title": "Développeur (H/F)", "nested": {"area": ["France", "Bretagne"]}, "n": 1.5}
    row = raw_offer_row(raw_msg(payload=payload, offset=7))
    assert row.is_valid and row.payload == payload
    assert row.event_id == "adzuna:42@2025-04-20T14:00:00+00:00"
    assert (row.source, row.source_id, row.fetched_at) == ("adzuna", "42", FETCHED)
    assert (row.kafka.kafka_offset, row.kafka.kafka_key) == (7, "adzuna:42")
    # the same event published again (another offset) is the same row
    assert raw_offer_row(raw_msg(payload=payload, offset=99)).event_id == row.event_id


def test_an_unreadable_raw_event_is_kept_not_dropped() -> None:
    row = raw_offer_row(msg(RAW_OFFERS.name, b"{not json", "adzuna:1", partition=2, offset=5))
    assert not row.is_valid
    assert row.event_id == f"{RAW_OFFERS.name}/2/5"
    assert row.payload == "{not json"


def test_removal_row() -> None:
    removal = OfferRemoval(source=Source.FRANCE_TRAVAIL, source_id="191FJMB", removed_at=FETCHED)
    row = removal_row(msg(REMOVALS.name, removal.model_dump_json().encode(), removal.key))
    assert row.is_valid and row.event_id == "france_travail:191FJMB@2025-04-20T14:00:00+00:00"
    assert row.reason == "withdrawn at source"


def test_enriched_row_drops_the_embedding_and_ignores_enriched_at_in_its_hash() -> None:
    offer = make_dataset(3).offers[0]
    row = enriched_row(offer_msg(offer, 1))
    assert row is not None and row.record is not None
    assert "embedding" not in row.record and row.offer_id == offer.id and not row.is_removed
    again = enriched_row(offer_msg(offer, 2, enriched_at=datetime(2030, 1, 1, tzinfo=UTC)))
    changed = enriched_row(offer_msg(offer, 3, title="Autre titre"))
    assert again is not None and changed is not None
    assert again.record_hash == row.record_hash != changed.record_hash
    tomb = enriched_row(tombstone_msg(offer.id, 4))
    assert tomb is not None and tomb.is_removed and tomb.record is None and tomb.removed_at is not None


def test_enriched_row_reads_the_version_from_the_header_else_the_record() -> None:
    offer = make_dataset(1).offers[0]
    assert enriched_row(offer_msg(offer, 1)).version == 0  # type: ignore[union-attr]  # no version: 0
    assert enriched_row(offer_msg(offer, 1, version=7)).version == 7  # type: ignore[union-attr]
    header = enriched_row(offer_msg(offer, 1, version=7, headers=[(VERSION_HEADER, b"9")]))
    assert header is not None and header.version == 9
    garbage = enriched_row(offer_msg(offer, 1, version=7, headers=[(VERSION_HEADER, b"v9")]))
    assert garbage is not None and garbage.version == 7
    tomb = enriched_row(tombstone_msg(offer.id, 2, version=12))
    assert tomb is not None and tomb.is_removed and tomb.version == 12
    assert enriched_row(tombstone_msg(offer.id, 2)).version == 0  # type: ignore[union-attr]


def test_offsets_to_commit_are_the_next_per_partition() -> None:
    msgs = [msg("t", b"{}", None, 0, 5), msg("t", b"{}", None, 1, 2), msg("t", b"{}", None, 0, 9),
            msg("u", b"{}", None, 0, 0)]
    assert [(tp.topic, tp.partition, tp.offset) for tp in next_offsets(msgs)] == [("t", 0, 10), ("t", 1, 3),
                                                                                  ("u", 0, 1)]


def test_json_chunks_respect_the_byte_limit() -> None:
    rows = [{"i": i, "text": "é" * 100} for i in range(50)]
    chunks = list(json_chunks(rows, 2_000))
    assert len(chunks) > 1 and all(len(c.encode()) <= 2_000 for c in chunks)
    assert [r for c in chunks for r in json.loads(c)] == rows


def test_a_batch_keeps_one_row_per_key() -> None:
    offer = make_dataset(3).offers[0]
    batch = to_batch([raw_msg(offset=1), raw_msg(offset=2), offer_msg(offer, 1), offer_msg(offer, 2, title="v2"),
                      tombstone_msg(offer.id, 3)])
    now = datetime(2025, 4, 21, tzinfo=UTC)
    raw = batch.rows_for(RAW_OFFERS_TABLE, now)
    assert len(raw) == 1 and raw[0]["kafka_offset"] == 1  # first occurrence (insert-only)
    (canonical,) = batch.rows_for(ENRICHED_OFFERS_TABLE, now)
    # the last state wins, and a tombstone keeps the record it removes
    assert canonical["is_removed"] and canonical["record"]["title"] == "v2"


def test_a_batch_keeps_the_highest_version_per_key_whatever_the_offsets() -> None:
    offer = make_dataset(1).offers[0]
    now = datetime(2025, 4, 21, tzinfo=UTC)
    # a replay of older versions read after a newer one, and a stale tombstone: the newest stays
    batch = to_batch([offer_msg(offer, 0, version=3, title="v3"), offer_msg(offer, 8, version=2, title="v2"),
                      tombstone_msg(offer.id, 9, version=1)])
    (row,) = batch.rows_for(ENRICHED_OFFERS_TABLE, now)
    assert (row["version"], row["record"]["title"], row["is_removed"], row["kafka_offset"]) == (3, "v3", False, 0)
    # a later tombstone removes it and keeps the record it removes
    batch.offers.append(enriched_row(tombstone_msg(offer.id, 1, version=4)))  # type: ignore[arg-type]
    (row,) = batch.rows_for(ENRICHED_OFFERS_TABLE, now)
    assert (row["version"], row["record"]["title"], row["is_removed"]) == (4, "v3", True)


# -- the MERGE rules, on both warehouses --------------------------------------------------------------

@pytest.fixture(params=[Backend.DUCKDB, Backend.SNOWFLAKE])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Warehouse]:
    settings: Settings
    if request.param is Backend.DUCKDB:
        settings = duckdb_settings(tmp_path, "unused:9092")
    else:
        server: FakesnowServer = request.getfixturevalue("fakesnow_server")
        settings = snowflake_settings(tmp_path, "unused:9092", server, f"JM_MERGE_{tmp_path.name[-8:].upper()}")
    with open_warehouse(settings) as wh:
        wh.setup()
        yield wh


def canonical(wh: Warehouse) -> dict[str, dict[str, Any]]:
    out = {}
    for r in wh.table("raw", "enriched_offers"):
        record = json.loads(r["record"]) if isinstance(r["record"], str) else r["record"]
        out[r["offer_id"]] = {"title": record["title"] if record else None, "removed": r["is_removed"],
                              "offset": r["kafka_offset"], "loaded_at": r["loaded_at"]}
    return out


def test_merge_rules(warehouse: Warehouse) -> None:
    a, b = make_dataset(2).offers
    first = warehouse.write(to_batch([raw_msg("1", 0), raw_msg("2", 1), offer_msg(a, 0), offer_msg(b, 1)]))
    assert (first.raw_offers, first.offers) == (2, 2)
    state = canonical(warehouse)

    # the same batch again (a replay), the same bytes at new offsets, a re-enrichment: nothing changes
    assert warehouse.write(to_batch([raw_msg("1", 0), raw_msg("2", 1), offer_msg(a, 0), offer_msg(b, 1)])).total == 0
    assert warehouse.write(to_batch([raw_msg("1", 10), offer_msg(a, 10),
                                     offer_msg(b, 11, enriched_at=datetime(2030, 1, 1, tzinfo=UTC))])).total == 0
    assert canonical(warehouse) == state
    assert warehouse.count("raw", "raw_offers") == 2

    # a later, different record replaces the row; an older one (replayed: produced earlier) does not
    assert warehouse.write(to_batch([offer_msg(a, 20, title="v2")])).offers == 1
    assert warehouse.write(to_batch([offer_msg(a, 5, title="old", ts_ms=TS_MS - HOUR_MS)])).total == 0
    assert canonical(warehouse)[a.id]["title"] == "v2"

    # a tombstone marks the row removed and keeps its record; a replayed one changes nothing
    assert warehouse.write(to_batch([tombstone_msg(b.id, 30)])).offers == 1
    after_tomb = canonical(warehouse)
    assert after_tomb[b.id]["removed"] and after_tomb[b.id]["title"] == b.title
    assert warehouse.write(to_batch([tombstone_msg(b.id, 30), tombstone_msg(b.id, 31)])).total == 0
    assert canonical(warehouse) == after_tomb

    # an offer published again after its removal comes back
    assert warehouse.write(to_batch([offer_msg(b, 40)])).offers == 1
    assert canonical(warehouse)[b.id]["removed"] is False

    assert warehouse.write(Batch()).total == 0


def versions(wh: Warehouse) -> dict[str, int]:
    return {r["offer_id"]: int(r["version"]) for r in wh.table("raw", "enriched_offers")}


def test_versions_order_the_canonical_rows_not_offsets(warehouse: Warehouse) -> None:
    a, b = make_dataset(2).offers
    assert warehouse.write(to_batch([offer_msg(a, 100, version=10), offer_msg(b, 101, version=10)])).offers == 2

    # the topic was re-created (an embedded broker restart): offsets start at 0 again, versions go on
    assert warehouse.write(to_batch([offer_msg(a, 0, version=11, title="after restart")])).offers == 1
    assert warehouse.write(to_batch([tombstone_msg(b.id, 1, version=11)])).offers == 1
    state = canonical(warehouse)
    assert state[a.id]["title"] == "after restart" and not state[a.id]["removed"]
    assert state[b.id]["removed"] and state[b.id]["title"] == b.title
    assert versions(warehouse) == {a.id: 11, b.id: 11}

    # a replay of the older versions at higher offsets (and later Kafka times) changes nothing,
    # nor does a stale tombstone
    later = TS_MS + HOUR_MS
    assert warehouse.write(to_batch([offer_msg(a, 500, version=10, ts_ms=later),
                                     offer_msg(b, 501, version=10, ts_ms=later)])).total == 0
    assert warehouse.write(to_batch([tombstone_msg(a.id, 502, version=9, ts_ms=later)])).total == 0
    assert canonical(warehouse) == state

    # a higher version brings a removed offer back, whatever its offset
    assert warehouse.write(to_batch([offer_msg(b, 2, version=12)])).offers == 1
    assert canonical(warehouse)[b.id]["removed"] is False
    assert versions(warehouse) == {a.id: 11, b.id: 12}


def test_without_versions_kafka_time_orders_and_a_tombstone_without_header_removes(warehouse: Warehouse) -> None:
    a, b = make_dataset(2).offers
    assert warehouse.write(to_batch([offer_msg(a, 50), offer_msg(b, 51)])).offers == 2

    # a producer that sets no version, after a restart: lower offsets, later produce times
    later = TS_MS + HOUR_MS
    assert warehouse.write(to_batch([offer_msg(a, 0, title="after restart", ts_ms=later)])).offers == 1
    assert warehouse.write(to_batch([tombstone_msg(b.id, 1, ts_ms=later)])).offers == 1
    state = canonical(warehouse)
    assert state[a.id]["title"] == "after restart" and state[b.id]["removed"]

    # the pre-restart record replayed (higher offset, older produce time) does not undo the update
    assert warehouse.write(to_batch([offer_msg(a, 60)])).total == 0
    assert canonical(warehouse) == state


def test_setup_adds_the_version_column_to_an_older_table(warehouse: Warehouse) -> None:
    a = make_dataset(1).offers[0]
    table = warehouse.relation("raw", "enriched_offers")
    with warehouse.exclusive():  # DuckDB: a writable connection
        warehouse.query(f"alter table {table} drop column version")  # as created before the column existed
        warehouse.query(f"insert into {table} (offer_id, record_hash, is_removed, kafka_topic, kafka_partition, "
                        "kafka_offset, kafka_timestamp, loaded_at) values (?, 'old', false, 't', 0, 70, "
                        "cast('2025-04-20 11:00:00' as timestamp), cast('2025-04-20 11:00:00' as timestamp))",
                        [a.id])
    assert "version" not in warehouse.table("raw", "enriched_offers")[0]

    warehouse.setup()
    warehouse.setup()  # idempotent
    (row,) = warehouse.table("raw", "enriched_offers")
    assert row["version"] is None  # stored before versions: counts as 0
    # an update at a lower offset and a later time, without a version, then with one, both apply
    assert warehouse.write(to_batch([offer_msg(a, 0, title="migrated")])).offers == 1
    assert warehouse.write(to_batch([offer_msg(a, 1, title="versioned", version=5)])).offers == 1
    assert canonical(warehouse)[a.id]["title"] == "versioned" and versions(warehouse) == {a.id: 5}
