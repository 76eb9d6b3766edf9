"""Kafka plumbing shared by producers, workers and the index: topics, producer, serialisation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import structlog
from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from pydantic import BaseModel
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential

from schemas.topics import TOPICS, TopicSpec

log = structlog.get_logger(__name__)


def producer_config(bootstrap: str, **extra: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        # faust/aiokafka hash keys with murmur2; so must we, or one key lands on two partitions.
        "partitioner": "murmur2_random",
        "linger.ms": 5,
        # No compression: aiokafka (faust) ships without lz4/snappy/zstd codecs and could not read it.
        **extra,
    }


def make_producer(bootstrap: str, **extra: Any) -> Producer:
    return Producer(producer_config(bootstrap, **extra))


def to_bytes(model: BaseModel) -> bytes:
    return model.model_dump_json().encode("utf-8")


def headers_for(model: BaseModel, **extra: str) -> list[tuple[str, str | bytes | None]]:
    hdrs = {"schema_version": str(getattr(model, "schema_version", "")), **extra}
    return [(k, v.encode()) for k, v in hdrs.items() if v]


def decode_json(value: bytes) -> Any:
    return json.loads(value.decode("utf-8"))


@retry(
    retry=retry_if_exception_type((KafkaException, TimeoutError)),
    wait=wait_exponential(multiplier=0.2, max=2),
    stop=stop_after_delay(30),
    reraise=True,
)
def ensure_topics(bootstrap: str, specs: Iterable[TopicSpec] | None = None) -> list[str]:
    """Create every registered topic that is missing (idempotent); returns the names it created.

    Topics are pre-created with their partition count because Tansu cannot add partitions later and
    auto-created topics would get the broker's default.
    """
    specs = list(specs if specs is not None else TOPICS.values())
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = admin.list_topics(timeout=5).topics
    missing = [s for s in specs if s.name not in existing]
    created: list[str] = []
    if missing:
        futures = admin.create_topics(
            [NewTopic(s.name, num_partitions=s.partitions, replication_factor=-1, config=s.kafka_config())
             for s in missing],
            operation_timeout=10,
        )
        for name, fut in futures.items():
            try:
                fut.result()
                created.append(name)
            except KafkaException as exc:
                if "TOPIC_ALREADY_EXISTS" not in str(exc):  # a concurrent creator won the race
                    raise
    metadata = admin.list_topics(timeout=5).topics
    for s in specs:
        got = len(metadata[s.name].partitions)
        if got != s.partitions:
            log.warning("topic partition count differs", topic=s.name, expected=s.partitions, actual=got)
    return created
