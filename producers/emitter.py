"""Between a connector and Kafka: envelopes, dedup, removals, and flush-then-checkpoint commits.

A connector hands every offer it reads to :meth:`OfferEmitter.offer` and calls :meth:`OfferEmitter.commit`
with its new checkpoint state once a stretch (a window, a page) is complete. ``commit`` flushes the
producer first — it raises if any message was not acknowledged — and only then persists the checkpoint and
the live-offer set, so a crash or a broker failure never moves a watermark past an unpublished offer.

An offer already published by this process with the same content is not published again (overlapping
windows, re-read pages, follow cycles); anything volatile (Adzuna's ``adref``) is left out of that
comparison, never out of the payload, which is published untouched — except for text no encoder accepts
(lone surrogates, see :mod:`producers.cleaning`), which :meth:`OfferEmitter.clean` replaces by U+FFFD. An
offer that still cannot be serialised is counted invalid and skipped: one bad offer never stops a source.

Removals go through :meth:`OfferEmitter.reconcile`, which holds back implausible mass removals
(:func:`producers.removals.plan_removals`) and asks the source to confirm each one where it can.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from producers.checkpoints import CheckpointStore
from producers.cleaning import clean_surrogates
from producers.metrics import SourceMetrics
from producers.publisher import OfferPublisher
from producers.removals import LiveOffers, plan_removals
from schemas.events import OfferRemoval, RawOfferEnvelope, Source

log = structlog.get_logger(__name__)


@dataclass
class CycleStats:
    """What one cycle (a backfill, a poll, a reconciliation sweep) did."""

    source: str
    kind: str
    pages: int = 0
    fetched: int = 0
    published: int = 0
    unchanged: int = 0
    invalid: int = 0
    cleaned: int = 0
    removals: int = 0
    held: int = 0
    windows: int = 0
    splits: int = 0
    truncated: int = 0
    pages_expected: int | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        return self.fetched / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        parts = [f"{self.source} {self.kind}: {self.pages} pages", f"{self.fetched} offers fetched",
                 f"{self.published} published", f"{self.unchanged} unchanged", f"{self.removals} removals"]
        if self.windows:
            parts.append(f"{self.windows} windows ({self.splits} splits)")
        if self.held:
            parts.append(f"{self.held} removals held back")
        if self.invalid:
            parts.append(f"{self.invalid} invalid")
        if self.cleaned:
            parts.append(f"{self.cleaned} cleaned")
        if self.truncated:
            parts.append(f"{self.truncated} TRUNCATED windows")
        parts.append(f"{self.elapsed_s:.1f}s ({self.rate:.0f} offers/s)")
        return ", ".join(parts)


def fingerprint(payload: dict[str, Any], volatile: frozenset[str]) -> str:
    stable = {k: v for k, v in payload.items() if k not in volatile}
    raw = json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


class OfferEmitter:
    def __init__(
        self,
        source: Source,
        publisher: OfferPublisher,
        store: CheckpointStore,
        metrics: SourceMetrics,
        *,
        volatile_fields: Iterable[str] = (),
        flush_timeout_s: float = 30.0,
        seen_max: int = 500_000,
        removal_guard_fraction: float = 0.5,
        removal_guard_min: int = 5,
    ) -> None:
        self.source = source
        self.publisher = publisher
        self.store = store
        self.metrics = metrics
        self.live = LiveOffers(store, source.value)
        self._volatile = frozenset(volatile_fields)
        self._flush_timeout = flush_timeout_s
        self._seen: OrderedDict[str, str] = OrderedDict()
        self._seen_max = seen_max
        self._pending_seen: dict[str, str] = {}
        self._pending_live: dict[str, datetime | None] = {}
        self._pending_removed: set[str] = set()
        self._pending_suspects: set[str] = set()
        self._pending_cleared: set[str] = set()  # suspects the source says are still live
        self._guard_fraction = removal_guard_fraction
        self._guard_min = removal_guard_min
        self.stats = CycleStats(source.value, "idle")

    def start_cycle(self, kind: str) -> CycleStats:
        self.discard_pending()
        self.stats = CycleStats(self.source.value, kind)
        return self.stats

    def discard_pending(self) -> None:
        """Forget what was sent but not committed (a failed cycle is redone from its checkpoint)."""
        self._pending_seen.clear()
        self._pending_live.clear()
        self._pending_removed.clear()
        self._pending_suspects.clear()
        self._pending_cleared.clear()

    def clean(self, item: Any) -> Any:
        """``item`` with lone surrogates replaced (see :mod:`producers.cleaning`); counted when it changed."""
        cleaned, changed = clean_surrogates(item)
        if changed:
            self.stats.cleaned += 1
            self.metrics.cleaned.inc()
            sid = cleaned.get("id") if isinstance(cleaned, dict) else None
            log.warning("offer text held lone surrogates: replaced by U+FFFD", source=self.source.value,
                        source_id=repr(sid), strings=changed)
        return cleaned

    def invalid(self, reason: str, item: Any) -> None:
        self.stats.invalid += 1
        self.metrics.error("invalid_offer")
        # repr(): a raw source string may not be printable (a lone surrogate would break the log line).
        log.error("offer skipped: invalid", source=self.source.value, reason=reason, item=repr(item)[:200])

    def offer(self, source_id: str, created: datetime | None, payload: dict[str, Any],
              fetched_at: datetime | None = None) -> bool:
        """Publish one offer unless this process already published it unchanged; True if published."""
        self.stats.fetched += 1
        self.metrics.fetched.inc()
        try:
            fp = fingerprint(payload, self._volatile)
        except (ValueError, TypeError, RecursionError) as exc:  # connectors clean first: this is a last resort
            self.invalid(f"cannot be serialised: {exc!r}"[:300], payload)
            return False
        self._pending_live[source_id] = created
        self._pending_removed.discard(source_id)
        if self._pending_seen.get(source_id, self._seen.get(source_id)) == fp:
            self.stats.unchanged += 1
            return False
        try:
            envelope = RawOfferEnvelope(source=self.source, source_id=source_id,
                                        fetched_at=fetched_at or datetime.now(UTC), payload=payload)
            self.publisher.publish(envelope)
        except (ValueError, TypeError, RecursionError) as exc:  # validation or serialisation, not Kafka
            self._pending_live.pop(source_id, None)
            self.invalid(f"cannot be published: {exc!r}"[:300], payload)
            return False
        self._pending_seen[source_id] = fp
        self.stats.published += 1
        self.metrics.published.inc()
        return True

    def remove(self, source_ids: Iterable[str], reason: str = "withdrawn at source") -> int:
        now = datetime.now(UTC)
        n = 0
        for sid in source_ids:
            self.publisher.publish_removal(OfferRemoval(source=self.source, source_id=sid, removed_at=now,
                                                        reason=reason))
            self._pending_removed.add(sid)
            self._pending_live.pop(sid, None)
            self._pending_seen.pop(sid, None)
            n += 1
        if n:
            self.stats.removals += n
            self.metrics.removals.inc(n)
            log.info("removals published", source=self.source.value, count=n)
        return n

    def reconcile(self, missing: Sequence[str], tracked: int,
                  confirm: Callable[[str], bool] | None = None) -> int:
        """Remove what one complete read no longer returned (``tracked`` offers were known in that stretch).

        An implausible number is held back until a later read agrees (see :func:`plan_removals`); each
        removal is first confirmed with ``confirm(id)`` (True: really gone) where the source offers it.
        Returns how many removals were published.
        """
        plan = plan_removals(missing, tracked, self.live.suspects, max_fraction=self._guard_fraction,
                             min_count=self._guard_min)
        if plan.hold:
            self.stats.held += len(plan.hold)
            self.metrics.held.inc(len(plan.hold))
            self._pending_suspects.update(plan.hold)
            log.warning("a read missed too many offers at once: removals held until a later read agrees",
                        source=self.source.value, missing=len(missing), tracked=tracked, held=len(plan.hold),
                        agreed=len(plan.remove))
        gone = []
        for sid in plan.remove:
            if confirm is None or confirm(sid):
                gone.append(sid)
            else:
                self._pending_cleared.add(sid)
        return self.remove(gone)

    def commit(self, checkpoint: dict[str, Any]) -> None:
        """Flush (raises DeliveryError on any failed delivery), then persist live set and checkpoint."""
        self.publisher.flush(self._flush_timeout)
        for sid, fp in self._pending_seen.items():
            self._seen[sid] = fp
            self._seen.move_to_end(sid)
        while len(self._seen) > self._seen_max:
            self._seen.popitem(last=False)
        for sid, created in self._pending_live.items():
            self.live.add(sid, created)
        for sid in self._pending_removed:
            self._seen.pop(sid, None)
        self.live.discard(self._pending_removed)
        # Returned again, or confirmed live by the source: no longer suspect. Then this read's new suspects.
        self.live.clear_suspects(self._pending_live.keys() | self._pending_cleared)
        self.live.suspect(self._pending_suspects)
        self.discard_pending()
        self.live.save()
        self.store.save(self.source.value, {**checkpoint, "updated_at": datetime.now(UTC).isoformat()})
