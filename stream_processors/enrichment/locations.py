"""Where an offer is: city, INSEE code, postal code, département, région and coordinates.

Conventions (also what the labelled benchmark expects):

- ``city`` is the current commune's official name (INSEE COG). Offers placed in a municipal
  arrondissement of Paris, Lyon or Marseille get ``city`` = "Paris"/"Lyon"/"Marseille" and the
  arrondissement's own ``insee_code`` (e.g. 75113) and postal code; a former commune now *déléguée* or
  *associée* (Tourlaville) is reported as the commune it belongs to (Cherbourg-en-Cotentin).
- An offer located only at département level ("80 - Somme", Adzuna ["France", "Occitanie", "Hérault"])
  has a département and région but no city; "France" alone gives nothing.
- Coordinates come from the source only (the referential has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from stream_processors.enrichment.referential import Commune, Referential, referential
from stream_processors.enrichment.text import MAX_LABEL, MAX_TITLE, as_dict, as_float, as_str, fold, name_key


@dataclass
class Location:
    city: str | None = None
    insee_code: str | None = None
    postal_code: str | None = None
    departement_code: str | None = None
    departement_name: str | None = None
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None


MAX_AREA = 8
_FT_LIBELLE = re.compile(r"^\s*(\d{2,3}|2[ab])\s*(?:-\s*(.*?))?\s*$", re.IGNORECASE)
_ARRONDISSEMENT = re.compile(
    r"^(?:(paris|lyon|marseille)\s+)?0?(\d{1,2})\s*(?:er|e|eme|em|nd)?\s*(?:arrondissement|arr)?$"
)
_CITY_ARR = {"paris": ("751", "750", 20), "lyon": ("6938", "6900", 9), "marseille": ("132", "130", 16)}
# A canton or district named after its town: "Reims 1er Canton", "Aix en Provence Sud-Ouest", "Dinan-Est".
_SUBDIVISION = re.compile(
    r"\s+(?:\d+\s*(?:er|e|eme)?\s+canton|canton(?:\s+\d+)?|(?:nord|sud|est|ouest|centre)(?:\s+(?:est|ouest))?"
    r"|ville)$"
)


_RESUME = re.compile(r"^\s*R[ée]sum[ée].{0,200}?,\s*(\d{5})\s+([^,]{2,60}?)\s*,")
_PLACE_TRIGGERS = [re.compile(p) for p in (
    r"\b(?:situee?s?|basee?s?|localisee?s?|implantee?s?|presente?s?)\s+(?:a|sur)\s+",
    r"\b(?:un poste|le poste|postes?|travail en atelier|travail|mission|atelier|usine|site)\s+(?:a|de|sur)\s+",
    r"\b(?:rejoignez|rejoindre|integrer)\s+nos\s+equipes\s+(?:a|de)\s+",
    r"\blocalisation du poste\s*:\s*",
    r"\b(?:l'un de ses clients|un de ses clients|son client|notre client)\s+(?:a|sur)\s+",
    r"\bsur le secteur d[e']\s*",
    r"\ba\s+(?=[a-z][a-z' -]{1,40}?\s*(?:-\s*|\()?\d{5}\b)",
)]
_RECRUITER = re.compile(r"\bagences?\b|\bcabinet\b|\breseau d'agences\b")
_TRAILING_CODE = re.compile(r"\s*(?:-\s*|\(\s*)?(\d{5}|\d{2}|2[ab])\b")
# Words that follow the triggers above but are not places, even where a commune bears the name.
_NOT_PLACES = {"pourvoir", "proximite", "distance", "domicile", "temps", "production", "plein", "partiel",
               "long terme", "la", "le", "les", "de", "des", "du", "un", "une", "l", "d", "saint", "sainte"}
_ABROAD = re.compile(r"(?:-|\(|,)\s*(?:canada|quebec|belgique|suisse|luxembourg|allemagne|espagne|italie"
                     r"|royaume-uni|uk|usa|etats-unis|monaco|maroc|tunisie)\s*\)?\s*$")

# Communes renamed or merged under a longer name that job boards still use in the old form.
_ALIASES = {
    "evry": "evry courcouronnes",
    "charles de gaulles aeroport": "roissy en france",
    "charles de gaulle aeroport": "roissy en france",
    "roissy": "roissy en france",
    "roissy cdg": "roissy en france",
}


def _arrondissement(key: str, city_hint: str | None = None) -> Commune | None:
    """'paris 13', 'paris 13e arrondissement', 'lyon 02', or '1er arrondissement' with a city hint."""
    m = _ARRONDISSEMENT.match(key)
    if not m:
        return None
    city = m.group(1) or city_hint
    if city not in _CITY_ARR or not (m.group(1) or "arr" in key):
        return None
    prefix, _, count = _CITY_ARR[city]
    n = int(m.group(2))
    if not 1 <= n <= count:
        return None
    code = f"{prefix}{n:02d}" if city != "lyon" else f"{prefix}{n}"
    return referential().communes.get(code)


def _from_commune(ref: Referential, c: Commune, postal: str | None = None) -> Location:
    current = ref.commune_of(c)
    insee = c.insee if c.kind == "A" else current.insee
    postal_codes = c.postal_codes or current.postal_codes
    if postal is None and len(postal_codes) == 1:
        postal = postal_codes[0]
    dep = ref.departements.get(current.dep)
    return Location(
        city=current.name, insee_code=insee, postal_code=postal, departement_code=current.dep,
        departement_name=dep.name if dep else None, region=ref.region_name(current.dep),
    )


def _from_departement(ref: Referential, dep_code: str) -> Location:
    if dep_code == "75":  # the département of Paris is the commune of Paris
        return _from_commune(ref, ref.current["75056"])
    dep = ref.departements.get(dep_code)
    if dep is None:
        return Location()
    return Location(departement_code=dep.code, departement_name=dep.name, region=ref.region_name(dep.code))


def _best(candidates: list[Commune], deps: set[str] | None) -> Commune | None:
    if deps is not None:
        candidates = [c for c in candidates if c.dep in deps]
    if not candidates:
        return None
    ref = referential()
    return max(candidates, key=lambda c: (ref.commune_of(c).population, c.kind in "CA"))


def find_commune(name: str, deps: set[str] | None = None, city_hint: str | None = None) -> Commune | None:
    """A commune by name, restricted to ``deps`` when given; the most populous homonym wins."""
    ref = referential()
    key = name_key(name[:MAX_LABEL])
    if not key:
        return None
    arr = _arrondissement(key, city_hint)
    if arr is not None:
        return arr
    return _best(ref.by_key.get(key, []), deps)


def _find_loose(name: str, deps: set[str]) -> Commune | None:
    """Cantons and districts named after their towns, and renamed communes, within ``deps``.

    "Reims 1er Canton" → Reims, "Aix en Provence Sud-Ouest" → Aix-en-Provence, "Boën" →
    Boën-sur-Lignon, "Saint-Laurent-du-Var-Cagnes-sur-Mer-Est" → Saint-Laurent-du-Var.
    """
    ref = referential()
    key = name_key(name[:MAX_LABEL])  # the token loop below is quadratic in the number of words
    stripped = _SUBDIVISION.sub("", key)
    if stripped != key:
        found = _best(ref.by_key.get(stripped, []), deps)
        if found:
            return found
    if len(key) >= 4 and deps:
        prefixed = [c for k, cs in ref.by_key.items() if k.startswith(key + " ") for c in cs if c.dep in deps]
        found = _best(prefixed, deps)
        if found:
            return found
    tokens = key.split()
    for n in range(len(tokens) - 1, 0, -1):
        head = " ".join(tokens[:n])
        if len(head) >= 4:
            found = _best(ref.by_key.get(head, []), deps)
            if found:
                return found
    return None


def _deps_for_postal(postal: str) -> set[str]:
    ref = referential()
    return {c.dep for c in ref.by_postal.get(postal, [])}


def from_france_travail(payload: dict[str, Any]) -> Location:
    ref = referential()
    lieu = as_dict(payload.get("lieuTravail"))
    libelle = (as_str(lieu.get("libelle")) or "")[:MAX_LABEL]
    postal = as_str(lieu.get("codePostal"))
    if postal and not re.fullmatch(r"\d{5}", postal):
        postal = None
    insee = as_str(lieu.get("commune"))
    loc = Location()
    commune = ref.communes.get(insee) if insee else None
    m = _FT_LIBELLE.match(libelle)
    dep_code = m.group(1).upper() if m else None
    if dep_code and dep_code not in ref.departements:
        dep_code = None
    name = (m.group(2) or "") if m else ("" if fold(libelle) == "france" else libelle)
    if commune is None and name:
        deps = {dep_code} if dep_code else (_deps_for_postal(postal) if postal else None)
        dep_named = ref.departement_by_key.get(name_key(re.sub(r"\(.*$", "", name)))
        if dep_named and (dep_code is None or dep_named.code == dep_code):
            dep_code = dep_named.code
        else:
            commune = find_commune(name, deps) or (_find_loose(name, deps) if deps else None)
            if commune is None and postal and name:
                by_postal = [c for c in ref.by_postal.get(postal, []) if c.kind in "CA"]
                commune = by_postal[0] if len(by_postal) == 1 else None
    if commune is None and postal and not dep_code:
        deps = _deps_for_postal(postal)
        dep_code = next(iter(deps)) if len(deps) == 1 else None
    if commune is not None:
        loc = _from_commune(ref, commune, postal)
    elif dep_code:
        loc = _from_departement(ref, dep_code)
        if dep_code != "75":
            loc.postal_code = postal
    loc.latitude, loc.longitude = _coords(lieu.get("latitude"), lieu.get("longitude"))
    return loc


def _coords(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    la, lo = as_float(lat), as_float(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180) or (la == 0 and lo == 0):
        return None, None
    return la, lo


def _interpret(ref: Referential, part: str, deps: set[str] | None) -> tuple[str, Any] | None:
    """One Adzuna area element as ('region', code) / ('dep', code) / ('commune', Commune)."""
    key = name_key(part)
    if not key or key == "france":
        return None
    region = ref.region_by_key.get(key)
    if region and key not in ("paris",):
        return ("region", region)
    dep = ref.departement_by_key.get(key)
    if dep and (deps is None or dep.code in deps) and key != "paris":
        return ("dep", dep.code)
    return None


def _resolve_near(name: str, deps: set[str] | None, explicit_dep: str | None) -> Commune | None:
    """The commune a free-text place name denotes: within the stated département, else within the
    offer's own area, else the one commune of that name in France; longest token prefix first
    ("feignies est une entreprise" → Feignies)."""
    ref = referential()
    tokens = name_key(name).split()[:6]
    for n in range(len(tokens), 0, -1):
        key = " ".join(tokens[:n])
        if len(key) < 3 or key in _NOT_PLACES:
            continue
        key = _ALIASES.get(key, key)
        arr = _arrondissement(key)
        if arr is not None:
            return arr
        candidates = ref.by_key.get(key, [])
        if not candidates:
            continue
        if explicit_dep:
            return _best(candidates, {explicit_dep})
        if deps:
            near = _best(candidates, deps)
            if near is None:  # "Gonfreville" near Le Havre is Gonfreville-l'Orcher, not the one in Manche
                near = _best([c for k, cs in ref.by_key.items() if k.startswith(key + " ") for c in cs], deps)
            if near is not None:
                return near
        if len({c.dep for c in candidates}) == 1:
            return _best(candidates, None)
        return None
    return None


def _dep_from_code(code: str | None) -> str | None:
    if not code:
        return None
    ref = referential()
    if len(code) == 5:
        found = {c.dep for c in ref.by_postal.get(code, [])}
        return next(iter(found)) if len(found) == 1 else None
    return code if code in ref.departements else None


def from_text(title: str, description: str, deps: set[str] | None) -> Commune | None:
    """A workplace stated in the text, which beats the job board's geocoding when present.

    Looks, in order, at Adzuna's "Résumé<title>, 44240 Sucé-sur-Erdre, CDD, ..." header, a
    "(Basé à Courbevoie)" title, then phrases such as "notre client situé à Feignies", "un poste à
    Gorron", "site de Cusset (03)" or "à Idron - 64320" in the description.
    """
    ref = referential()
    title = title[:MAX_TITLE]
    head = _RESUME.search(description[:400])
    if head:
        postal, name = head.group(1), head.group(2)
        by_postal = ref.by_postal.get(postal, [])
        key = name_key(name)
        named = [c for c in by_postal if name_key(c.name) == key or name_key(ref.commune_of(c).name) == key]
        arr = _arrondissement(key)
        if arr is not None:
            return arr
        if named:
            return _best(named, None)
        found = _resolve_near(name, None, _dep_from_code(postal))
        if found is not None:
            return found
    about_agency_job = "agence" in fold(title)
    for text, scope in ((fold(title), None), (fold(description[:600]), deps)):
        ends = sorted((m.start(), m.end()) for p in _PLACE_TRIGGERS for m in p.finditer(text))
        for start, end in ends:
            rest = text[end:end + 60]
            window = text[max(0, start - 60):end] + rest.split(".")[0]
            if not about_agency_job and _RECRUITER.search(window) and "client" not in window:
                continue  # the recruiter's own office ("agence implantée à ..."), not the workplace
            name = re.split(r"\s*(?:[,.;:!?()\n/]|\s-\s|\s\d)", rest, maxsplit=1)[0]
            code = _TRAILING_CODE.match(rest[len(name):])
            found = _resolve_near(name, scope, _dep_from_code(code.group(1)) if code else None)
            if found is not None:
                return found
    return None


def from_adzuna(payload: dict[str, Any], title: str = "", description: str = "") -> Location:
    ref = referential()
    title = title[:MAX_TITLE]
    if title and _ABROAD.search(fold(title)):
        return Location()
    location = as_dict(payload.get("location"))
    raw_area = location.get("area")
    # Real areas have at most 5 short elements ("France", région, département, town, quartier).
    area = [s[:MAX_LABEL] for s in (as_str(a) for a in raw_area[:MAX_AREA]) if s] if isinstance(raw_area, list) else []
    if not area:
        display = (as_str(location.get("display_name")) or "")[:MAX_LABEL]
        area = ["France", *reversed([p.strip() for p in display.split(",") if p.strip()])]
    parts = [p for p in area if name_key(p) != "france"]
    loc = Location()
    deps: set[str] | None = None
    commune: Commune | None = None
    parent_commune: Commune | None = None
    parent_hint: str | None = None
    dep_code: str | None = None
    region_code: str | None = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        kind = _interpret(ref, part, deps)
        if kind and kind[0] == "region":
            region_code, deps = kind[1], ref.deps_of_region(kind[1])
            continue
        if kind and kind[0] == "dep":
            dep_code, deps = kind[1], {kind[1]}
            if not last:  # "Vienne" is a département and the seat of an arrondissement of Isère
                deps |= {c.dep for c in ref.by_key.get(name_key(part), [])}
            continue
        key = _ALIASES.get(name_key(part), name_key(part))
        found = find_commune(key, deps, city_hint=parent_hint)
        if found is None and deps:
            found = _find_loose(key, deps)
        if last:
            if found is None and parent_commune is not None:
                # Not in the parent's area: a quartier of the parent, or a town the board filed elsewhere.
                found = find_commune(key) or parent_commune
            commune = found
        else:
            # A parent element: a commune (often an arrondissement's or canton's seat) narrows the search
            # to the départements of all its homonyms ("Saint-Denis" is in 93 and in 974).
            homonyms = ref.by_key.get(key, [])
            if homonyms:
                parent_commune = found or _best(homonyms, None)
                parent_hint = key
                deps = {c.dep for c in homonyms}
    area_deps = ({commune.dep} if commune else {dep_code} if dep_code else deps) or None
    stated = from_text(title, description, area_deps) if (title or description) else None
    if stated is not None:
        commune = stated
    if commune is not None:
        loc = _from_commune(ref, commune)
    elif dep_code:
        loc = _from_departement(ref, dep_code)
    elif region_code:
        loc = Location(region=ref.regions.get(region_code))
    loc.latitude, loc.longitude = _coords(payload.get("latitude"), payload.get("longitude"))
    if loc.departement_code is None and loc.region is None:
        loc.latitude = loc.longitude = None  # "France": the country's centroid would mislead a map
    return loc
