"""Job titles: gender marks ("(H/F)", "F/H", "H/F/X", "(m/w/d)"...) removed and kept apart."""

from __future__ import annotations

import re

from stream_processors.enrichment.text import MAX_TITLE

_SEP = r"\s*[/\\|\-]\s*"
_MARK = re.compile(
    r"[\(\[]?\s*(?<![\w.])(?:[HFMW]" + _SEP + r"[HFMW](?:" + _SEP + r"(?:X|D|N|NB|Autre))?"
    r"|Homme" + _SEP + r"Femme|Femme" + _SEP + r"Homme)(?![\w.])\s*[\)\]]?",
    re.IGNORECASE,
)
_TRAILING_HF = re.compile(r"\s+(?:HF|FH)\s*$|\s*\(\s*[HF]\s*(?:/\s*[HF]?)?\s*$", re.IGNORECASE)
_EMPTY_BRACKETS = re.compile(r"[\(\[]\s*[\)\]]")
_EDGE_SEPARATORS = re.compile(r"^[\s\-–—,:|/]+|[\s\-–—,:|/]+$")
_DOUBLE_SEPARATORS = re.compile(r"\s*([\-–—|,])\s*(?:[\-–—|,]\s*)+")
_SPACES = re.compile(r"\s+")


def split_gender_mark(title: str) -> tuple[str, str | None]:
    """("Développeur Java (H/F)") → ("Développeur Java", "(H/F)"); the first mark found is kept.

    The title is cut to ``MAX_TITLE`` and its whitespace collapsed first: the patterns' "\\s*" made runs
    of spaces quadratic.
    """
    title = _SPACES.sub(" ", title[:MAX_TITLE])
    marks = [m.group(0).strip() for m in _MARK.finditer(title)]
    cleaned = _MARK.sub(" ", title)
    trailing = _TRAILING_HF.search(cleaned)
    if trailing:
        marks.append(trailing.group(0).strip())
        cleaned = cleaned[: trailing.start()]
    if not marks:
        return _SPACES.sub(" ", title).strip(), None
    cleaned = _EMPTY_BRACKETS.sub(" ", cleaned)
    cleaned = _DOUBLE_SEPARATORS.sub(r" \1 ", cleaned)
    cleaned = _SPACES.sub(" ", cleaned)
    cleaned = _EDGE_SEPARATORS.sub("", cleaned).strip()
    return (cleaned or _SPACES.sub(" ", title).strip()), marks[0]
