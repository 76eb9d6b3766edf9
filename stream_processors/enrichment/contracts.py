"""Contract type in one vocabulary (``ContractType``) and working time, for both sources.

France Travail: ``typeContrat`` (CDI, CDD, MIS, SAI, LIB, FRA, DIN...) refined by ``natureContrat``
(apprentissage / professionnalisation → Alternance). Adzuna: ``contract_type`` permanent → CDI,
contract → CDD unless the title or description says which kind of fixed-term work it is (freelance,
intérim, stage, alternance, saisonnier). Title cues override the source's code (an Adzuna "contract"
titled "Stage - ..." is a Stage); description cues only fill in or refine a vague code.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from schemas.events import ContractType
from stream_processors.enrichment.text import MAX_DESCRIPTION, MAX_LABEL, MAX_TITLE, as_str, fold

WorkingTime = Literal["full_time", "part_time"]

_FT_CODES: dict[str, ContractType] = {
    "CDI": ContractType.CDI,
    "CDD": ContractType.CDD,
    "DDI": ContractType.CDD,  # CDD d'insertion
    "MIS": ContractType.INTERIM,
    "DIN": ContractType.INTERIM,  # CDI intérimaire
    "TTI": ContractType.INTERIM,  # travail temporaire d'insertion
    "SAI": ContractType.SAISONNIER,
    "LIB": ContractType.FREELANCE,
    "FRA": ContractType.FREELANCE,  # franchise: an independent business
    "CCE": ContractType.FREELANCE,  # profession commerciale (agents, mandataires)
    "REP": ContractType.FREELANCE,  # reprise d'entreprise
    "STA": ContractType.STAGE,
    "APP": ContractType.ALTERNANCE,
    "PRO": ContractType.ALTERNANCE,
}

# Ordered: the first matching cue wins. Patterns run on folded (lower-case, unaccented) text.
_TITLE_CUES: list[tuple[re.Pattern[str], ContractType]] = [
    (re.compile(r"\b(?:alternance|alternant|alternante|apprenti|apprentie|apprentissage|contrat pro"
                r"|contrat de professionnalisation|work[- ]study|apprenticeship)\b"), ContractType.ALTERNANCE),
    (re.compile(r"\b(?:stage|stagiaire|internship|intern|stage de fin d'etudes|pfe)\b"), ContractType.STAGE),
    (re.compile(r"\b(?:freelance|free-lance|independant|independante|portage salarial|auto-?entrepreneur"
                r"|franchise|franchisee?|mandataire)\b"), ContractType.FREELANCE),
    (re.compile(r"\b(?:interim|interimaire|mission d'interim)\b"), ContractType.INTERIM),
    (re.compile(r"\b(?:saisonnier|saisonniere|saison \d{4})\b"), ContractType.SAISONNIER),
    (re.compile(r"\bcdd\b"), ContractType.CDD),
    (re.compile(r"\bcdi\b"), ContractType.CDI),
]
_DESCRIPTION_CUES: list[tuple[re.Pattern[str], ContractType]] = [
    (re.compile(r"\b(?:en alternance|contrat d'alternance|contrat d'apprentissage|contrat de "
                r"professionnalisation|contrat pro\b|apprentissage de \d|rythme d'alternance"
                r"|alternant|alternante)"), ContractType.ALTERNANCE),
    (re.compile(r"\b(?:stage de \d+|stage d'une duree|stage (?:de fin d'etudes|conventionne|a pourvoir|"
                r"ingenieur|de \d)|offre de stage|un stage|votre stage|ce stage|convention de stage"
                r"|internship)\b"), ContractType.STAGE),
    (re.compile(r"\b(?:mission d'interim|missions? en interim|en interim|contrat d'interim|interim long"
                r"|poste en interim|mission temporaire)\b"), ContractType.INTERIM),
    (re.compile(r"\b(?:contrat saisonnier|emploi saisonnier|poste saisonnier|pour la saison)\b"),
     ContractType.SAISONNIER),
    (re.compile(r"\b(?:freelance|free-lance|portage salarial|statut d'independant|en independant"
                r"|auto-?entrepreneur|micro-?entrepreneur|agent commercial independant)\b"),
     ContractType.FREELANCE),
    (re.compile(r"\bcdd\b|contrat a duree determinee|fixed[- ]term"), ContractType.CDD),
    (re.compile(r"\bcdi\b|contrat a duree indeterminee|permanent (?:contract|position)"), ContractType.CDI),
]


# Adzuna's "Résumé<title>, 44240 Sucé-sur-Erdre, CDD, Temps partiel." header states the contract.
_RESUME = re.compile(r"^\s*r[ée]sum[ée].{0,200}?,\s*\d{5}\s+[^,]{2,60}?,\s*([^,.]{2,40}?)\s*[,.]", re.IGNORECASE)
_RESUME_CONTRACTS: list[tuple[str, ContractType]] = [
    ("interim", ContractType.INTERIM), ("cdi", ContractType.CDI), ("cdd", ContractType.CDD),
    ("alternance", ContractType.ALTERNANCE), ("apprentissage", ContractType.ALTERNANCE),
    ("stage", ContractType.STAGE), ("freelance", ContractType.FREELANCE), ("independant", ContractType.FREELANCE),
    ("saisonnier", ContractType.SAISONNIER),
]
# Staffing agencies: their non-permanent ("contract") offers are temp missions for a client.
_TEMP_AGENCIES = re.compile(
    r"^(?:randstad|manpower|adecco|synergie|crit\b|interaction|adwork|actual\b|partnaire|sup interim|r interim"
    r"|fiderim|proman|start people|supplay|gif emploi|domino|temporis|ergalis|samsic|leader\b|menway|optineris"
    r"|aquila rh|id interim|expectra|triangle|side\b|staffmatch|qapa|welljob|lip\b|interim)"
    r"|\binterim\b|\bintérim\b"
)


def resume_contract(description: str) -> ContractType | None:
    m = _RESUME.match(description[:400])
    if not m:
        return None
    head = fold(m.group(1))
    for word, contract in _RESUME_CONTRACTS:
        if word in head:
            return contract
    return None


def is_temp_agency(company: str | None) -> bool:
    return bool(company) and bool(_TEMP_AGENCIES.search(fold((company or "")[:MAX_LABEL])))


def _cue(text: str, cues: list[tuple[re.Pattern[str], ContractType]]) -> ContractType | None:
    folded = fold(text)
    for pattern, contract in cues:
        if pattern.search(folded):
            return contract
    return None


def title_cue(title: str) -> ContractType | None:
    return _cue(title[:MAX_TITLE], _TITLE_CUES)


def description_cue(description: str) -> ContractType | None:
    return _cue(description[:MAX_DESCRIPTION], _DESCRIPTION_CUES)


def _working_time(*labels: str | None) -> WorkingTime | None:
    for label in labels:
        if not label:
            continue
        f = fold(label[:MAX_LABEL])
        if "partiel" in f or "part time" in f or "part_time" in f or "part-time" in f:
            return "part_time"
        if "temps plein" in f or "full time" in f or "full_time" in f or "full-time" in f:
            return "full_time"
    return None


def from_france_travail(payload: dict[str, Any], title: str) -> tuple[ContractType | None, str | None,
                                                                     WorkingTime | None]:
    code = (as_str(payload.get("typeContrat")) or "").upper()
    label = as_str(payload.get("typeContratLibelle"))
    label = label[:MAX_LABEL] if label else None
    nature = fold((as_str(payload.get("natureContrat")) or "")[:MAX_LABEL])
    contract = _FT_CODES.get(code)
    if "apprentissage" in nature or "professionnalisation" in nature or payload.get("alternance") is True:
        contract = ContractType.ALTERNANCE
    elif contract is None:
        contract = title_cue(title) or (title_cue(label) if label else None)
    working = _working_time(as_str(payload.get("dureeTravailLibelleConverti")),
                            as_str(payload.get("dureeTravailLibelle")))
    if payload.get("tempsPlein") is True and working is None:
        working = "full_time"
    return contract, label, working


def from_adzuna(payload: dict[str, Any], title: str, description: str,
                company: str | None = None) -> tuple[ContractType | None, str | None, WorkingTime | None]:
    raw_type = (as_str(payload.get("contract_type")) or "").lower()
    raw_time = as_str(payload.get("contract_time"))
    from_title = title_cue(title)
    stated = resume_contract(description)
    from_description = description_cue(description)
    contract: ContractType | None
    if from_title is not None:
        contract = from_title
    elif stated is not None:
        contract = stated
    elif raw_type == "permanent":
        contract = ContractType.CDI
    elif raw_type == "contract":
        vague = {None, ContractType.CDI, ContractType.CDD}
        if from_description not in vague:
            contract = from_description
        elif is_temp_agency(company):
            contract = ContractType.INTERIM
        else:
            contract = from_description or ContractType.CDD
    else:
        contract = from_description
    label = " / ".join(x for x in (raw_type or None, raw_time) if x) or None
    working = _working_time(raw_time) or _working_time(title)
    return contract, label, working
