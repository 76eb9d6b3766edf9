"""The AsyncAPI 3.0 document of JobMarket's topics, generated from the topic registry and the models.

``python -m schemas.generate`` writes it to ``schemas/asyncapi/jobmarket.asyncapi.json`` next to the
JSON Schema files; a test checks that it is fresh and valid against the official AsyncAPI 3.0.0
JSON Schema (vendored from the Apache-2.0 ``@asyncapi/specs`` package, so validation needs no network).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from schemas.events import SCHEMA_VERSION
from schemas.topics import TOPICS, TopicSpec

ASYNCAPI_DIR = Path(__file__).parent / "asyncapi"
DOCUMENT = ASYNCAPI_DIR / "jobmarket.asyncapi.json"
SPEC_SCHEMA = ASYNCAPI_DIR / "asyncapi-3.0.0.schema.json"

# Kafka's broker default when a topic sets none (7 days).
DEFAULT_RETENTION_MS = str(7 * 24 * 3600 * 1000)

ORDERING = ("Keys are spread over the partitions with murmur2 (the Java client's default), so all records of "
            "one key are on one partition, in the order they were written. There is no order across keys.")


def _ident(topic: str) -> str:
    """A component name from a topic name: ``jobmarket.offers.raw.v1`` → ``offersRawV1``."""
    parts = topic.removeprefix("jobmarket.").split(".")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def _value_schema(spec: TopicSpec, components: dict[str, Any]) -> dict[str, Any]:
    """The value model's JSON Schema with its ``$defs`` hoisted into ``components.schemas``."""
    assert spec.value_model is not None
    schema = spec.value_model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    return schema


def _semantics(spec: TopicSpec) -> str:
    lines = [spec.description, "", f"Key: `{spec.key_format}` (UTF-8). {ORDERING}"]
    if spec.cleanup_policy == "compact":
        lines.append("Compacted: the latest record of each key is kept for ever; a record with a null value "
                     "(tombstone) deletes its key. Read it from the beginning to rebuild the whole state.")
    else:
        days = int(spec.config.get("retention.ms", DEFAULT_RETENTION_MS)) // (24 * 3600 * 1000)
        lines.append(f"Retention: records are deleted after {days} days.")
    if spec.internal:
        lines.append("Internal to JobMarket's workers: documented for operators, not a contract for other teams.")
    return "\n".join(lines)


def _headers(spec: TopicSpec) -> dict[str, Any]:
    return {"type": "object",
            "properties": {name: {"type": "string", "description": text} for name, text in spec.headers.items()}}


def build() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in TOPICS.values():
        ident = _ident(spec.name)
        payload = _value_schema(spec, schemas) if spec.value_model else {"type": "null"}
        message: dict[str, Any] = {
            "name": spec.value_model.__name__ if spec.value_model else ident,
            "title": spec.value_model.__name__ if spec.value_model else ident,
            "contentType": "application/json",
            "summary": spec.description,
            "payload": payload,
            "bindings": {"kafka": {"key": {"type": "string", "description": spec.key_format},
                                   "bindingVersion": "0.5.0"}},
        }
        if spec.headers:
            message["headers"] = _headers(spec)
        messages[ident] = message
        channels[ident] = {
            "address": spec.name,
            "title": spec.name,
            "description": _semantics(spec),
            "messages": {ident: {"$ref": f"#/components/messages/{ident}"}},
            "bindings": {"kafka": {
                "topic": spec.name,
                "partitions": spec.partitions,
                "topicConfiguration": {
                    "cleanup.policy": [spec.cleanup_policy],
                    **({"retention.ms": int(spec.config["retention.ms"])} if "retention.ms" in spec.config else {}),
                },
                "bindingVersion": "0.5.0",
            }},
        }
        operations[f"publish_{ident}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{ident}"},
            "summary": f"JobMarket writes {spec.name}.",
            "messages": [{"$ref": f"#/channels/{ident}/messages/{ident}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "JobMarket offer streams",
            "version": f"{SCHEMA_VERSION}.0.0",
            "description": ("Job offers from France Travail and Adzuna, as published by JobMarket: raw events, "
                            "withdrawals, canonical enriched offers and dead letters. Topic names carry the "
                            "contract's major version (`.v1`): within a version only backward-compatible "
                            "changes are made (see docs/consumers.md)."),
        },
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {"host": "127.0.0.1:9092", "protocol": "kafka",
                         "description": "`jobmarket up`'s embedded broker (Tansu, memory only)."},
            "production": {"host": "kafka:9092", "protocol": "kafka",
                           "description": "Apache Kafka (KRaft) in docker-compose.yml."},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
