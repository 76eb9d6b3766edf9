"""Read-your-writes for offers written through the API.

A write is published on the raw topic and reaches the index through the worker about a second later.
Until then the API serves the offer it enriched itself (same enricher as the worker) from this overlay;
a deleted offer disappears at once. An entry is dropped as soon as the index holds a version at least as
new, or after ``ttl_s`` (the pipeline then owns the truth; a write it rejected is in the dead-letter topic).

``GET /api/offres/{id}`` asks ``pending_overlay(request).get(offer_id)`` first:

- an ``Offer``: serve it;
- ``DELETED``: answer 404 (withdrawn by its author);
- ``None``: nothing pending here, look the id up in the index as usual.

API offers have two ids: ``canonical_offer_id("api", source_id)`` (what POST returns, stable) and, once
indexed, the id of their dedup cluster; ``api:{source_id}`` works too. The overlay resolves the first
through the ownership table, so it keeps working after the entry is gone or the process restarted.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Final

from fastapi import Request

from api.store import Store, repository
from schemas.events import Offer, Source, source_ref
from vector_index.base import VectorIndex

API_PREFIX = f"{Source.API.value}:"


class _Deleted(Enum):
    DELETED = "deleted"


DELETED: Final = _Deleted.DELETED
Deleted = _Deleted


@dataclass
class PendingEntry:
    ref: str
    offer: Offer | None  # None: deleted
    min_version: int
    expires_at: float
    aliases: set[str] = field(default_factory=set)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class PendingWrites:
    """Thread-safe map of the API's own writes not yet (known to be) in the index."""

    def __init__(self, ttl_s: float, index: Callable[[], VectorIndex | None], store: Callable[[], Store | None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._index = index
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, PendingEntry] = {}  # by ref
        self._aliases: dict[str, str] = {}  # any id of the offer -> ref
        self._next_purge = clock() + ttl_s

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, source_id: str, offer: Offer | None, version: int, aliases: set[str]) -> None:
        """Remember a write: ``offer`` as enriched locally, or None for a removal."""
        ref = source_ref(Source.API, source_id)
        now = self._clock()
        with self._lock:
            if now >= self._next_purge:  # entries nobody read again would otherwise stay forever
                self._purge(now)
            old = self._entries.pop(ref, None)
            names = {ref, *aliases, *(old.aliases if old else ())}
            self._entries[ref] = PendingEntry(ref, offer, version, now + self._ttl, names)
            for name in names:
                self._aliases[name] = ref

    def _purge(self, now: float) -> None:
        """Forget expired entries (lock held)."""
        for ref in [r for r, e in self._entries.items() if e.expires_at <= now]:
            for name in self._entries.pop(ref).aliases:
                if self._aliases.get(name) == ref:
                    del self._aliases[name]
        self._next_purge = now + max(1.0, self._ttl / 10)

    def _drop(self, entry: PendingEntry) -> None:
        with self._lock:
            if self._entries.get(entry.ref) is entry:
                del self._entries[entry.ref]
                for name in entry.aliases:
                    if self._aliases.get(name) == entry.ref:
                        del self._aliases[name]

    def _entry(self, offer_id: str) -> PendingEntry | None:
        with self._lock:
            ref = self._aliases.get(offer_id)
            entry = self._entries.get(ref) if ref else None
        if entry is not None and entry.expires_at <= self._clock():
            self._drop(entry)
            return None
        return entry

    def _stored_ref(self, offer_id: str) -> tuple[str, bool] | None:
        """(ref, deleted) of an API offer known to the ownership table, by ``api:{id}`` or canonical id."""
        store = self._store()
        if store is None:
            return None
        with store.session() as session:
            if offer_id.startswith(API_PREFIX):
                row = repository.offer_by_source_id(session, offer_id.removeprefix(API_PREFIX))
            elif _is_uuid(offer_id):
                row = repository.offer_by_canonical_id(session, offer_id)
            else:
                return None
            if row is None:
                return None
            return source_ref(Source.API, row.source_id), row.deleted_at is not None

    def get(self, offer_id: str) -> Offer | _Deleted | None:
        """What GET must answer for ``offer_id`` from the API's writes; None: ask the index. Blocking
        (a database lookup for uuids and ``api:`` refs): call it from a worker thread."""
        entry = self._entry(offer_id)
        index = self._index()
        if entry is not None:
            if entry.offer is None:
                return DELETED
            indexed = index.get_by_ref(entry.ref) if index is not None else None
            if indexed is not None and indexed.version >= entry.min_version:
                self._drop(entry)  # the pipeline caught up: the index is the truth again
                return indexed
            return entry.offer
        stored = self._stored_ref(offer_id)
        if stored is None:
            return None
        ref, deleted = stored
        if deleted:
            return DELETED
        return index.get_by_ref(ref) if index is not None else None


def pending_overlay(request: Request) -> PendingWrites:
    """The app's overlay (created on first use, so an app built without the store still answers)."""
    state = request.app.state
    overlay: PendingWrites | None = getattr(state, "pending_writes", None)
    if overlay is None:
        settings = state.settings
        overlay = PendingWrites(settings.pending_write_ttl_s, lambda: getattr(state, "index", None),
                                lambda: getattr(state, "store", None))
        state.pending_writes = overlay
    return overlay
