"""Writes the contracts other teams read: ``python -m schemas.generate [--release]``.

- ``schemas/jsonschema/``: the JSON Schema of every topic's value model;
- ``schemas/asyncapi/jobmarket.asyncapi.json``: the AsyncAPI 3.0 document of every topic.

The files are committed so other teams can read the contracts without Python; a test fails when they
drift from the models. ``--release`` also moves ``schemas/released/`` (the baseline the evolution rule
compares against, see ``schemas/compat.py``) forward, and refuses a change that breaks readers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from schemas import asyncapi
from schemas.compat import breaking_changes
from schemas.topics import TOPICS

SCHEMA_DIR = Path(__file__).parent / "jsonschema"
RELEASED_DIR = Path(__file__).parent / "released"


def render() -> dict[str, str]:
    """File name → JSON text for each value model."""
    out: dict[str, str] = {}
    for spec in TOPICS.values():
        if spec.value_model is None:
            continue
        schema = spec.value_model.model_json_schema()
        schema["$id"] = f"https://jobmarket.local/schemas/{spec.name}.json"
        schema["x-topic"] = {
            "name": spec.name,
            "partitions": spec.partitions,
            "cleanup_policy": spec.cleanup_policy,
            "key_format": spec.key_format,
            "description": spec.description,
        }
        out[f"{spec.name}.json"] = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def incompatible(rendered: dict[str, str]) -> dict[str, list[str]]:
    """File name → breaking changes against the released schema of the same topic version."""
    out: dict[str, list[str]] = {}
    for name, text in rendered.items():
        released = RELEASED_DIR / name
        if released.exists():
            problems = breaking_changes(json.loads(released.read_text(encoding="utf-8")), json.loads(text))
            if problems:
                out[name] = problems
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description="Write the topic contracts (JSON Schema, AsyncAPI).")
    ap.add_argument("--release", action="store_true", help="also move schemas/released/ forward")
    args = ap.parse_args()
    rendered = render()
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, text in rendered.items():
        (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_DIR / name}")
    asyncapi.DOCUMENT.write_text(asyncapi.render(), encoding="utf-8")
    print(f"wrote {asyncapi.DOCUMENT}")
    if args.release:
        problems = incompatible(rendered)
        if problems:
            sys.exit(f"not released: breaking changes need a new topic version (...v2): {problems}")
        RELEASED_DIR.mkdir(exist_ok=True)
        for name, text in rendered.items():
            (RELEASED_DIR / name).write_text(text, encoding="utf-8")
        print(f"released {len(rendered)} schemas into {RELEASED_DIR}")


if __name__ == "__main__":
    main()
