"""Remote work: "none" | "hybrid" | "full", or None when the offer says nothing about it."""

from __future__ import annotations

import re
from typing import Literal

from stream_processors.enrichment.text import fold

Remote = Literal["none", "hybrid", "full"]

_NONE = re.compile(
    r"pas de teletravail|teletravail (?:non|impossible|pas) (?:possible|envisageable)?|sans teletravail"
    r"|no remote|100 ?% (?:sur site|presentiel)|full on[- ]site|poste non teletravaillable|on[- ]site only"
)
_FULL = re.compile(
    r"(?:100 ?%|full|fully|totally|entierement|complet(?:ement)?)\s*(?:en\s+)?(?:remote|teletravail|distanciel"
    r"|a distance)|teletravail (?:complet|total|integral|a 100 ?%)|remote first|remote[- ]only|work remote"
    r"|poste (?:en|a) (?:teletravail|distanciel)|en distanciel|remote worldwide"
    r"|(?:a|this is a) remote (?:position|role|job)|\(remote\)"
)
_HYBRID = re.compile(
    r"teletravail|tele-travail|remote|hybride|hybrid (?:work|working|model|role|position|policy|setup)"
    r"|\bhybrid\b|travail a distance|jours? (?:de )?(?:remote|tt)|home ?office"
)
_HYBRID_NOISE = re.compile(r"(?:vehicule|moteur|cloud|architecture|infrastructure|solution|systeme)s? hybrides?"
                           r"|hybrid (?:cloud|vehicle|architecture)")


def detect(*texts: str) -> Remote | None:
    folded = "\n".join(fold(t) for t in texts if t)
    if _NONE.search(folded):
        return "none"
    if _FULL.search(folded):
        return "full"
    cleaned = _HYBRID_NOISE.sub(" ", folded)
    if _HYBRID.search(cleaned):
        return "hybrid"
    return None
