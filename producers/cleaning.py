"""Source text no encoder accepts: lone UTF-16 surrogates become U+FFFD before anything serialises them.

A JSON body may carry ``"\\ud800"`` escapes; ``json.loads`` turns an unpaired one into a lone surrogate code
point, which UTF-8 cannot encode: the fingerprint, the envelope and every log line of that offer would raise.
Connectors clean each offer as they read it, so its id, its fingerprint and its published payload agree.
"""

from __future__ import annotations

import re
from typing import Any

SURROGATE = re.compile("[\ud800-\udfff]")


def fix_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (a well-formed pair becomes its character)."""
    if SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def clean_surrogates(value: Any) -> tuple[Any, int]:
    """A JSON-shaped ``value`` with lone surrogates replaced in every string (keys too), and how many strings
    changed. Unchanged containers are returned as they are (no copy)."""
    if isinstance(value, str):
        fixed = fix_text(value)
        return fixed, int(fixed is not value)
    if isinstance(value, dict):
        changed = 0
        items: list[tuple[Any, Any]] = []
        for k, v in value.items():
            ck, nk = clean_surrogates(k)
            cv, nv = clean_surrogates(v)
            changed += nk + nv
            items.append((ck, cv))
        return (dict(items), changed) if changed else (value, 0)
    if isinstance(value, list):
        changed = 0
        out = []
        for v in value:
            cv, nv = clean_surrogates(v)
            changed += nv
            out.append(cv)
        return (out, changed) if changed else (value, 0)
    return value, 0
