"""Writes the JSON Schema files of every topic's value model: ``python -m schemas.generate``.

The files are committed so other teams can read the contracts without Python; a test fails when they
drift from the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemas.topics import TOPICS

SCHEMA_DIR = Path(__file__).parent / "jsonschema"


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


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, text in render().items():
        (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_DIR / name}")


if __name__ == "__main__":
    main()
