"""Reconciliation: offers withdrawn at the source become :class:`~schemas.events.OfferRemoval` events.

The connector remembers every id it published with its creation time (``LiveOffers``, persisted next to
the checkpoint). Whenever it has read a stretch of the source completely — a France Travail time window,
or the newest Adzuna pages down to some creation time — an id it published in that stretch that the source
no longer returned has been withdrawn. A full sweep runs at least every ``reconcile_interval_s``, so a
withdrawal reaches consumers within one reconciliation cycle.

An empty or degraded answer (a 204, an empty page, a page missing most offers) must not pass for a mass
withdrawal: when one stretch would remove more than ``removal_guard_fraction`` of the offers tracked in it
(and at least ``removal_guard_min``), nothing is removed and those ids become *suspects*; a later complete
read that still misses a suspect agrees, and only then is it removed. Where the source can say so by id
(France Travail), each removal is also confirmed first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from producers.checkpoints import CheckpointStore


def to_epoch(value: datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


class LiveOffers:
    """Ids published and, as far as we know, still live at the source: ``{source_id: created epoch}``."""

    def __init__(self, store: CheckpointStore, source: str) -> None:
        self._store = store
        self._name = f"{source}.live"
        data = store.load(self._name)
        raw = data.get("ids", {})
        self._ids: dict[str, float | None] = {str(k): (float(v) if v is not None else None) for k, v in raw.items()}
        # Ids one guarded sweep missed: removed only if a later read misses them again.
        self._suspects: set[str] = {str(s) for s in data.get("suspects", [])} & set(self._ids)
        self._dirty = False

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, source_id: object) -> bool:
        return source_id in self._ids

    def add(self, source_id: str, created: datetime | None) -> None:
        value = to_epoch(created) if created is not None else None
        if self._ids.get(source_id, -1.0) != value:
            self._ids[source_id] = value
            self._dirty = True

    def discard(self, source_ids: Iterable[str]) -> None:
        for sid in source_ids:
            if sid in self._ids:
                del self._ids[sid]
                self._suspects.discard(sid)
                self._dirty = True

    def reset(self) -> None:
        self._ids.clear()
        self._suspects.clear()
        self._dirty = True

    @property
    def suspects(self) -> frozenset[str]:
        return frozenset(self._suspects)

    def suspect(self, source_ids: Iterable[str]) -> None:
        new = {sid for sid in source_ids if sid in self._ids} - self._suspects
        if new:
            self._suspects |= new
            self._dirty = True

    def clear_suspects(self, source_ids: Iterable[str]) -> None:
        cleared = self._suspects.intersection(source_ids)
        if cleared:
            self._suspects -= cleared
            self._dirty = True

    def count(self, *, after: datetime | None = None, after_inclusive: bool = True,
              before: datetime | None = None) -> int:
        """How many tracked ids were created in the range (the same range as :meth:`missing`)."""
        return len(self.missing(set(), after=after, after_inclusive=after_inclusive, before=before))

    def missing(
        self,
        returned: set[str],
        *,
        after: datetime | None = None,
        after_inclusive: bool = True,
        before: datetime | None = None,
    ) -> list[str]:
        """Known ids created in [after, before) (``after`` exclusive when asked) the source did not return."""
        lo = to_epoch(after) if after is not None else None
        hi = to_epoch(before) if before is not None else None
        out = []
        for sid, created in self._ids.items():
            if sid in returned or created is None:
                continue
            if lo is not None and (created < lo or (created == lo and not after_inclusive)):
                continue
            if hi is not None and created >= hi:
                continue
            out.append(sid)
        return sorted(out)

    def forget_before(self, cutoff: datetime) -> int:
        """Stop tracking ids created before ``cutoff`` (out of the reconciliation horizon)."""
        edge = to_epoch(cutoff)
        old = [sid for sid, created in self._ids.items() if created is not None and created < edge]
        self.discard(old)
        return len(old)

    def save(self) -> None:
        if self._dirty:
            self._store.save(self._name, {"ids": self._ids, "suspects": sorted(self._suspects)})
            self._dirty = False


@dataclass(frozen=True)
class RemovalPlan:
    remove: list[str]  # removed now (after the source confirms, where it can)
    hold: list[str]  # new suspects: removed only when a later sweep agrees


def plan_removals(missing: Sequence[str], tracked: int, suspects: Collection[str], *, max_fraction: float,
                  min_count: int) -> RemovalPlan:
    """What to do with the ids a complete read of one stretch no longer returned (``tracked`` were known in it).

    A plausible number (at most ``max_fraction`` of ``tracked``, or fewer than ``min_count``) is removed. More
    looks like a failed answer: only ids an earlier sweep already missed (``suspects``) are removed, the
    others are held as suspects.
    """
    if len(missing) < min_count or len(missing) <= max_fraction * tracked:
        return RemovalPlan(list(missing), [])
    return RemovalPlan([s for s in missing if s in suspects], [s for s in missing if s not in suspects])
