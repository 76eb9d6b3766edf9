"""The schema evolution rule: within a topic version (``...v1``) only backward-compatible changes.

A reader written against the released schema must keep reading new records, and a new reader must
read every record still on the topic. So, compared with the released JSON Schema of a topic:

- no field is removed, and no field becomes required (old records lack it);
- a field's type may widen (``str`` → ``str | None``), never lose a type it had;
- enum values may be added, never removed.

Anything else needs a new topic version (``...v2``) running side by side. Readers must therefore ignore
fields they do not know and tolerate enum values they do not know (docs/consumers.md says so).
The released schemas live in ``schemas/released/``; ``python -m schemas.generate --release`` moves
them forward, and refuses a breaking change.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _ref_name(node: Schema) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


def _types(node: Schema) -> set[str]:
    """What a value of this node can be: JSON types, referenced definitions (``ref:Name``), consts."""
    for key in ("anyOf", "oneOf"):
        if key in node:
            return set().union(*(_types(member) for member in node[key]))
    name = _ref_name(node)
    if name:
        return {f"ref:{name}"}
    if "const" in node:
        return {f"const:{node['const']!r}"}
    kind = node.get("type")
    if isinstance(kind, list):
        return set(kind)
    if isinstance(kind, str):
        return {"integer", "number"} if kind == "number" else {kind}
    return {"any"}


def _enum(node: Schema) -> set[Any] | None:
    values = node.get("enum")
    return set(values) if isinstance(values, list) else None


def _compare_object(old: Schema, new: Schema, where: str, out: list[str]) -> None:
    old_props: Schema = old.get("properties", {})
    new_props: Schema = new.get("properties", {})
    for name, old_node in old_props.items():
        if name not in new_props:
            out.append(f"{where}.{name}: removed")
            continue
        before, after = _types(old_node), _types(new_props[name])
        if "any" not in after and not before <= after:
            out.append(f"{where}.{name}: type {sorted(before)} became {sorted(after)}")
        old_enum, new_enum = _enum(old_node), _enum(new_props[name])
        if old_enum is not None and new_enum is not None and not old_enum <= new_enum:
            out.append(f"{where}.{name}: enum values removed {sorted(map(str, old_enum - new_enum))}")
        if "properties" in old_node and "properties" in new_props[name]:
            _compare_object(old_node, new_props[name], f"{where}.{name}", out)
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        out.append(f"{where}.{name}: newly required")


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """What in ``new`` breaks readers of ``old`` (empty when the change is backward compatible)."""
    out: list[str] = []
    _compare_object(old, new, "$", out)
    old_defs: Schema = old.get("$defs", {})
    new_defs: Schema = new.get("$defs", {})
    for name, old_def in old_defs.items():
        new_def = new_defs.get(name)
        if new_def is None:
            out.append(f"#/$defs/{name}: removed")
            continue
        old_enum, new_enum = _enum(old_def), _enum(new_def)
        if old_enum is not None and (new_enum is None or not old_enum <= new_enum):
            out.append(f"#/$defs/{name}: enum values removed {sorted(map(str, old_enum - (new_enum or set())))}")
        _compare_object(old_def, new_def, f"#/$defs/{name}", out)
    return out
