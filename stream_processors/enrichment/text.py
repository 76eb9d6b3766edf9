"""Small text helpers shared by the extractors: accent folding, lookup keys, safe field access."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Any

# Input caps, applied by each parser before any regex: records are hostile input (a France Travail
# ``salaire.libelle`` of 8,000 characters once took seconds of the worker's event loop). Structured
# labels are short; descriptions are long but every pattern run on them is linear.
MAX_LABEL = 200
MAX_TITLE = 300
MAX_DESCRIPTION = 20_000

_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_TAGS = re.compile(r"<[^<>]+>")  # not "<[^>]+>": on "<<<<..." each "<" would scan to the end (quadratic)
_TOKEN_ALIASES = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=256)
def fold(text: str) -> str:
    """Lower case, no accents, typographic quotes and dashes made plain, spaces collapsed.

    Cached: every extractor folds the same title and description.
    """
    text = strip_accents(text).lower() if not text.isascii() else text.lower()
    text = text.replace("’", "'").replace("`", "'").replace("–", "-").replace("—", "-").replace("·", "-")
    text = text.replace("œ", "oe").replace("æ", "ae")
    return _SPACES.sub(" ", text).strip()


def name_key(text: str) -> str:
    """A lookup key for place names: folded, punctuation as spaces, "St"/"Ste" spelled out.

    "RAMONVILLE ST AGNE", "Ramonville-Saint-Agne" and "ramonville saint agne" share one key.
    """
    tokens = _NON_ALNUM.sub(" ", fold(text)).split()
    return " ".join(_TOKEN_ALIASES.get(t, t) for t in tokens)


def clean_text(value: Any, limit: int = MAX_DESCRIPTION) -> str:
    """A description as plain text (at most ``limit`` characters): HTML tags and entities removed,
    whitespace kept readable."""
    if not isinstance(value, str):
        return ""
    value = value[: 4 * limit]  # HTML markup may take room; the text is cut to ``limit`` below
    text = html.unescape(_TAGS.sub(" ", value)) if "<" in value or "&" in value else value
    return text.replace("\r\n", "\n").replace("\xa0", " ").strip()[:limit]


def as_str(value: Any) -> str | None:
    """The value as a stripped non-empty string, or None (numbers are accepted and formatted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip().replace(",", ".").replace(" ", ""))
        except ValueError:
            return None
    else:
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None
