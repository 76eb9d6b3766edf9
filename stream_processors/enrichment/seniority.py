"""Seniority (Débutant / Junior / Confirmé / Senior) from experience requirements and cues.

Thresholds on the minimum experience asked for:

    Débutant  < 1 year   (or "débutant accepté", "jeune diplômé", stage / alternance)
    Junior    1 – 2 years (or "junior")
    Confirmé  3 – 5 years (or "confirmé", "expérimenté", "mid-level")
    Senior    ≥ 6 years   (or "senior", "lead", "expert", "principal", "head of", "directeur")

Rules, in order:
1. the level from years (France Travail ``experienceLibelle`` "3 An(s)" / "36 Mois", or a description
   phrase "5 ans d'expérience", "3+ years of experience") and the level named in the title are
   combined by taking the higher one: a "Lead Dev" asking 3 years is Senior, a "Développeur
   Confirmé" open to beginners is Confirmé;
2. otherwise a level cue in the description ("profil junior", "senior", "confirmé");
3. otherwise France Travail's code: D (débutant accepté) → Débutant; E/S without years → unknown;
4. otherwise an internship or work-study contract → Débutant; else unknown (None).
"""

from __future__ import annotations

import re
from typing import Any

from schemas.events import ContractType, Seniority
from stream_processors.enrichment.text import MAX_DESCRIPTION, MAX_LABEL, MAX_TITLE, as_str, fold

_ORDER = [Seniority.DEBUTANT, Seniority.JUNIOR, Seniority.CONFIRME, Seniority.SENIOR]

_NUMBERS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
            "huit": 8, "neuf": 9, "dix": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
            "six years": 6, "seven": 7, "eight": 8, "ten": 10}
_NUM = r"(\d{1,2}|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|one|two|three|four|five|seven|eight|ten)"

# Not "(\d+(?:[.,]\d+)?)": on a long run of digits that was quadratic (seconds for 8,000 characters).
_FT_YEARS = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s?(an|annee|mois)", re.IGNORECASE)
# "3 ans d'expérience", "minimum 5 ans", "au moins 2 années d'expérience", "3 à 5 ans d'expérience",
# "5+ years of experience", "at least 3 years"; the lower bound of a range is kept.
_DESC_YEARS = [
    re.compile(_NUM + r"\s*(?:\+|(?:a|et|-)\s*\d{1,2})?\s*(?:ans|annees)\s+(?:minimum\s+)?(?:d'|de\s+)?"
               r"(?:une\s+|un\s+)?(?:experience|pratique)"),
    re.compile(r"(?:minimum|au moins|minimum de|d'au moins)\s+" + _NUM + r"\s*(?:ans|annees)"),
    re.compile(r"experience\s+(?:significative\s+|reussie\s+|professionnelle\s+|confirmee\s+|similaire\s+)?"
               r"(?:de|d'au moins|d'un minimum de|minimum de|minimum)\s+" + _NUM + r"\s*(?:\+\s*)?(?:ans|annees)"),
    re.compile(_NUM + r"\s*\+?\s*(?:-\s*\d{1,2}\s*)?years?\s+(?:of\s+)?(?:professional\s+|relevant\s+|hands-on\s+)?"
               r"(?:experience|exp\b)"),
    re.compile(r"(?:at least|minimum of|minimum)\s+" + _NUM + r"\s*\+?\s*years?"),
]

_TITLE_CUES: list[tuple[re.Pattern[str], Seniority]] = [
    (re.compile(r"\b(?:senior|sr\.?|lead|tech lead|expert|experte|principal|staff engineer|head of"
                r"|directeur|directrice|director|chief|cto|vp)\b"), Seniority.SENIOR),
    (re.compile(r"\b(?:confirme|confirmee|experimente|experimentee|mid[- ]level|intermediate"
                r"|confirm)\b"), Seniority.CONFIRME),
    (re.compile(r"\b(?:junior|jr\.?)\b"), Seniority.JUNIOR),
    (re.compile(r"\b(?:debutant|debutante|jeune diplome|jeune diplomee|graduate|entry[- ]level"
                r"|stagiaire|stage|alternant|alternante|alternance|apprenti|apprentie|apprenticeship|intern"
                r"|internship)\b"), Seniority.DEBUTANT),
]
# "Futur directeur de magasin" is a trainee, not a director.
_FUTURE = re.compile(r"\bfutur(?:e)?s?\s+\w+")
_DESCRIPTION_CUES: list[tuple[re.Pattern[str], Seniority]] = [
    (re.compile(r"\b(?:debutant(?:e|\(e\))?s? accepte|jeunes? diplome|premiere experience"
                r"|aucune experience|sans experience|no experience)\b"), Seniority.DEBUTANT),
    (re.compile(r"\b(?:profil|poste|developpeur|ingenieur|consultant|you are a|vous etes)\s+"
                r"(?:junior)\b"), Seniority.JUNIOR),
    (re.compile(r"\b(?:profil|poste|developpeur|ingenieur|consultant|vous etes)\s+(?:\w+\s+)?"
                r"(?:confirme|confirmee|experimente|experimentee)\b"
                r"|\brecherch\w*\s+(?:un|une)\b[^.,;]{3,50}?\b(?:confirme|confirmee|experimente|experimentee)\b"),
     Seniority.CONFIRME),
    (re.compile(r"\b(?:profil|poste|developpeur|ingenieur|consultant|you are a|vous etes)\s+"
                r"(?:senior)\b"), Seniority.SENIOR),
]


def from_years(years: float) -> Seniority:
    if years < 1:
        return Seniority.DEBUTANT
    if years < 3:
        return Seniority.JUNIOR
    if years < 6:
        return Seniority.CONFIRME
    return Seniority.SENIOR


def _num(token: str) -> float | None:
    token = token.strip()
    if token.isdigit():
        return float(token)
    return float(_NUMBERS[token]) if token in _NUMBERS else None


def years_from_ft_label(label: str | None) -> float | None:
    """"3 An(s)" → 3, "36 Mois" → 3, "Expérience exigée de 1 An(s)" → 1, "Débutant accepté" → None."""
    if not label:
        return None
    m = _FT_YEARS.search(fold(label[:MAX_LABEL]))
    if not m:
        return None
    value = float(m.group(1).replace(",", "."))
    return value / 12 if m.group(2) == "mois" else value


def years_from_text(text: str) -> float | None:
    """The smallest experience requirement stated in free text, in years (None if none is stated)."""
    folded = fold(text[:MAX_DESCRIPTION])
    found: list[float] = []
    for pattern in _DESC_YEARS:
        for m in pattern.finditer(folded):
            n = _num(m.group(1))
            if n is not None and 0 < n <= 30:
                found.append(n)
    return min(found) if found else None


def title_level(title: str) -> Seniority | None:
    folded = _FUTURE.sub(" ", fold(title[:MAX_TITLE]))
    for pattern, level in _TITLE_CUES:
        if pattern.search(folded):
            return level
    return None


def description_level(description: str) -> Seniority | None:
    folded = fold(description[:MAX_DESCRIPTION])
    for pattern, level in _DESCRIPTION_CUES:
        if pattern.search(folded):
            return level
    return None


def highest(*levels: Seniority | None) -> Seniority | None:
    present = [lv for lv in levels if lv is not None]
    return max(present, key=_ORDER.index) if present else None


def infer(title: str, description: str, *, ft_code: str | None = None, ft_label: str | None = None,
          contract: ContractType | None = None) -> Seniority | None:
    years = years_from_ft_label(ft_label)
    if years is None:
        years = years_from_text(description)
    level = highest(from_years(years) if years is not None else None, title_level(title))
    if level is not None:
        return level
    level = description_level(description)
    if level is not None:
        return level
    if ft_code == "D":
        return Seniority.DEBUTANT
    if contract in (ContractType.STAGE, ContractType.ALTERNANCE):
        return Seniority.DEBUTANT
    return None


def from_france_travail(payload: dict[str, Any], title: str, description: str,
                        contract: ContractType | None) -> tuple[Seniority | None, str | None]:
    code = (as_str(payload.get("experienceExige")) or "").upper() or None
    label = as_str(payload.get("experienceLibelle"))
    return infer(title, description, ft_code=code, ft_label=label, contract=contract), label
