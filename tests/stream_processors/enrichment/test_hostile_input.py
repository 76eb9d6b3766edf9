"""Every enrichment parser stays linear on hostile input: 100 kB adversarial strings in every field.

``enrich()`` runs on the worker's event loop, so one super-linear regex on one field stalls the whole
stream (a France Travail ``salaire.libelle`` of 8,000 characters once took 4.6 s). The parsers run in a
child process, timed in CPU seconds (other processes on a loaded machine do not count), and the
child is killed when one of them runs away: a quadratic parser on 100 kB takes minutes, not 1 s.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from schemas.events import RawOfferEnvelope, Source
from stream_processors.enrichment import contracts, enrich, locations, remote, rome, salary, seniority, skills, text
from stream_processors.enrichment.errors import EnrichmentError
from stream_processors.enrichment.titles import split_gender_mark

SIZE = 100_000
BUDGET_CPU_S = 1.0  # per parser and string; the linear parsers need < 0.5 s of CPU on 100 kB
WALL_LIMIT_S = 30.0  # a run-away parser is killed after this long

# Repeated units that defeat backtracking regexes: digit runs without a currency or a unit, numbers with
# separators, runs of spaces, words inside words, separator runs, unclosed tags, keywords with no value.
_UNITS = {
    "digits": "0", "digit-space": "1 ", "thousands": "1 000 ", "decimals": "1,5 ", "letter-dash": "a-",
    "letter-space": "a ", "spaces": " ", "nbsp": "\u202f", "accents": "é", "open-tag": "<", "open-paren": "(",
    "word-in-word": "apostgres", "separators": "- ", "gender-marks": "h/", "salary-word": "salaire ",
    "salary-amount": "salaire 1 ", "years": "1 ans ", "period": "mensuel 1 ", "apostrophes": "d'",
}
ADVERSARIAL = {name: (unit * (SIZE // len(unit) + 1))[: SIZE - 1] + "x" for name, unit in _UNITS.items()}


def _ft_payload(s: str) -> dict[str, Any]:
    return {
        "intitule": s, "description": s, "typeContrat": s, "typeContratLibelle": s, "natureContrat": s,
        "dureeTravailLibelle": s, "dureeTravailLibelleConverti": s, "experienceExige": s, "experienceLibelle": s,
        "salaire": {"libelle": s}, "lieuTravail": {"libelle": s, "codePostal": s, "commune": s},
        "romeCode": s, "romeLibelle": s, "entreprise": {"nom": s}, "dateCreation": s,
        "competences": [{"libelle": s}], "qualitesProfessionnelles": [{"libelle": s}],
    }


def _adzuna_payload(s: str) -> dict[str, Any]:
    return {
        "title": s, "description": s, "contract_type": s, "contract_time": s, "salary_min": s, "salary_max": s,
        "company": {"display_name": s}, "location": {"area": ["France", s, s], "display_name": s}, "created": s,
    }


def _enrich(payload: dict[str, Any], source: Source) -> None:
    env = RawOfferEnvelope.model_construct(source=source, source_id="X1", payload=payload,
                                           fetched_at=datetime(2025, 4, 16, tzinfo=UTC))
    with contextlib.suppress(EnrichmentError):  # a refusal is fine here; only the time is measured
        enrich(env)


PARSERS: dict[str, Callable[[str], object]] = {
    "salary.parse_ft_label": salary.parse_ft_label,
    "salary.parse_text": salary.parse_text,
    "salary.from_adzuna": lambda s: salary.from_adzuna({"salary_min": s, "salary_max": s}, description=s),
    "contracts.from_france_travail": lambda s: contracts.from_france_travail(_ft_payload(s), s),
    "contracts.from_adzuna": lambda s: contracts.from_adzuna(_adzuna_payload(s), s, s, s),
    "seniority.from_france_travail": lambda s: seniority.from_france_travail(_ft_payload(s), s, s, None),
    "seniority.infer": lambda s: seniority.infer(s, s),  # no structured label: years from the text
    "locations.from_france_travail": lambda s: locations.from_france_travail(_ft_payload(s)),
    "locations.from_france_travail named": lambda s: locations.from_france_travail(
        {"lieuTravail": {"libelle": "75 - " + s}}),
    "locations.from_adzuna": lambda s: locations.from_adzuna(_adzuna_payload(s), s, s),
    "locations.from_adzuna display_name": lambda s: locations.from_adzuna({"location": {"display_name": s}}, s, s),
    "rome.from_france_travail": lambda s: rome.from_france_travail(_ft_payload(s), s, s),
    "skills.hard_skills": lambda s: skills.hard_skills(s, s, [{"libelle": s}]),
    "titles.split_gender_mark": split_gender_mark,
    "remote.detect": lambda s: remote.detect(s, s),
    "text.clean_text": text.clean_text,
    "text.name_key": text.name_key,
    "enrich france_travail": lambda s: _enrich(_ft_payload(s), Source.FRANCE_TRAVAIL),
    "enrich adzuna": lambda s: _enrich(_adzuna_payload(s), Source.ADZUNA),
}


def _time_all(conn: Connection) -> None:
    locations.from_france_travail({"lieuTravail": {"libelle": "69 - Lyon"}})  # loads the referential once
    for parser, parse in PARSERS.items():
        for name, s in ADVERSARIAL.items():
            conn.send((parser, name, None))
            text.fold.cache_clear()  # no parser may profit from another one's folding
            start = time.process_time()
            try:
                parse(s)
            except Exception as exc:  # reported, not raised: the parent says which input broke which parser
                conn.send((parser, name, f"{type(exc).__name__}: {exc}"[:200]))
                continue
            conn.send((parser, name, time.process_time() - start))
    conn.send(None)


def test_every_parser_is_fast_on_100_kb_adversarial_strings() -> None:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_time_all, args=(sender,), daemon=True)
    child.start()
    problems: list[str] = []
    timed = 0
    running: tuple[str, str] | None = None
    try:
        while True:
            if not receiver.poll(WALL_LIMIT_S):
                problems.append(f"{running}: still running after {WALL_LIMIT_S:.0f} s")
                break
            message = receiver.recv()
            if message is None:
                break
            parser, name, result = message
            if result is None:
                running = (parser, name)
            elif isinstance(result, str):
                problems.append(f"{parser} on {name!r}: raised {result}")
            else:
                timed += 1
                if result > BUDGET_CPU_S:
                    problems.append(f"{parser} on {name!r}: {result:.2f} s of CPU")
    finally:
        child.kill()
        child.join()
    assert not problems, problems
    assert timed == len(PARSERS) * len(ADVERSARIAL)
