"""The faust application: raw offers → enriched (embedded) offers, removals → tombstones.

Delivery guarantee: at-least-once. ``take_events`` acks a batch only after the loop body returns, and
the body returns only after every output message is acknowledged by the broker. Output keys are the
canonical offer ids, so a replayed batch overwrites rather than duplicates.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from typing import Any

import faust
import structlog
from faust.types import EventT

from jobmarket.kafka import to_bytes
from ml.embedding import Embedder, default_embedder, embed_offers
from schemas.events import DeadLetter, Offer
from schemas.topics import DEAD_LETTERS, ENRICHED_OFFERS, RAW_OFFERS, REMOVALS
from stream_processors.pipeline import (
    RawRecord,
    enrich_records,
    parse_removal,
)
from stream_processors.settings import Settings

log = structlog.get_logger(__name__)


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{hp.strip()}" for hp in bootstrap.split(",") if hp.strip()]


def _record(event: EventT) -> RawRecord:
    msg = event.message
    key = msg.key if isinstance(msg.key, bytes | None) else str(msg.key).encode()
    value = msg.value if isinstance(msg.value, bytes | None) else str(msg.value).encode()
    return RawRecord(topic=msg.topic, partition=msg.partition, offset=msg.offset, key=key, value=value)


async def _all_delivered(futures: list[Awaitable[Any]]) -> None:
    """Wait for every send; on failure stop hard so the batch is not acked (and so not lost)."""
    try:
        await asyncio.gather(*futures)
    except Exception:
        log.exception("could not deliver a batch's output; exiting without committing")
        os._exit(70)  # a hard exit skips faust's shutdown commit: the batch is re-consumed on restart


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> faust.App:
    s = settings or Settings()
    app = faust.App(
        s.app_id,
        broker=broker_urls(s.bootstrap_servers),
        datadir=str(s.path("faust", s.app_id)),
        broker_session_timeout=s.session_timeout_s,
        broker_heartbeat_interval=min(3.0, s.session_timeout_s / 3),
        consumer_auto_offset_reset="earliest",
        topic_allow_declare=False,  # topics are pre-created from the registry (jobmarket topics)
        topic_disable_leader=True,
        web_enabled=s.web_enabled,
        web_host="127.0.0.1",
        web_port=s.web_port,
        producer_acks=-1,
    )

    def topic(name: str) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw",
                         value_serializer="raw", internal=False)

    raw_topic, removals_topic = topic(RAW_OFFERS.name), topic(REMOVALS.name)
    enriched_topic, dlq_topic = topic(ENRICHED_OFFERS.name), topic(DEAD_LETTERS.name)
    state: dict[str, Embedder] = {}

    def model() -> Embedder:
        if "embedder" not in state:
            state["embedder"] = embedder or default_embedder()
        return state["embedder"]

    @app.task
    async def warm_model() -> None:
        # Load the model before the first batch so the first offers do not pay for it.
        await asyncio.get_running_loop().run_in_executor(None, model)
        log.info("embedding model ready", model=model().model_id)

    def send_dead(dead: DeadLetter) -> Awaitable[Any]:
        return dlq_topic.send(key=dead.key.encode() if dead.key else None, value=to_bytes(dead))

    def send_offer(offer: Offer) -> Awaitable[Any]:
        return enriched_topic.send(key=offer.id.encode(), value=to_bytes(offer),
                                   headers={"schema_version": str(offer.schema_version).encode(),
                                            "source": offer.source.value.encode()})

    @app.agent(raw_topic)
    async def enrich_offers(stream: faust.StreamT[bytes]) -> None:
        async for events in stream.take_events(s.batch_size, within=s.batch_within_s):  # type: ignore[attr-defined]
            result = enrich_records([_record(e) for e in events])
            loop = asyncio.get_running_loop()
            offers = await loop.run_in_executor(None, embed_offers, result.offers, model())
            futures = [await send_offer(o) for o in offers]
            futures += [await send_dead(d) for d in result.dead_letters]
            await _all_delivered(futures)
            if result.dead_letters:
                log.warning("records dead-lettered", count=len(result.dead_letters),
                            reasons=[d.error[:120] for d in result.dead_letters[:3]])
            log.info("batch enriched", offers=len(offers), dead=len(result.dead_letters))

    @app.agent(removals_topic)
    async def tombstone_removed(stream: faust.StreamT[bytes]) -> None:
        async for events in stream.take_events(s.batch_size, within=s.batch_within_s):  # type: ignore[attr-defined]
            futures = []
            for event in events:
                parsed = parse_removal(_record(event))
                if isinstance(parsed, DeadLetter):
                    futures.append(await send_dead(parsed))
                else:
                    offer_id, _ = parsed
                    futures.append(await enriched_topic.send(key=offer_id.encode(), value=None))
            await _all_delivered(futures)
            log.info("removals tombstoned", count=len(events))

    return app
