"""Cross-source de-duplication: one canonical offer per real job, whichever sources list it.

Two records are the same job when their normalised fingerprint (title, company, city) is equal AND
their embeddings agree (cosine >= threshold): the fingerprint finds candidates cheaply and exactly,
the embedding check keeps two different jobs that happen to share a title, company and town apart
(e.g. two anonymous "Vendeur (H/F)" offers in Paris). Each fingerprint holds the clusters found under
it; a cluster's id is derived from the fingerprint, so it is stable across replays and restarts.

The merged offer keeps the fresher data: the most recently updated member gives every field, and
fields it lacks are filled from the other members (freshest first). Pure functions on plain
JSON-able state, so the faust table that stores it and the tests share one implementation.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from schemas.events import OFFER_NAMESPACE, Embedding, Offer
from stream_processors.enrichment.text import name_key

# Legal forms and noise that differ between sources for the same employer.
_COMPANY_NOISE = re.compile(r"\b(sas|sasu|sarl|eurl|sa|sca|scop|snc|groupe|group|france|inc|ltd|gmbh)\b")
_ARRONDISSEMENT = re.compile(r"\s+\d{1,2}(e|er|eme)?(\s+arrondissement)?$")

State = dict[str, Any]  # {"clusters": [{"id": str, "members": {ref: Member}}]}
Member = dict[str, Any]  # {"offer": <Offer JSON without embedding>, "vector": b64 float32, "model": str}


def fingerprint(offer: Offer) -> str:
    title = name_key(offer.title)
    company = " ".join(_COMPANY_NOISE.sub(" ", name_key(offer.company or "")).split())
    city = _ARRONDISSEMENT.sub("", name_key(offer.city or "")) or (offer.departement_code or "")
    return f"{title}|{company}|{city}"


def cluster_id(fp: str, first_ref: str | None = None) -> str:
    """The first cluster of a fingerprint is named by it alone; later, distinct ones by their first ref."""
    name = f"fp:{fp}" if first_ref is None else f"fp:{fp}#{first_ref}"
    return str(uuid.uuid5(OFFER_NAMESPACE, name))


def _encode(vector: npt.NDArray[np.float32]) -> str:
    return base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode("ascii")


def _decode(text: str) -> npt.NDArray[np.float32]:
    return np.frombuffer(base64.b64decode(text), dtype=np.float32)


def _freshness(offer_json: dict[str, Any]) -> str:
    # ISO strings of one format sort like the datetimes they spell.
    return str(offer_json.get("updated_at") or offer_json.get("published_at") or offer_json.get("fetched_at") or "")


@dataclass(frozen=True)
class Change:
    """What a state transition asks the worker to emit: an offer to (re)publish, or a tombstone."""

    cluster_id: str
    offer: Offer | None  # None: tombstone


def upsert(state: State | None, fp: str, offer: Offer, vector: npt.NDArray[np.float32], model: str,
           threshold: float) -> tuple[State, list[Change]]:
    """Add or refresh ``offer`` (one source ref) under fingerprint ``fp``."""
    ref = offer.source_refs[0]
    state = {"clusters": [dict(c, members=dict(c["members"])) for c in (state or {}).get("clusters", [])]}
    member: Member = {"offer": offer.model_dump(mode="json", exclude={"embedding"}), "vector": _encode(vector),
                      "model": model}
    changes: list[Change] = []
    home = next((c for c in state["clusters"] if ref in c["members"]), None)
    if home is not None and not _similar(home, vector, threshold, exclude=ref) and len(home["members"]) > 1:
        # The ref's content drifted away from its cluster mates: it leaves and is matched afresh.
        del home["members"][ref]
        changes.append(Change(home["id"], merged(home)))
        home = None
    if home is None:
        home = next((c for c in state["clusters"] if _similar(c, vector, threshold)), None)
    if home is None:
        first = None if not state["clusters"] else ref
        home = {"id": cluster_id(fp, first), "members": {}}
        state["clusters"].append(home)
    home["members"][ref] = member
    changes.append(Change(home["id"], merged(home)))
    return state, changes


def remove(state: State | None, ref: str) -> tuple[State, list[Change]]:
    """Drop ``ref``; its cluster is re-published without it, or tombstoned when it was the last."""
    state = {"clusters": [dict(c, members=dict(c["members"])) for c in (state or {}).get("clusters", [])]}
    for c in state["clusters"]:
        if ref in c["members"]:
            del c["members"][ref]
            if not c["members"]:
                state["clusters"].remove(c)
                return state, [Change(c["id"], None)]
            return state, [Change(c["id"], merged(c))]
    return state, []


def _similar(cluster: dict[str, Any], vector: npt.NDArray[np.float32], threshold: float,
             exclude: str | None = None) -> bool:
    others = [m for r, m in cluster["members"].items() if r != exclude]
    if not others:
        return exclude is not None  # alone in its cluster: trivially similar to itself
    return any(float(np.dot(_decode(m["vector"]), vector)) >= threshold for m in others)


def merged(cluster: dict[str, Any]) -> Offer:
    members = sorted(cluster["members"].values(), key=lambda m: _freshness(m["offer"]), reverse=True)
    data = dict(members[0]["offer"])
    for other in members[1:]:
        for key, value in other["offer"].items():
            if data.get(key) in (None, [], "") and value not in (None, [], ""):
                data[key] = value
    data["id"] = cluster["id"]
    data["source_refs"] = sorted(cluster["members"])
    data["enriched_at"] = datetime.now(UTC).isoformat()
    vector = _decode(members[0]["vector"])
    data["embedding"] = Embedding(model=members[0]["model"], dim=len(vector), values=vector.tolist())
    return Offer.model_validate(data)
