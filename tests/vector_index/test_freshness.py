"""Freshness publish → indexed: the age of each applied record, from the version (event time, µs) it carries."""

from __future__ import annotations

from confluent_kafka import TIMESTAMP_CREATE_TIME, Message

from core.kafka import to_bytes
from schemas.events import VERSION_HEADER
from schemas.topics import ENRICHED_OFFERS
from tests.vector_index.test_indexer import DIM, offer
from vector_index.indexer import Indexer, Rejected, event_age_s, plan_batch

NOW = 1_800_000_000.0  # seconds
STARTED = NOW - 60


def record(key: bytes, value: bytes | None, version: object, stamped_s: float | None = NOW - 1) -> Message:
    headers: list[tuple[str, str | bytes | None]] | None = (
        [(VERSION_HEADER, str(version).encode())] if version is not None else None)
    ts = (TIMESTAMP_CREATE_TIME, int(stamped_s * 1000)) if stamped_s is not None else (0, 0)
    return Message(topic=ENRICHED_OFFERS.name, partition=0, offset=0, key=key, value=value, headers=headers,
                   timestamp=ts)


def test_age_is_now_minus_the_event_time_in_the_version_header() -> None:
    assert event_age_s(record(b"k", b"{}", int((NOW - 2.5) * 1e6)), NOW, STARTED) == 2.5
    assert event_age_s(record(b"k", None, int((NOW - 4) * 1e6)), NOW, STARTED) == 4.0  # tombstones too
    assert event_age_s(record(b"k", b"{}", int((NOW + 3) * 1e6)), NOW, STARTED) == 0.0  # clock skew: not negative
    assert event_age_s(record(b"k", b"{}", int((NOW - 2) * 1e6), stamped_s=None), NOW, STARTED) == 2.0


def test_records_that_cannot_say_or_predate_this_process_are_left_out() -> None:
    assert event_age_s(record(b"k", b"{}", None), NOW, STARTED) is None         # no header
    assert event_age_s(record(b"k", b"{}", "x"), NOW, STARTED) is None          # not a number
    assert event_age_s(record(b"k", b"{}", 7), NOW, STARTED) is None            # a counter, not a time
    old = record(b"k", b"{}", int((NOW - 3600) * 1e6), stamped_s=STARTED - 10)  # a backlog, a rebuild
    assert event_age_s(old, NOW, STARTED) is None


def test_the_indexer_reports_one_age_per_applied_record_and_none_for_refused_ones() -> None:
    ages: list[float] = []
    indexer = Indexer(index=None, bootstrap="127.0.0.1:1", group_id="t", on_indexed=ages.append)  # type: ignore[arg-type]
    fresh, refused, gone = offer("F1"), offer("F2"), offer("F3")
    # Published 5 s before the indexer started, enriched (stamped by the broker) after: a live record.
    event_us, stamped = int((indexer._started_at - 5) * 1e6), indexer._started_at + 0.001
    msgs = [record(fresh.id.encode(), to_bytes(fresh), event_us, stamped_s=stamped),
            record(refused.id.encode(), to_bytes(refused), event_us, stamped_s=stamped),
            record(gone.id.encode(), None, event_us, stamped_s=stamped)]
    try:
        indexer._observe_indexed(plan_batch(msgs, DIM), [Rejected(msgs[1], "refused")])
    finally:
        indexer._consumer.close()
    assert len(ages) == 2 and all(5 <= a < 60 for a in ages)  # the upsert and the tombstone, not the refused
