"""What a candidate's free text says about the profile fields: city, contract type, seniority.

"développeur java senior à Paris en CDI" says as much as a filled-in form, but a client that sends only
the text (most do) got none of the profile's re-ranking. These hints fill the profile's *soft* signals
(``ml.relevance.rerank.Profile``) when the form left them empty; they never filter.

- city: a commune named after a place word ("à", "près de", "sur", "in", "near", …), whatever its
  size; or, anywhere in the text, a town of at least ``UNTRIGGERED_MIN_POPULATION`` inhabitants whose
  name is not also a common word ("sens du contact", "chez Orange"); the longest name wins ("Saint-Malo",
  not "Malo"), then the first one;
- contract and seniority: the enrichment's own title cues ("alternance", "CDI", "junior", "expérimenté")
  and an experience requirement ("3 ans d'expérience").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stream_processors.enrichment import contracts, seniority
from stream_processors.enrichment.locations import find_commune
from stream_processors.enrichment.referential import Commune, referential
from stream_processors.enrichment.text import name_key

MAX_QUERY = 300  # characters read: a profile's summary, not a CV
MAX_NAME_TOKENS = 5  # "saint remy de provence" is 4
UNTRIGGERED_MIN_POPULATION = 20_000
_WORDS = re.compile(r"[^\W_]+")
# Place words, folded ("à" is "a"); the city must follow at once.
_TRIGGERS = {"a", "au", "aux", "sur", "vers", "in", "near", "around", "at"}
_TRIGGER_PAIRS = {("pres", "de"), ("proche", "de"), ("autour", "de"), ("region", "de"), ("secteur", "de"),
                  ("alentours", "de"), ("environs", "de"), ("near", "to"), ("close", "to")}
# Towns whose names are also words a candidate writes ("le sens du service", "technicien chez Orange").
# "matière grasse", "gap year"; "maçon" folds to Mâcon.
_COMMON_WORDS = {"sens", "orange", "nice", "tours", "gap", "lens", "stains", "vienne", "grasse", "macon"}


@dataclass(frozen=True)
class QueryHints:
    city: str | None = None  # the commune's official name
    contract: str | None = None  # a ContractType value
    seniority: str | None = None  # a Seniority value


def _commune(key: str) -> Commune | None:
    if key not in referential().by_key and not any(ch.isdigit() for ch in key):  # "paris 15e" has a digit
        return None
    found = find_commune(key)
    return referential().commune_of(found) if found is not None else None


def _capitalised(text: str) -> list[bool] | None:
    """Per name_key token of ``text``: written with a capital? None when the two tokenisations differ."""
    words = _WORDS.findall(text)
    return [w[:1].isupper() for w in words] if len(words) == len(name_key(text).split()) else None


def city_in(text: str) -> str | None:
    """The commune the text names as a place (see the module docstring), or None."""
    text = text[:MAX_QUERY]
    tokens = name_key(text).split()
    capital = _capitalised(text)
    best: tuple[bool, int, int, str] | None = None  # untriggered last, then longest, then first
    for start in range(len(tokens)):
        triggered = start > 0 and (tokens[start - 1] in _TRIGGERS
                                   or (start > 1 and (tokens[start - 2], tokens[start - 1]) in _TRIGGER_PAIRS))
        for n in range(min(MAX_NAME_TOKENS, len(tokens) - start), 0, -1):
            key = " ".join(tokens[start:start + n])
            if key in _COMMON_WORDS and not triggered:
                continue
            commune = _commune(key)
            if commune is None:
                continue
            big = commune.population >= UNTRIGGERED_MIN_POPULATION
            # "à l'hôpital", "aux fourneaux": small communes named like nouns need a capital to count
            if big or (triggered and capital is not None and capital[start]):
                candidate = (not triggered, -n, start, commune.name)
                if best is None or candidate < best:
                    best = candidate
            break  # the longest name at this position
    return best[3] if best is not None else None


def contract_in(text: str) -> str | None:
    found = contracts.title_cue(text[:MAX_QUERY])
    return found.value if found is not None else None


def seniority_in(text: str) -> str | None:
    text = text[:MAX_QUERY]
    years = seniority.years_from_text(text)
    level = (seniority.highest(seniority.title_level(text), seniority.from_years(years) if years is not None else None)
             or seniority.description_level(text))  # "sans expérience", "no experience needed"
    return level.value if level is not None else None


def hints(text: str) -> QueryHints:
    return QueryHints(city=city_in(text), contract=contract_in(text), seniority=seniority_in(text))
