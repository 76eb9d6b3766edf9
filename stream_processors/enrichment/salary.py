"""Salaries as annual gross EUR (min, max).

Conventions:
- hourly × 1,607 h (the legal full-time year: 35 h × ~45.9 weeks; part-time offers are not prorated);
- monthly × the number of months stated ("sur 13.0 mois"), 12 when none is;
- daily × 218 days (the French *forfait jours*), weekly × 52;
- a France Travail "Mensuel" whose amounts are ≥ 10,000 is a yearly amount filed under the wrong
  period (a known quirk: "Mensuel de 50000.0 Euros") and is taken as annual;
- Adzuna's ``salary_min``/``salary_max`` are meant to be annual but some offers carry hourly or
  monthly amounts, or thousands ("45" for 45 k€). Plausibility by magnitude: < 5 → unusable;
  5–200 → hourly (or k€ when the other bound is ≥ 10,000, e.g. 45–45000); 200–1,000 → daily
  rate for freelance work, else unusable; 1,000–9,999 → monthly; 10,000–250,000 → annual;
  above 250,000 → 12 × an annual amount when that divided by 12 is plausible, else unusable.
  Estimates (``salary_is_predicted`` = "1") are kept: Adzuna flags them, we do not have a field.
"""

from __future__ import annotations

import re
from typing import Any

from stream_processors.enrichment.text import MAX_DESCRIPTION, MAX_LABEL, as_float, as_str, fold

HOURS_PER_YEAR = 1607
DAYS_PER_YEAR = 218
MONTHLY_THAT_IS_ANNUAL = 10_000
ANNUAL_MIN, ANNUAL_MAX = 3_000, 250_000

_PERIOD = re.compile(r"^\s*(annuel|mensuel|horaire|journalier|hebdomadaire|cachet)\b")
# Bounded repetitions: "[\d\s]*" made a long run of digits without a currency quadratic.
_AMOUNT = re.compile(r"(\d[\d\s\u202f]{0,15}(?:[.,]\d{1,4})?)\s?(?:k\s?)?(?:euros?|eur|€)", re.IGNORECASE)
_MONTHS = re.compile(r"sur\s(\d{1,2}(?:[.,]\d{1,2})?)\s?mois")
_FACTORS = {"annuel": 1.0, "horaire": float(HOURS_PER_YEAR), "journalier": float(DAYS_PER_YEAR),
            "hebdomadaire": 52.0}


def _number(text: str) -> float | None:
    return as_float(re.sub(r"[\s\u202f]", "", text))


def _round(value: float) -> float:
    return round(value, 2)


def parse_ft_label(label: str | None) -> tuple[float | None, float | None]:
    """"Annuel de 32000.0 Euros à 36000.0 Euros sur 12.0 mois" → (32000.0, 36000.0)."""
    if not label:
        return None, None
    folded = fold(label[:MAX_LABEL])
    period = _PERIOD.match(folded)
    amounts = [a for a in (_number(m.group(1)) for m in _AMOUNT.finditer(folded)) if a is not None and a > 0]
    if not period or not amounts:
        return None, None
    lo, hi = amounts[0], amounts[1] if len(amounts) > 1 else amounts[0]
    if hi < lo:
        lo, hi = hi, lo
    kind = period.group(1)
    if kind == "mensuel":
        if lo >= MONTHLY_THAT_IS_ANNUAL:
            factor = 1.0
        else:
            months = _MONTHS.search(folded)
            n = as_float(months.group(1)) if months else None
            factor = n if n is not None and 12 <= n <= 16 else 12.0
    elif kind in _FACTORS:
        factor = _FACTORS[kind]
    else:
        return None, None
    lo, hi = lo * factor, hi * factor
    if not (ANNUAL_MIN <= lo <= ANNUAL_MAX and ANNUAL_MIN <= hi <= ANNUAL_MAX):
        return None, None
    return _round(lo), _round(hi)


# Free text: "Salaire : 25 000 à 36 000 € par an", "Rémunération : 28000€ à 35000€ brut /an",
# "Salaire entre 35k et 45k", "à partir de 45 000,00€ par an", "11,65 € par heure". Amounts must follow a
# salary keyword closely; net amounts, bonuses and meal vouchers are ignored.
_NUM = r"(\d{1,3}(?:[ \u202f.]\d{3}){1,3}|\d{1,9})(?:[.,](\d{1,2}))?"
_TEXT_SALARY = re.compile(
    r"(?:salaire|remuneration|package|salary|retribution)(?:\s+(?:annuel|mensuel|brut|fixe|propose|de base))*"
    r"\s*(?::|de|entre|est de|a partir de|from|of)?\s*(?:selon profil\s*:?\s*)?"
    r"(?P<from>a partir de\s+|des\s+|from\s+)?"
    + _NUM.replace("(", "(?P<a>", 1).replace("(\\d{1,2})", "(?P<ac>\\d{1,2})")
    + r"\s*(?P<ka>k\s*(?:€|eur)?|€|euros?|eur)?"
    r"(?:\s*(?:a|-|–|et|/)\s*" + _NUM.replace("(", "(?P<b>", 1).replace("(\\d{1,2})", "(?P<bc>\\d{1,2})")
    + r"\s*(?P<kb>k\s*(?:€|eur)?|€|euros?|eur)?)?"
    r"(?P<tail>[^.\n;]{0,40})"
)
_PERIOD_WORDS = [
    (re.compile(r"par an|/\s*an\b|annuel|per year|/year|par annee|brut an"), "annuel"),
    (re.compile(r"par mois|/\s*mois|mensuel|per month|/month"), "mensuel"),
    (re.compile(r"par heure|/\s*h\b|de l'heure|horaire|per hour|/hour|brut/h"), "horaire"),
    (re.compile(r"par jour|/\s*jour|journalier|per day|/day|tjm"), "journalier"),
]


def _text_amount(whole: str | None, cents: str | None, k: str | None) -> float | None:
    if whole is None:
        return None
    value = _number(whole)
    if value is None:
        return None
    if cents:
        value += float("0." + cents)
    if k and k.strip().startswith("k"):
        value *= 1000
    return value


def parse_text(text: str) -> tuple[float | None, float | None]:
    """The first salary stated in free text, annualised (min, max); max is None for "à partir de"."""
    folded = fold(text[:MAX_DESCRIPTION])
    for m in _TEXT_SALARY.finditer(folded):
        tail = m.group("tail")
        if re.match(r"\s*(?:net|nets)\b", tail) or (m.group("ka") is None and m.group("kb") is None
                                                     and "€" not in tail and "eur" not in tail):
            continue
        k_a = m.group("ka") or m.group("kb")
        lo = _text_amount(m.group("a"), m.group("ac"), k_a)
        hi = _text_amount(m.group("b"), m.group("bc"), m.group("kb"))
        if lo is None:
            continue
        period = next((kind for pattern, kind in _PERIOD_WORDS if pattern.search(tail)), None)
        if period is None:
            period = "annuel" if lo >= MONTHLY_THAT_IS_ANNUAL else "mensuel" if lo >= 1000 else None
        if period is None:
            continue
        factor = 12.0 if period == "mensuel" else _FACTORS[period]
        if period == "mensuel" and lo >= MONTHLY_THAT_IS_ANNUAL:
            factor = 1.0
        lo_a = _round(lo * factor)
        hi_a = _round(hi * factor) if hi is not None else None
        if m.group("from"):
            hi_a = None
        elif hi_a is None:
            hi_a = lo_a
        if not ANNUAL_MIN <= lo_a <= ANNUAL_MAX or (hi_a is not None and not lo_a <= hi_a <= ANNUAL_MAX):
            continue
        return lo_a, hi_a
    return None, None


def from_france_travail(payload: dict[str, Any], description: str = "") -> tuple[
        float | None, float | None, str | None]:
    """The structured ``salaire.libelle`` first; the description only when that is absent."""
    salaire = payload.get("salaire")
    label = as_str(salaire.get("libelle")) if isinstance(salaire, dict) else None
    lo, hi = parse_ft_label(label)
    if lo is None and hi is None and label is None and description:
        lo, hi = parse_text(description)
    return lo, hi, label


def _annualise_adzuna(value: float, other: float | None, freelance: bool, stipend: bool) -> float | None:
    if value < 5:
        return None
    if value < 200:
        if other is not None and other >= 10_000 and value * 1000 <= other * 1.5:
            return value * 1000  # "45" next to "45000": thousands
        if value >= 30 and not freelance:
            return value * 1000  # 30–199 is no salaried hourly rate: thousands ("50–65" for 50–65 k€)
        return value * HOURS_PER_YEAR
    if value < 1000:
        if freelance:
            return value * DAYS_PER_YEAR
        return value * 12 if stipend else None  # internship / work-study monthly stipends
    if value < 10_000:
        return value * 12
    if value <= ANNUAL_MAX:
        return value
    if value / 12 <= ANNUAL_MAX:
        return value / 12
    return None


def from_adzuna(payload: dict[str, Any], freelance: bool = False, stipend: bool = False,
                description: str = "") -> tuple[float | None, float | None, str | None]:
    """Adzuna's ``salary_min``/``salary_max`` first; the description only when both are absent."""
    lo_raw, hi_raw = as_float(payload.get("salary_min")), as_float(payload.get("salary_max"))
    if lo_raw is None and hi_raw is None:
        lo_t, hi_t = parse_text(description) if description else (None, None)
        return lo_t, hi_t, None
    label = f"{lo_raw:g}–{hi_raw:g} EUR" if lo_raw is not None and hi_raw is not None else (
        f"{(lo_raw if lo_raw is not None else hi_raw):g} EUR")
    if as_str(payload.get("salary_is_predicted")) == "1":
        label += " (estimated by Adzuna)"
    lo = _annualise_adzuna(lo_raw, hi_raw, freelance, stipend) if lo_raw is not None else None
    hi = _annualise_adzuna(hi_raw, lo_raw, freelance, stipend) if hi_raw is not None else None
    if lo is None and hi is None:
        return None, None, label
    if lo is None or hi is None:
        # One bound alone is kept only when the other is absent, not when it was implausible.
        if (lo is None and lo_raw is not None) or (hi is None and hi_raw is not None):
            return None, None, label
        lo = hi = lo if lo is not None else hi
    assert lo is not None and hi is not None
    if hi < lo:
        lo, hi = hi, lo
    if not (ANNUAL_MIN <= lo <= ANNUAL_MAX and ANNUAL_MIN <= hi <= ANNUAL_MAX) or hi > lo * 4:
        return None, None, label
    return _round(lo), _round(hi), label
