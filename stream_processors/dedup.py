"""Cross-source de-duplication: one canonical offer per real job, whichever sources list it.

Two records are the same job when their normalised fingerprint (title, company, city) is equal AND
their embeddings agree (cosine >= threshold): the fingerprint finds candidates cheaply and exactly,
the embedding check keeps two different jobs that happen to share a title, company and town apart
(e.g. two anonymous "Vendeur (H/F)" offers in Paris). Each fingerprint holds the clusters found under
it.

A cluster's id is derived from one of its member refs (``cluster_id``), never from the fingerprint: an
offer whose title, company or city is edited at its source moves to another fingerprint's group and
keeps its id there (the route stage marks both commands ``moved``; only the new group publishes the id,
so no tombstone from the old group can race the new record on the enriched topic). When the naming ref
leaves a cluster that keeps other members, those are renamed after the smallest remaining ref, so two
live clusters never share an id. Ids depend on refs only: stable across replays and restarts.

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
from collections.abc import Callable, Mapping
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


def cluster_id(ref: str) -> str:
    """The canonical id of a cluster named by ``ref`` (one of its members): it does not depend on the
    offer's title, company or city, so an offer edited at its source keeps its id."""
    return str(uuid.uuid5(OFFER_NAMESPACE, f"ref:{ref}"))


def legacy_cluster_id(fp: str, first_ref: str | None = None) -> str:
    """How clusters were named before (by fingerprint): stored clusters keep these ids, none is made."""
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


@dataclass(eq=False)
class _Cluster:
    """One cluster while a batch works on it (compared by identity: its id may change)."""

    id: str
    version: int
    refs: set[str]
    event_us: int = 0  # latest event time of the batch's changes to it
    origin: int = -1  # the command that last changed it; -1: unchanged in this batch

    @property
    def dirty(self) -> bool:
        return self.origin >= 0


class Group:
    """The clusters of one fingerprint while a batch folds its commands into them.

    Starts from the stored ``State``; members are read through ``load`` (by ref) only when a decision
    or a merge needs them, and each vector is decoded once per batch. Nothing is emitted or written
    until ``finish``: a cluster changed by several commands is merged and published once.
    ``origin`` is an opaque tag of the command (its record's index), handed back in ``Failed``.

    Ids (see ``cluster_id``): a new cluster is named by the ref that founds it, and a live cluster's id
    always names one of its current members (clusters of the former fingerprint-named layout keep their
    id while any member stays). When the ref that names a cluster leaves it while others stay, they are
    renamed after the smallest of them; the old id is tombstoned if the ref was removed, and goes with it
    if it was edited into another group (``moved``) or its content drifted away from its mates.
    """

    def __init__(self, fp: str, state: State | None, load: Callable[[str], Member | None], model: str,
                 threshold: float, refresh: Mapping[str, npt.NDArray[np.float32]] | None = None) -> None:
        self.fp = fp
        self._load, self._model, self._threshold = load, model, threshold
        # ref -> this model's vector for a member stored with another model's (see ``stale_members``)
        self._refresh = refresh or {}
        self._members: dict[str, Member | None] = {}  # read or written in this batch (None: removed)
        self._written: set[str] = set()
        self._clusters: list[_Cluster] = []
        for c in (state or {}).get("clusters", []):
            if "refs" not in c:  # the former layout kept every member inline: move them out on the next write
                self._members.update(c["members"])
                self._written.update(c["members"])
            self._clusters.append(_Cluster(c["id"], int(c.get("version", 0)),
                                           set(c["refs"] if "refs" in c else c["members"])))
        self._home: dict[str, _Cluster] = {ref: c for c in self._clusters for ref in c.refs}
        # ids no live cluster of this group holds any more: id -> (last version, latest event µs)
        self._dead: dict[str, tuple[int, int]] = {}  # to tombstone
        self._carried: dict[str, int] = {}  # left with their naming ref (no tombstone from here): id -> version
        self._mutated = False
        self._vectors: _Vectors | None = None

    @property
    def changed(self) -> bool:
        return self._mutated

    def _member(self, ref: str) -> Member | None:
        if ref not in self._members:
            self._members[ref] = self._load(member_key(self.fp, ref))
        return self._members[ref]

    def _index(self, dim: int) -> _Vectors:
        """Every member's vector of this model, loaded on the first upsert. Vectors of two models never
        compare: a member of another model takes its ``refresh`` vector (and is stored with it), or sits out."""
        if self._vectors is None or self._vectors.dim != dim:
            self._vectors = _Vectors(dim)
            for ref in self._home:
                m = self._member(ref)
                if m is not None and m.get("model") != self._model and ref in self._refresh:
                    m = self._members[ref] = {**m, "vector": _encode(self._refresh[ref]), "model": self._model}
                    self._written.add(ref)
                if m is not None and m.get("model") == self._model:
                    vector = _decode(m["vector"])
                    if len(vector) == dim:
                        self._vectors.put(ref, vector)
        return self._vectors

    @staticmethod
    def _touch(cluster: _Cluster, event_us: int, origin: int) -> None:
        cluster.event_us, cluster.origin = max(cluster.event_us, event_us), origin

    def _bury(self, cid: str, version: int, event_us: int) -> None:
        """Tombstone ``cid`` at the end of the batch (unless a cluster takes the id again before)."""
        self._carried.pop(cid, None)
        seen = self._dead.get(cid, (version, event_us))
        self._dead[cid] = (max(seen[0], version), max(seen[1], event_us))

    def _revive(self, cid: str) -> int:
        """The last version ``cid`` had here, for a cluster that takes the id (again)."""
        dead = self._dead.pop(cid, None)
        return dead[0] if dead is not None else self._carried.pop(cid, 0)

    def _leave(self, cluster: _Cluster, ref: str, event_us: int, origin: int, keep_id: bool) -> bool:
        """``ref`` leaves ``cluster``. ``keep_id``: the ref lives on (moved or drifted away) and takes the
        cluster's id along if the id names it; otherwise an id no member holds is tombstoned.
        Returns whether the ref carries its own id away."""
        cluster.refs.discard(ref)
        del self._home[ref]
        if self._vectors is not None:
            self._vectors.drop(ref)
        named = cluster.id == cluster_id(ref)
        if not cluster.refs:
            self._clusters.remove(cluster)
            if named and keep_id:
                self._carried[cluster.id] = cluster.version
            else:  # removed, or a former fingerprint-named id, which the ref cannot take along
                self._bury(cluster.id, cluster.version, event_us)
            return named and keep_id
        if named:  # the rest is renamed after its smallest ref: the id always names a current member
            if keep_id:
                self._carried[cluster.id] = cluster.version
            else:
                self._bury(cluster.id, cluster.version, event_us)
            cluster.id = cluster_id(min(cluster.refs))
            cluster.version = max(cluster.version, self._revive(cluster.id))
        self._touch(cluster, event_us, origin)
        return named and keep_id

    def _new_cluster(self, ref: str) -> _Cluster:
        cid = cluster_id(ref)
        cluster = _Cluster(cid, self._revive(cid), set())
        self._clusters.append(cluster)
        return cluster

    def upsert(self, offer: Offer, vector: npt.NDArray[np.float32], event_us: int, origin: int,
               moved: bool = False) -> None:
        """Add or refresh ``offer`` (one source ref). ``moved``: the ref comes from another fingerprint's
        group, where the cluster it named (if any) was left for it to carry here."""
        ref = offer.source_refs[0]
        vector = np.asarray(vector, dtype=np.float32)
        # Everything that can fail comes before the first mutation.
        member: Member = {"offer": offer.model_dump(mode="json", exclude={"embedding"}), "vector": _encode(vector),
                          "model": self._model}
        vectors = self._index(len(vector))
        near = vectors.near(vector, self._threshold) - {ref}
        home, own = self._home.get(ref), cluster_id(ref)
        drifts = home is not None and len(home.refs) > 1 and not near & home.refs
        hit = next((c for c in self._clusters if c is not home and near & c.refs), None)
        if (home is None or drifts) and hit is None and any(c.id == own and c is not home for c in self._clusters):
            raise ValueError(f"the id of {ref!r} is held by a cluster without it")  # a corrupt state only
        self._mutated = True
        carries = moved and home is None
        if home is not None and drifts:
            # The ref's content drifted away from its cluster mates: it leaves and is matched afresh.
            carries = self._leave(home, ref, event_us, origin, keep_id=True)
            home = None
        if home is None:
            home = hit or self._new_cluster(ref)
            if home.id != own and carries:
                # It joined a cluster named by another ref: the id it carried names nothing any more. (For
                # a moved ref that named no cluster, this tombstones an id no reader holds: harmless.)
                self._bury(own, self._carried.get(own, 0), event_us)
        home.refs.add(ref)
        self._home[ref] = home
        self._members[ref] = member
        self._written.add(ref)
        vectors.put(ref, vector)
        self._touch(home, event_us, origin)

    def remove(self, ref: str, event_us: int, origin: int, moved: bool = False) -> None:
        """Drop ``ref``; its cluster is re-published without it, or tombstoned when it was the last.
        ``moved``: the ref went to another fingerprint's group (an edited title, company or city) and
        takes its id along: that group publishes it, so this one never tombstones it."""
        home = self._home.get(ref)
        if home is None:
            return  # never seen here, or a replayed removal: nothing to emit
        self._mutated = True
        self._leave(home, ref, event_us, origin, keep_id=moved)
        self._members[ref] = None
        self._written.add(ref)

    def finish(self) -> tuple[list[Change | Failed], State | None, dict[str, Member | None]]:
        """The batch's changes (tombstones first, then one per changed cluster, versioned), the new state
        (None: delete the key) and the member writes (None: delete). Call once, at the end of the batch."""
        changes: list[Change | Failed] = [Change(cid, None, max(version + 1, event_us))
                                          for cid, (version, event_us) in self._dead.items()]
        for cluster in self._clusters:
            if not cluster.dirty:
                continue
            version = max(cluster.version + 1, cluster.event_us)
            try:
                data = {r: m for r in sorted(cluster.refs) if (m := self._member(r)) is not None}
                offer = merged(cluster.id, data, version)
            except Exception as exc:
                log.exception("could not merge a cluster", cluster=cluster.id, fingerprint=self.fp)
                changes.append(Failed(cluster.id, cluster.origin, f"{type(exc).__name__}: {exc}"))
                continue
            cluster.version = version
            changes.append(Change(cluster.id, offer, version))
        state = {"clusters": [{"id": c.id, "version": c.version, "refs": sorted(c.refs)}
                              for c in self._clusters]} if self._clusters else None
        writes = {member_key(self.fp, ref): self._members[ref] for ref in sorted(self._written)}
        return changes, state, writes


def stale_members(fp: str, state: State | None, load: Callable[[str], Member | None],
                  model: str) -> list[tuple[str, Offer]]:
    """(ref, offer) of the members under ``fp`` whose vectors another model made (stored before the worker
    changed models). Without this model's vector for them, a twin arriving after the change would not
    find them and the same job would be published twice."""
    out: list[tuple[str, Offer]] = []
    for c in (state or {}).get("clusters", []):
        inline = c.get("members", {})  # the former layout kept members inline
        for ref in c.get("refs", inline):
            m = inline[ref] if ref in inline else load(member_key(fp, ref))
            if m is None or m.get("model") == model:
                continue
            try:
                out.append((ref, Offer.model_validate(m["offer"])))
            except Exception as exc:  # a member that no longer validates sits out, as before
                log.warning("stored member not re-embedded", fingerprint=fp, ref=ref, error=str(exc)[:300])
    return out


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
