"""The schema evolution rule (schemas/compat.py) and its application to every topic."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from schemas.compat import breaking_changes
from schemas.generate import RELEASED_DIR, incompatible, render

# Three versions of one enum (same name, as in the real evolution of a model).
ColourV1 = StrEnum("Colour", {"RED": "red", "BLUE": "blue"})  # type: ignore[misc]
ColourV2 = StrEnum("Colour", {"RED": "red", "BLUE": "blue", "GREEN": "green"})  # type: ignore[misc]
ColourShrunk = StrEnum("Colour", {"RED": "red"})  # type: ignore[misc]


class V1(BaseModel):
    id: str
    size: int
    note: str | None = None
    colour: ColourV1 = ColourV1.RED


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def test_additive_changes_are_compatible() -> None:
    class V2(BaseModel):
        id: str
        size: float  # widened: every old int is still a valid number
        note: str | None = None
        colour: ColourV2 = ColourV2.RED  # a value added
        extra: list[str] = []  # an optional field added

    assert breaking_changes(_schema(V1), _schema(V2)) == []


def test_removed_field_breaks() -> None:
    class V2(BaseModel):
        id: str
        note: str | None = None
        colour: ColourV1 = ColourV1.RED

    assert breaking_changes(_schema(V1), _schema(V2)) == ["$.size: removed"]


def test_new_required_field_breaks() -> None:
    class V2(BaseModel):
        id: str
        size: int
        note: str | None = None
        colour: ColourV1 = ColourV1.RED
        owner: str

    assert breaking_changes(_schema(V1), _schema(V2)) == ["$.owner: newly required"]


def test_narrowed_type_and_removed_enum_value_break() -> None:
    class V2(BaseModel):
        id: str
        size: int
        note: str = ""  # null no longer allowed
        colour: ColourShrunk = ColourShrunk.RED

    problems = breaking_changes(_schema(V1), _schema(V2))
    assert any(p.startswith("$.note: type") for p in problems), problems
    assert "#/$defs/Colour: enum values removed ['blue']" in problems, problems


def test_every_topic_is_backward_compatible_with_its_released_schema() -> None:
    rendered = render()
    assert {p.name for p in RELEASED_DIR.glob("*.json")} <= set(rendered), \
        "a released topic disappeared: a topic version is never dropped while readers may use it"
    assert incompatible(rendered) == {}, "breaking change within a topic version: add a ...v2 topic instead"
