"""Reconciliation: offers withdrawn at the source become :class:`~schemas.events.OfferRemoval` events.

The connector remembers every id it published with its creation time (``LiveOffers``, persisted next to
the checkpoint). Whenever it has read a stretch of the source completely — a France Travail time window,
or the newest Adzuna pages down to some creation time — an id it published in that stretch that the source
no longer returned has been withdrawn. A full sweep runs at least every ``reconcile_interval_s``, so a
withdrawal reaches consumers within one reconciliation cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
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
                self._dirty = True

    def reset(self) -> None:
        self._ids.clear()
        self._dirty = True

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
            self._store.save(self._name, {"ids": self._ids})
            self._dirty = False
