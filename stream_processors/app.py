"""The faust application, in two stages joined by the internal dedup topic.

1. ``route`` (raw offers + removals, keyed by source ref): validate and enrich each record, compute its
   dedup fingerprint and forward it, keyed by fingerprint, to the dedup topic. Invalid records go to
   the dead-letter topic. A table remembers each ref's fingerprint so a removal, which only names a
   ref, reaches the right partition.
2. ``merge`` (dedup topic, keyed by fingerprint): embed the batch in one model call, fold each command
   into the fingerprint's clusters (a table), and publish the merged offers (or tombstones) keyed by
   canonical id to the compacted enriched topic.

Delivery: at-least-once in, exactly-once in effect. ``take_events`` acks a batch only after its loop
body returns; the body first waits until every output is acknowledged by the broker and only then
writes the tables, so a crash at any point replays the batch against the old state and re-emits the
same keyed records. Tables are recovered from their changelogs on restart.
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
import structlog
from faust.streams import _current_event
from faust.types import EventT

from core.kafka import to_bytes
from ml.embedding import Embedder, default_embedder
from schemas.events import DeadLetter, DedupCommand, Offer, OfferRemoval
from schemas.topics import DEAD_LETTERS, DEDUP, ENRICHED_OFFERS, PARTITIONS, RAW_OFFERS, REMOVALS, TopicSpec
from stream_processors import dedup
from stream_processors.enrichment.referential import referential
from stream_processors.pipeline import RawRecord, enrich_record, parse_command, parse_removal
from stream_processors.settings import Settings
from stream_processors.transport import App

log = structlog.get_logger(__name__)

REF_TABLE = "ref-fingerprints"
CLUSTER_TABLE = "dedup-clusters"


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{hp.strip()}" for hp in bootstrap.split(",") if hp.strip()]


def changelog_topics(app_id: str) -> list[TopicSpec]:
    """The tables' changelogs, pre-created like every other topic (co-partitioned with their sources)."""
    return [TopicSpec(name=f"{app_id}-{table}-changelog", partitions=PARTITIONS, cleanup_policy="compact",
                      key_format="table key", value_model=None, description=f"faust changelog of {table}")
            for table in (REF_TABLE, CLUSTER_TABLE)]


def _record(event: EventT) -> RawRecord:
    msg = event.message
    key = msg.key if isinstance(msg.key, bytes | None) else str(msg.key).encode()
    value = msg.value if isinstance(msg.value, bytes | None) else str(msg.value).encode()
    return RawRecord(topic=msg.topic, partition=msg.partition, offset=msg.offset, key=key, value=value)


def _write_from(event: EventT) -> None:
    """Make ``event`` the one whose partition a table write goes to (faust reads it from a contextvar).

    Only the contextvar is set, in this agent's task: ``Stream._set_current_event`` would also change
    ``stream.current_event``, which ``take_events`` reads while buffering the NEXT batch, and the
    batch would then hold one event twice and lose another.
    """
    _current_event.set(weakref.ref(event))


async def _all_delivered(futures: list[Awaitable[Any]]) -> None:
    """Wait for every send; on failure stop hard so the batch is neither acked nor lost."""
    try:
        await asyncio.gather(*futures)
    except Exception:
        log.exception("could not deliver a batch's output; exiting without committing")
        os._exit(70)  # a hard exit skips faust's shutdown commit: the batch is re-consumed on restart


def _ms(start: float, end: float) -> int:
    return round((end - start) * 1000)


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> faust.App:
    s = settings or Settings()
    app = App(
        s.app_id,
        fetch_max_wait_ms=s.kafka_fetch_max_wait_ms,
        broker=broker_urls(s.bootstrap_servers),
        datadir=str(s.path("faust", s.app_id)),
        store="memory://",
        broker_session_timeout=s.session_timeout_s,
        broker_heartbeat_interval=min(3.0, s.session_timeout_s / 3),
        consumer_auto_offset_reset="earliest",
        topic_allow_declare=False,  # every topic is pre-created from the registry
        topic_disable_leader=True,
        topic_partitions=PARTITIONS,
        producer_max_batch_size=s.producer_max_batch_size,
        producer_acks=-1,
        web_enabled=s.web_enabled,
        web_host="127.0.0.1",
        web_port=s.web_port,
    )

    def topic(*names: str) -> faust.TopicT:
        return app.topic(*names, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

    route_in, merge_in = topic(RAW_OFFERS.name, REMOVALS.name), topic(DEDUP.name)
    dedup_out, enriched_out, dlq_out = topic(DEDUP.name), topic(ENRICHED_OFFERS.name), topic(DEAD_LETTERS.name)
    # No value_type: plain JSON values (a value_type of dict makes faust expect a Record on recovery).
    ref_fingerprints = app.Table(REF_TABLE, partitions=PARTITIONS, key_type=str)
    clusters = app.Table(CLUSTER_TABLE, partitions=PARTITIONS, key_type=str)
    state: dict[str, Embedder] = {}
    # Every model call from one thread: torch gives each calling thread its own OpenMP team, and the
    # default executor's rotating threads left two teams of 2 threads fighting over 2 cores.
    model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding")

    def model() -> Embedder:
        if "embedder" not in state:
            state["embedder"] = embedder or default_embedder()
        return state["embedder"]

    @app.task
    async def warm_model() -> None:
        # Load the model before the first batch so the first offers do not pay for it.
        # One encode too: the first call pays for lazy initialisation (~0.5 s here).
        await asyncio.get_running_loop().run_in_executor(model_thread, lambda: model().encode(["warm-up"]))
        log.info("embedding model ready", model=model().model_id)

    @app.task
    async def warm_referential() -> None:
        # The places referential takes ~1 s to load: not on the event loop in the middle of a batch.
        await asyncio.get_running_loop().run_in_executor(None, referential)

    async def send_dead(dead: DeadLetter) -> Awaitable[Any]:
        return await dlq_out.send(key=dead.key.encode() if dead.key else None, value=to_bytes(dead))

    async def send_command(cmd: DedupCommand) -> Awaitable[Any]:
        return await dedup_out.send(key=cmd.fingerprint.encode(), value=to_bytes(cmd))

    @app.agent(route_in)
    async def route(stream: faust.StreamT[bytes]) -> None:
        async for events in stream.take_events(s.batch_size, within=s.route_within_s):  # type: ignore[attr-defined]
            futures: list[Awaitable[Any]] = []
            writes: list[tuple[EventT, str, str]] = []  # table writes, applied once outputs are delivered
            known: dict[str, str] = {}
            dead = 0
            for event in events:
                record = _record(event)
                out: Offer | OfferRemoval | DeadLetter = (
                    parse_removal(record) if record.topic == REMOVALS.name else enrich_record(record))
                if isinstance(out, DeadLetter):
                    futures.append(await send_dead(out))
                    dead += 1
                    continue
                ref = out.source_refs[0] if isinstance(out, Offer) else out.key
                previous = known.get(ref) or ref_fingerprints.get(ref)
                if isinstance(out, OfferRemoval):
                    if previous is None:
                        log.info("removal of an offer never seen", ref=ref)
                    else:
                        futures.append(await send_command(DedupCommand(op="remove", ref=ref, fingerprint=previous)))
                    continue
                fp = dedup.fingerprint(out)
                if previous is not None and previous != fp:  # title/company/city changed: leave the old group
                    futures.append(await send_command(DedupCommand(op="remove", ref=ref, fingerprint=previous)))
                futures.append(await send_command(DedupCommand(op="upsert", ref=ref, fingerprint=fp, offer=out)))
                known[ref] = fp
                writes.append((event, ref, fp))
            await _all_delivered(futures)
            for event, ref, fp in writes:
                _write_from(event)
                ref_fingerprints[ref] = fp
            log.info("batch routed", records=len(events), dead=dead)

    @app.agent(merge_in)
    async def merge(stream: faust.StreamT[bytes]) -> None:
        idle_since = time.perf_counter()
        async for events in stream.take_events(s.batch_size, within=s.batch_within_s):  # type: ignore[attr-defined]
            futures: list[Awaitable[Any]] = []
            commands: list[tuple[EventT, DedupCommand]] = []
            for event in events:
                parsed = parse_command(_record(event))
                if isinstance(parsed, DeadLetter):
                    futures.append(await send_dead(parsed))
                else:
                    commands.append((event, parsed))
            upserts = [c.offer for _, c in commands if c.op == "upsert" and c.offer is not None]
            embedder_ = model()
            t_embed = time.perf_counter()
            vectors = await asyncio.get_running_loop().run_in_executor(
                model_thread, embedder_.encode, [o.search_text() for o in upserts])
            t_fold = time.perf_counter()
            vector_of = {o.source_refs[0]: v for o, v in zip(upserts, vectors, strict=True)}
            states: dict[str, tuple[EventT, dedup.State]] = {}
            outputs: dict[str, Offer | None] = {}  # the last change per canonical id wins
            for event, cmd in commands:
                current = states[cmd.fingerprint][1] if cmd.fingerprint in states else clusters.get(cmd.fingerprint)
                if cmd.op == "upsert" and cmd.offer is not None:
                    new_state, changes = dedup.upsert(current, cmd.fingerprint, cmd.offer, vector_of[cmd.ref],
                                                      embedder_.model_id, s.dedup_similarity)
                else:
                    new_state, changes = dedup.remove(current, cmd.ref)
                states[cmd.fingerprint] = (event, new_state)
                outputs.update((c.cluster_id, c.offer) for c in changes)
            for offer_id, merged in outputs.items():
                value = to_bytes(merged) if merged is not None else None
                futures.append(await enriched_out.send(key=offer_id.encode(), value=value))
            t_send = time.perf_counter()
            await _all_delivered(futures)
            t_tables = time.perf_counter()
            for fp, (event, new_state) in states.items():
                _write_from(event)
                clusters[fp] = new_state
            # Where a batch's time went: the model should dominate, the waits stay small.
            log.info("batch merged", commands=len(commands), published=len(outputs),
                     tombstones=sum(v is None for v in outputs.values()), embedded=len(upserts),
                     waited_ms=_ms(idle_since, t_embed), embed_ms=_ms(t_embed, t_fold),
                     fold_ms=_ms(t_fold, t_send), deliver_ms=_ms(t_send, t_tables),
                     tables_ms=_ms(t_tables, time.perf_counter()))
            idle_since = time.perf_counter()

    return app
