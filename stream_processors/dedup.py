"""Cross-source de-duplication: one canonical offer per real job, whichever sources list it.

Two records are the same job when their normalised fingerprint (title, company, city) is equal AND
their embeddings agree (cosine >= threshold): the fingerprint finds candidates cheaply and exactly,
the embedding check keeps two different jobs that happen to share a title, company and town apart
(e.g. two anonymous "Vendeur (H/F)" offers in Paris). Each fingerprint holds the clusters found under
it; a cluster's id is derived from the fingerprint, so it is stable across replays and restarts.

The merged offer keeps the fresher data: the most recently updated member gives every field, and
fields it lacks are filled from the other members (freshest first).

State is split so that no stored value grows with a popular fingerprint's offers beyond a few bytes
each: per fingerprint only the clusters' ids, versions and member refs (``State``); per member its
offer and vector (``Member``, bounded by one offer), stored under ``member_key(fp, ref)``. Both are
plain JSON-able values, so the faust tables that store them and the tests share one implementation.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from schemas.events import OFFER_NAMESPACE, Embedding, Offer
from stream_processors.enrichment.text import name_key

log = structlog.get_logger(__name__)

# Legal forms and noise that differ between sources for the same employer.
_COMPANY_NOISE = re.compile(r"\b(sas|sasu|sarl|eurl|sa|sca|scop|snc|groupe|group|france|inc|ltd|gmbh)\b")
_ARRONDISSEMENT = re.compile(r"\s+\d{1,2}(e|er|eme)?(\s+arrondissement)?$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

State = dict[str, Any]  # {"clusters": [{"id": str, "version": int, "refs": [ref, ...]}]}
Member = dict[str, Any]  # {"offer": <Offer JSON without embedding>, "vector": b64 float32, "model": str}


def fingerprint(offer: Offer) -> str:
    title = name_key(offer.title)
    company = " ".join(_COMPANY_NOISE.sub(" ", name_key(offer.company or "")).split())
    city = _ARRONDISSEMENT.sub("", name_key(offer.city or "")) or (offer.departement_code or "")
    return f"{title}|{company}|{city}"


def member_key(fp: str, ref: str) -> str:
    """Key of one member's value: next to its fingerprint's state (same partition), one key per ref."""
    return f"{fp}|{ref}"


def cluster_id(fp: str, first_ref: str | None = None) -> str:
    """The first cluster of a fingerprint is named by it alone; later, distinct ones by their first ref."""
    name = f"fp:{fp}" if first_ref is None else f"fp:{fp}#{first_ref}"
    return str(uuid.uuid5(OFFER_NAMESPACE, name))


def micros(moment: datetime | None) -> int:
    """Microseconds since the epoch (naive datetimes are UTC); 0 for no time at all."""
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // (datetime.resolution)


def _encode(vector: npt.NDArray[np.float32]) -> str:
    return base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode("ascii")


def _decode(text: str) -> npt.NDArray[np.float32]:
    return np.frombuffer(base64.b64decode(text), dtype=np.float32)


def _freshness(offer_json: dict[str, Any]) -> str:
    # ISO strings of one format sort like the datetimes they spell.
    return str(offer_json.get("updated_at") or offer_json.get("published_at") or offer_json.get("fetched_at") or "")


@dataclass(frozen=True)
class Change:
    """What a batch asks the worker to emit for one cluster: its merged offer, or a tombstone."""

    cluster_id: str
    offer: Offer | None  # None: tombstone
    version: int


@dataclass(frozen=True)
class Failed:
    """A cluster whose merged offer could not be built; ``origin`` names the command that last touched it."""

    cluster_id: str
    origin: int
    error: str


class _Vectors:
    """A fingerprint's member vectors as rows of one matrix: a similarity test is one product."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._rows = np.zeros((16, dim), dtype=np.float32)
        self._row_of: dict[str, int] = {}
        self._ref_at: list[str | None] = []
        self._free: list[int] = []

    def put(self, ref: str, vector: npt.NDArray[np.float32]) -> None:
        row = self._row_of.get(ref)
        if row is None:
            if self._free:
                row = self._free.pop()
                self._ref_at[row] = ref
            else:
                row = len(self._ref_at)
                if row == len(self._rows):
                    self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
                self._ref_at.append(ref)
            self._row_of[ref] = row
        self._rows[row] = vector

    def drop(self, ref: str) -> None:
        row = self._row_of.pop(ref, None)
        if row is not None:
            self._ref_at[row] = None
            self._rows[row] = 0.0
            self._free.append(row)

    def near(self, vector: npt.NDArray[np.float32], threshold: float) -> set[str]:
        sims = self._rows[: len(self._ref_at)] @ vector
        return {ref for i in np.flatnonzero(sims >= threshold) if (ref := self._ref_at[i]) is not None}


class Group:
    """The clusters of one fingerprint while a batch folds its commands into them.

    Starts from the stored ``State``; members are read through ``load`` (by ref) only when a decision
    or a merge needs them, and each vector is decoded once per batch. Nothing is emitted or written
    until ``finish``: a cluster changed by several commands is merged and published once.
    ``origin`` is an opaque tag of the command (its record's index), handed back in ``Failed``.
    """

    def __init__(self, fp: str, state: State | None, load: Callable[[str], Member | None], model: str,
                 threshold: float) -> None:
        self.fp = fp
        self._load, self._model, self._threshold = load, model, threshold
        self._members: dict[str, Member | None] = {}  # read or written in this batch (None: removed)
        self._written: set[str] = set()
        self._clusters: list[dict[str, Any]] = []
        for c in (state or {}).get("clusters", []):
            if "refs" not in c:  # the former layout kept every member inline: move them out on the next write
                self._members.update(c["members"])
                self._written.update(c["members"])
            self._clusters.append({"id": c["id"], "version": int(c.get("version", 0)),
                                   "refs": set(c["refs"] if "refs" in c else c["members"])})
        self._home: dict[str, dict[str, Any]] = {ref: c for c in self._clusters for ref in c["refs"]}
        self._touched: dict[str, tuple[int, int]] = {}  # cluster id -> (latest event time µs, origin)
        self._gone: dict[str, int] = {}  # cluster id -> last version, once its last member left
        self._vectors: _Vectors | None = None

    @property
    def changed(self) -> bool:
        return bool(self._touched)

    def _member(self, ref: str) -> Member | None:
        if ref not in self._members:
            self._members[ref] = self._load(member_key(self.fp, ref))
        return self._members[ref]

    def _index(self, dim: int) -> _Vectors:
        """Every member's vector of this model (others never compare), loaded on the first upsert."""
        if self._vectors is None or self._vectors.dim != dim:
            self._vectors = _Vectors(dim)
            for ref in self._home:
                m = self._member(ref)
                if m is not None and m.get("model") == self._model:
                    vector = _decode(m["vector"])
                    if len(vector) == dim:
                        self._vectors.put(ref, vector)
        return self._vectors

    def _touch(self, cluster: dict[str, Any], event_us: int, origin: int) -> None:
        seen = self._touched.get(cluster["id"], (0, origin))[0]
        self._touched[cluster["id"]] = (max(seen, event_us), origin)

    def _leave(self, cluster: dict[str, Any], ref: str, event_us: int, origin: int) -> None:
        cluster["refs"].discard(ref)
        del self._home[ref]
        if self._vectors is not None:
            self._vectors.drop(ref)
        if not cluster["refs"]:
            self._clusters.remove(cluster)
            self._gone[cluster["id"]] = cluster["version"]
        self._touch(cluster, event_us, origin)

    def _new_cluster(self, ref: str) -> dict[str, Any]:
        taken = {c["id"] for c in self._clusters}
        cid, n = cluster_id(self.fp, ref if self._clusters else None), 0
        while cid in taken:  # a ref that once founded a cluster still alive under its name
            n += 1
            cid = cluster_id(self.fp, f"{ref}#{n}")
        cluster = {"id": cid, "version": self._gone.pop(cid, 0), "refs": set()}
        self._clusters.append(cluster)
        return cluster

    def upsert(self, offer: Offer, vector: npt.NDArray[np.float32], event_us: int, origin: int) -> None:
        """Add or refresh ``offer`` (one source ref)."""
        ref = offer.source_refs[0]
        vector = np.asarray(vector, dtype=np.float32)
        # Everything that can fail comes before the first mutation.
        member: Member = {"offer": offer.model_dump(mode="json", exclude={"embedding"}), "vector": _encode(vector),
                          "model": self._model}
        vectors = self._index(len(vector))
        near = vectors.near(vector, self._threshold) - {ref}
        home = self._home.get(ref)
        if home is not None and len(home["refs"]) > 1 and not near & home["refs"]:
            # The ref's content drifted away from its cluster mates: it leaves and is matched afresh.
            self._leave(home, ref, event_us, origin)
            home = None
        if home is None:
            hit = {self._home[r]["id"] for r in near}
            home = next((c for c in self._clusters if c["id"] in hit), None) or self._new_cluster(ref)
        home["refs"].add(ref)
        self._home[ref] = home
        self._members[ref] = member
        self._written.add(ref)
        vectors.put(ref, vector)
        self._touch(home, event_us, origin)

    def remove(self, ref: str, event_us: int, origin: int) -> None:
        """Drop ``ref``; its cluster is re-published without it, or tombstoned when it was the last."""
        home = self._home.get(ref)
        if home is None:
            return  # never seen here, or a replayed removal: nothing to emit
        self._leave(home, ref, event_us, origin)
        self._members[ref] = None
        self._written.add(ref)

    def finish(self) -> tuple[list[Change | Failed], State | None, dict[str, Member | None]]:
        """The batch's changes (one per touched cluster, versioned), the new state (None: delete the
        key) and the member writes (None: delete). Call once, at the end of the batch."""
        by_id = {c["id"]: c for c in self._clusters}
        changes: list[Change | Failed] = []
        for cid, (event_us, origin) in self._touched.items():
            cluster = by_id.get(cid)
            if cluster is None:
                changes.append(Change(cid, None, max(self._gone[cid] + 1, event_us)))
                continue
            version = max(cluster["version"] + 1, event_us)
            try:
                data = {r: m for r in sorted(cluster["refs"]) if (m := self._member(r)) is not None}
                offer = merged(cid, data, version)
            except Exception as exc:
                log.exception("could not merge a cluster", cluster=cid, fingerprint=self.fp)
                changes.append(Failed(cid, origin, f"{type(exc).__name__}: {exc}"))
                continue
            cluster["version"] = version
            changes.append(Change(cid, offer, version))
        state = {"clusters": [{"id": c["id"], "version": c["version"], "refs": sorted(c["refs"])}
                              for c in self._clusters]} if self._clusters else None
        writes = {member_key(self.fp, ref): self._members[ref] for ref in sorted(self._written)}
        return changes, state, writes


def merged(cid: str, by_ref: dict[str, Member], version: int = 0) -> Offer:
    """The cluster's canonical offer from its members' data (the freshest first)."""
    if not by_ref:
        raise ValueError("a cluster without member data")
    members = sorted(by_ref.values(), key=lambda m: _freshness(m["offer"]), reverse=True)
    data = dict(members[0]["offer"])
    missing = {k for k, v in data.items() if v in (None, [], "")}
    for other in members[1:]:
        if not missing:
            break
        for key in list(missing):
            value = other["offer"].get(key)
            if value not in (None, [], ""):
                data[key] = value
                missing.discard(key)
    data["id"] = cid
    data["source_refs"] = sorted(by_ref)
    data["enriched_at"] = datetime.now(UTC).isoformat()
    data["version"] = version
    vector = _decode(members[0]["vector"])
    data["embedding"] = Embedding(model=members[0]["model"], dim=len(vector), values=vector.tolist())
    return Offer.model_validate(data)
