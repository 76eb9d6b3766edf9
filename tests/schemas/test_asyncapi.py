"""The AsyncAPI document: fresh, valid against the official AsyncAPI 3.0.0 schema, complete."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from schemas import asyncapi
from schemas.topics import TOPICS


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(asyncapi.SPEC_SCHEMA.read_text(encoding="utf-8")))


def test_committed_document_is_fresh() -> None:
    assert asyncapi.DOCUMENT.read_text(encoding="utf-8") == asyncapi.render(), \
        "run `make schemas`: schemas/asyncapi/jobmarket.asyncapi.json is stale"


def test_document_validates_against_asyncapi_3(validator: jsonschema.Draft7Validator) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(asyncapi.build())]
    assert not errors, errors[:5]


@pytest.mark.parametrize("breakage", ["operation action", "channel field"])
def test_validation_catches_a_malformed_document(validator: jsonschema.Draft7Validator, breakage: str) -> None:
    doc: dict[str, Any] = copy.deepcopy(asyncapi.build())
    if breakage == "operation action":
        next(iter(doc["operations"].values()))["action"] = "publish"  # AsyncAPI 2's verb, invalid in 3
    else:
        next(iter(doc["channels"].values()))["adress"] = "typo"
    assert list(validator.iter_errors(doc))


def test_every_topic_is_documented_with_key_headers_and_semantics() -> None:
    doc = asyncapi.build()
    by_address = {ch["address"]: ch for ch in doc["channels"].values()}
    assert set(by_address) == set(TOPICS)
    for name, spec in TOPICS.items():
        channel = by_address[name]
        assert channel["bindings"]["kafka"]["partitions"] == spec.partitions
        assert channel["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] == [spec.cleanup_policy]
        message = doc["components"]["messages"][next(iter(channel["messages"]))]
        assert message["bindings"]["kafka"]["key"]["description"] == spec.key_format
        assert set(message.get("headers", {}).get("properties", {})) == set(spec.headers)
        assert "murmur2" in channel["description"]
    enriched = by_address["jobmarket.offers.enriched.v1"]
    assert "tombstone" in enriched["description"]
    assert "version" in doc["components"]["messages"][next(iter(enriched["messages"]))]["headers"]["properties"]


def test_payload_refs_resolve() -> None:
    doc = asyncapi.build()
    text = json.dumps(doc)
    for name in doc["components"]["schemas"]:
        assert f"#/components/schemas/{name}" in text
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= set(doc["components"]["schemas"]), refs - set(doc["components"]["schemas"])
