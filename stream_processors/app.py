"""The faust application, in two stages joined by the internal dedup topic.

1. ``route`` (raw offers + removals, keyed by source ref): validate and enrich each record, compute its
   dedup fingerprint and forward it, keyed by fingerprint, to the dedup topic. Records that fail, for
   any reason, go to the dead-letter topic. A table remembers each live ref's fingerprint so a removal,
   which only names a ref, reaches the right partition.
2. ``merge`` (dedup topic, keyed by fingerprint): embed the batch in one model call (text by text if it
   fails), fold each command into the fingerprint's clusters (two tables: a small state per fingerprint,
   one value per member), and publish the merged offers (or tombstones) keyed by canonical id, with
   their version in the ``version`` header, to the compacted enriched topic.

The batch logic itself is faust-free (``stream_processors.batches``); this module is the I/O around it.

Delivery: at-least-once in, exactly-once in effect. ``take_events`` acks a batch only after its loop
body returns; the body first waits until every output is acknowledged by the broker and only then
writes the tables, so a crash at any point replays the batch against the old state and re-emits the
same keyed records. Tables are recovered from their changelogs on restart.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
import weakref
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
import structlog
from faust.streams import _current_event
from faust.types import EventT, TableT

from core.kafka import to_bytes
from ml.embedding import Embedder, default_embedder, passage_of
from ml.serving import encoder_for_model_id
from schemas.events import VERSION_HEADER, DeadLetter, DedupCommand
from schemas.topics import DEAD_LETTERS, DEDUP, ENRICHED_OFFERS, PARTITIONS, RAW_OFFERS, REMOVALS, TopicSpec
from stream_processors import batches
from stream_processors.enrichment.referential import referential
from stream_processors.metrics import WorkerMetrics, lazy_lags
from stream_processors.model_loader import ModelLoader
from stream_processors.pipeline import RawRecord
from stream_processors.settings import Settings
from stream_processors.transport import App
from stream_processors.watchdog import StageClock, Watchdog
from vector_index.collections import open_collections

log = structlog.get_logger(__name__)

REF_TABLE = "ref-fingerprints"
CLUSTER_TABLE = "dedup-clusters"
MEMBER_TABLE = "dedup-members"


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{hp.strip()}" for hp in bootstrap.split(",") if hp.strip()]


def changelog_topics(app_id: str) -> list[TopicSpec]:
    """The tables' changelogs, pre-created like every other topic (co-partitioned with their sources)."""
    return [TopicSpec(name=f"{app_id}-{table}-changelog", partitions=PARTITIONS, cleanup_policy="compact",
                      key_format="table key", value_model=None, description=f"faust changelog of {table}")
            for table in (REF_TABLE, CLUSTER_TABLE, MEMBER_TABLE)]


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


def _warm_encoder(model_id: str) -> Embedder:
    """The encoder of ``model_id``, after one call (the first pays for lazy initialisation)."""
    encoder = encoder_for_model_id(model_id)
    encoder.encode(["warm-up"])
    return encoder


def _ms(start: float, end: float) -> int:
    return round((end - start) * 1000)


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> faust.App:
    s = settings or Settings()
    inputs = (RAW_OFFERS.name, REMOVALS.name, DEDUP.name)  # the agents' input topics
    app = App(
        s.app_id,
        fetch_max_wait_ms=s.kafka_fetch_max_wait_ms,
        contiguous_topics=inputs,  # delete policy, no transactions: offsets without holes
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
    clusters = app.Table(CLUSTER_TABLE, partitions=PARTITIONS, key_type=str)  # fingerprint -> dedup.State
    members = app.Table(MEMBER_TABLE, partitions=PARTITIONS, key_type=str)  # dedup.member_key -> dedup.Member
    # Every model call from one thread: torch gives each calling thread its own OpenMP team, and the
    # default executor's rotating threads left two teams of 2 threads fighting over 2 cores.
    model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedding")
    loader = ModelLoader(lambda: embedder or default_embedder(), model_thread)
    model = loader.get

    @app.task
    async def warm_model() -> None:
        # Load the model before the first batch so the first offers do not pay for it.
        # One encode too: the first call pays for lazy initialisation (~0.5 s here).
        loaded = await model()
        await asyncio.get_running_loop().run_in_executor(model_thread, lambda: loaded.encode(["warm-up"]))
        log.info("embedding model ready", model=loaded.model_id)

    @app.task
    async def follow_served_model() -> None:
        # Offers embedded with the model of the collection the API serves need no re-embedding by the
        # indexer; a rollout (`jobmarket replay --into index --collection NEW`) moves that alias.
        if embedder is not None or not s.follow_collection or s.follow_interval_s <= 0:
            return  # a model handed in (tests) serves as is
        loop = asyncio.get_running_loop()
        try:
            collections = open_collections(s, s.follow_collection)
        except Exception as exc:
            log.warning("cannot follow the served collection's model", error=str(exc)[:300])
            return
        refused: set[str] = set()  # models this worker cannot build: warned once, not retried
        try:
            while True:
                await asyncio.sleep(s.follow_interval_s)
                try:
                    record = await loop.run_in_executor(None, collections.current)
                    current = await model()
                except Exception as exc:  # the index server is away, or no model loaded yet: try again later
                    log.warning("could not compare the served collection's model", error=str(exc)[:300])
                    continue
                if record is None or record.model == current.model_id or record.model in refused:
                    continue
                log.info("the served collection uses another model: switching", current=current.model_id,
                         served=record.model, collection=record.collection)
                try:
                    loaded = await loader.replace(functools.partial(_warm_encoder, record.model))
                except Exception as exc:
                    refused.add(record.model)
                    log.warning("cannot embed with the served collection's model: keeping the current one",
                                served=record.model, error=str(exc)[:300])
                    continue
                log.info("embedding model ready", model=loaded.model_id)
        finally:
            collections.close()

    @app.task
    async def warm_referential() -> None:
        # The places referential takes ~1 s to load: not on the event loop in the middle of a batch.
        await asyncio.get_running_loop().run_in_executor(None, referential)

    async def send_dead(dead: DeadLetter) -> Awaitable[Any]:
        return await dlq_out.send(key=dead.key.encode() if dead.key else None, value=to_bytes(dead))

    async def send_command(cmd: DedupCommand) -> Awaitable[Any]:
        return await dedup_out.send(key=cmd.fingerprint.encode(), value=to_bytes(cmd))

    async def publish(out: batches.Publish) -> Awaitable[Any]:
        value = to_bytes(out.offer) if out.offer is not None else None
        return await enriched_out.send(key=out.key.encode(), value=value,
                                       headers=[(VERSION_HEADER, str(out.version).encode("ascii"))])

    def write(table: TableT[str, Any], event: EventT, key: str, value: Any) -> None:
        _write_from(event)
        if value is not None:
            table[key] = value
        elif key in table:
            del table[key]  # a tombstone in the changelog: the state goes away with its last member

    # Prometheus metrics (stream_processors/metrics.py), served once the worker runs (not when a test builds it).
    metrics = WorkerMetrics(lag=lazy_lags(s.bootstrap_servers, [s.app_id], s.metrics_lag_timeout_s, inputs))

    @app.task
    async def serve_metrics() -> None:
        metrics.serve(s.metrics_port, s.metrics_host)

    clock = StageClock()
    watchdog = Watchdog(clock, {"route": frozenset((RAW_OFFERS.name, REMOVALS.name)),
                                "merge": frozenset((DEDUP.name,))}, s.stall_after_s)

    @app.task
    async def watch_stages() -> None:
        if s.stall_after_s <= 0:
            return
        read = lazy_lags(s.bootstrap_servers, [s.app_id], s.metrics_lag_timeout_s, inputs)
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(s.stall_check_interval_s)
            if app.in_recovery or app.rebalancing:
                watchdog.hold()
                continue
            try:
                lags = await loop.run_in_executor(None, read)
                # only this worker's partitions: another replica's backlog is its own business
                mine = {(tp.topic, tp.partition) for tp in app.consumer.assignment()}
            except Exception as exc:  # the broker is slow or away: the consumer says so in its own way
                log.warning("watchdog: could not read the group's lag", error=str(exc))
                continue
            lags = [x for x in lags if (x.topic, x.partition) in mine]
            stalled = watchdog.check(lags)
            if stalled:
                log.error("stage stalled with records waiting: exiting so that the worker is restarted",
                          stages=stalled, idle_after_s=s.stall_after_s,
                          lag={f"{x.topic}/{x.partition}": x.lag for x in lags if x.lag > 0},
                          consumer=getattr(app.consumer, "describe", dict)())
                os._exit(75)  # no shutdown commit: the restarted worker resumes from the committed offsets

    @app.agent(route_in)
    async def route(stream: faust.StreamT[bytes]) -> None:
        clock.waiting("route")
        async for events in stream.take_events(s.batch_size, within=s.route_within_s):  # type: ignore[attr-defined]
            clock.busy("route")
            started = time.perf_counter()
            records = [_record(e) for e in events]
            routed = batches.route_batch(records, ref_fingerprints.get)
            futures = [await send_dead(d) for d in routed.dead] + [await send_command(c) for c in routed.commands]
            await _all_delivered(futures)
            for ref, (i, fp) in routed.writes.items():
                write(ref_fingerprints, events[i], ref, fp)
            log.info("batch routed", records=len(events), dead=len(routed.dead),
                     offsets=batches.offset_spans(records))
            metrics.batch("route", len(events), len(routed.dead), time.perf_counter() - started)
            clock.waiting("route")

    @app.agent(merge_in)
    async def merge(stream: faust.StreamT[bytes]) -> None:
        idle_since = time.perf_counter()
        clock.waiting("merge")
        async for events in stream.take_events(s.batch_size, within=s.batch_within_s):  # type: ignore[attr-defined]
            clock.busy("merge")
            started = time.perf_counter()
            records = [_record(e) for e in events]
            parsed = batches.parse_commands(records)
            embedder_ = await model()
            batches.find_stale(parsed, clusters.get, members.get, embedder_.model_id)
            t_embed = time.perf_counter()
            vectors = await asyncio.get_running_loop().run_in_executor(
                model_thread, batches.embed_each, embedder_.encode,
                parsed.texts(functools.partial(passage_of, embedder_)))
            t_fold = time.perf_counter()
            merged = batches.fold(records, parsed, vectors, clusters.get, members.get, embedder_.model_id,
                                  s.dedup_similarity)
            futures = [await send_dead(d) for d in merged.dead] + [await publish(p) for p in merged.published]
            t_send = time.perf_counter()
            await _all_delivered(futures)
            t_tables = time.perf_counter()
            for fp, (i, state) in merged.cluster_writes.items():
                write(clusters, events[i], fp, state)
            for key, (i, member) in merged.member_writes.items():
                write(members, events[i], key, member)
            # Where a batch's time went: the model should dominate, the waits stay small.
            log.info("batch merged", commands=len(parsed.commands), published=len(merged.published),
                     tombstones=sum(p.offer is None for p in merged.published), embedded=merged.embedded,
                     dead=len(merged.dead), offsets=batches.offset_spans(records),
                     waited_ms=_ms(idle_since, t_embed), embed_ms=_ms(t_embed, t_fold),
                     fold_ms=_ms(t_fold, t_send), deliver_ms=_ms(t_send, t_tables),
                     tables_ms=_ms(t_tables, time.perf_counter()))
            metrics.batch("merge", len(events), len(merged.dead), time.perf_counter() - started)
            metrics.merged(merged.embedded, offers=sum(p.offer is not None for p in merged.published),
                           tombstones=sum(p.offer is None for p in merged.published))
            idle_since = time.perf_counter()
            clock.waiting("merge")

    return app
