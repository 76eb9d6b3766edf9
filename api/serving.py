"""What the API serves: ONE bundle of encoder + index + catalog, swapped as a whole when the alias moves.

Queries must be embedded by the model of the collection they search, and a search reads the catalog built
from that same collection. So the three travel together (``Serving``), ``app.state.serving`` is switched
in one assignment, and each request is pinned to the bundle current when it started
(``PinServingMiddleware``): ``app.state.index``, ``.catalog``, ``.embedder`` and the model worker's
``embedder`` all answer from the pinned bundle, so a request in flight during a switch finishes on the old
bundle and never mixes a new query vector with the old index. The old index is closed after a grace delay.

``Rollout.watch`` runs on the indexer's thread: when the alias names another collection (``jobmarket
replay --into index --collection NEW``), it loads NEW's encoder, opens NEW, builds its catalog and hands the
indexer a ``Switch``; once the indexer has caught up on NEW, ``Rollout.swap`` makes it the served bundle.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

from ml.embedding import Embedder, embed_offers
from schemas.events import Offer
from vector_index.base import VectorIndex
from vector_index.collections import AliasRecord, Collections, indexer_group
from vector_index.factory import ensure_alias
from vector_index.indexer import Reembed, Switch

if TYPE_CHECKING:
    from api.catalog import Catalog
    from api.model_worker import ModelWorker

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Serving:
    embedder: Embedder
    index: VectorIndex
    catalog: Catalog
    collection: str | None = None  # None: an index handed to create_app (tests), outside any alias
    owned: bool = True  # opened by the API: closed by it


_pinned: ContextVar[Serving | None] = ContextVar("jobmarket_serving", default=None)


def pinned() -> Serving | None:
    """The bundle the current request was pinned to, if any."""
    return _pinned.get()


class ServingState(State):
    """``app.state`` whose ``index``, ``catalog`` and ``embedder`` come from one bundle: the request's pinned
    one, else the current one (background checks, startup)."""

    def current(self) -> Serving | None:
        serving: Serving | None = self._state.get("serving")
        return serving

    def _served(self, name: str) -> Any:
        serving = _pinned.get() or self.current()
        if serving is not None:
            return getattr(serving, name)
        try:
            return self._state[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def index(self) -> VectorIndex:
        index: VectorIndex = self._served("index")
        return index

    @property
    def catalog(self) -> Catalog:
        catalog: Catalog = self._served("catalog")
        return catalog

    @property
    def embedder(self) -> Embedder:
        embedder: Embedder = self._served("embedder")
        return embedder


class PinServingMiddleware:
    """Pins every HTTP request to the bundle current when it arrives (a context variable: it follows the
    request into the thread pool)."""

    def __init__(self, app: ASGIApp, current: Callable[[], Serving | None]) -> None:
        self.app = app
        self._current = current

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _pinned.set(self._current())
        try:
            await self.app(scope, receive, send)
        finally:
            _pinned.reset(token)


def reembedder(worker: ModelWorker, encoder: Embedder) -> Reembed:
    """The indexer's re-embedding, on the model thread (one thread owns every model call)."""

    def reembed(offers: list[Offer]) -> list[Offer]:
        return worker.run(embed_offers, offers, encoder, kind="passages")

    return reembed


def resolve_serving(collections: Collections, given: Embedder | None,
                    load_default: Callable[[], Embedder],
                    load_model: Callable[[str], Embedder]) -> tuple[AliasRecord, Embedder]:
    """The alias's record and the encoder of ITS model (queries must match the collection, whatever the
    settings say now); on a first start, the configured encoder and a new collection for it."""
    record = collections.current()
    if record is None:
        model = given or load_default()
        return ensure_alias(collections, model.model_id, model.dim), model
    if given is not None and given.model_id == record.model:
        return record, given
    if given is not None:
        log.warning("the collection was built by another model: serving that one", given=given.model_id,
                    collection=record.collection, model=record.model)
    model = load_model(record.model)
    if model.dim != record.dim:
        raise RuntimeError(f"model {record.model} gives {model.dim}-d vectors; "
                           f"{record.collection} holds {record.dim}-d")
    return record, model


class _DeferredClose:
    """Closes an index once: after a delay, or at once on shutdown, whichever comes first."""

    def __init__(self, index: VectorIndex, delay_s: float) -> None:
        self._index = index
        self._lock = threading.Lock()
        self._done = False
        self.timer = threading.Timer(delay_s, self.run)
        self.timer.daemon = True

    def run(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._index.close()


class Rollout:
    """Follows the alias for a running API (see the module's docstring)."""

    def __init__(self, state: ServingState, collections: Collections, worker: ModelWorker, group_base: str,
                 load_model: Callable[[str], Embedder], build_catalog: Callable[[VectorIndex, int], Catalog],
                 interval_s: float = 0.5, grace_s: float = 30.0, retry_s: float = 10.0) -> None:
        self._state = state
        self._collections = collections
        self._worker = worker
        self._group_base = group_base
        self._load_model = load_model
        self._build_catalog = build_catalog
        self._interval_s, self._grace_s, self._retry_s = interval_s, grace_s, retry_s
        self._token = collections.token()
        self._next_check = 0.0
        self._lock = threading.Lock()
        self._closing: list[_DeferredClose] = []

    def watch(self) -> Switch | None:
        now = time.monotonic()
        if now < self._next_check:
            return None
        self._next_check = now + self._interval_s
        token = self._collections.token()
        if token == self._token:
            return None
        record = self._collections.current()
        current = self._state.current()
        if record is None or (current is not None and record.collection == current.collection):
            self._token = token
            return None
        log.info("alias moved: preparing the new collection", collection=record.collection, model=record.model)
        try:
            encoder = self._load_model(record.model)  # on this thread: queries keep the model thread meanwhile
            if encoder.dim != record.dim:
                raise RuntimeError(f"model {record.model} gives {encoder.dim}-d vectors, not {record.dim}")
            index = self._collections.open(record.collection, record.dim, record.model)
        except Exception:
            log.exception("cannot open the new collection; still serving the old one", collection=record.collection)
            self._next_check = now + self._retry_s
            return None
        try:
            catalog = self._build_catalog(index, record.dim)
        except Exception:
            index.close()
            raise
        self._token = token
        serving = Serving(encoder, index, catalog, record.collection)
        return Switch(index=index, group_id=indexer_group(self._group_base, record.collection), model=record.model,
                      reembed=reembedder(self._worker, encoder), start_at=record.built_to,
                      on_applied=catalog.apply, on_ready=lambda: self.swap(serving))

    def swap(self, serving: Serving) -> None:
        """One assignment: requests that start from now on use ``serving``; those in flight finish on the old
        bundle, whose index is closed after the grace delay."""
        old = self._state.current()
        self._state.serving = serving
        self._worker.embedder = serving.embedder  # for calls outside a request
        log.info("now serving", collection=serving.collection, model=serving.embedder.model_id,
                 offers=serving.index.count())
        if old is not None and old.owned and old.index is not serving.index:
            deferred = _DeferredClose(old.index, self._grace_s)
            with self._lock:
                self._closing.append(deferred)
            deferred.timer.start()

    def close(self) -> None:
        """Closes at once what was waiting for its grace delay."""
        with self._lock:
            closing, self._closing = self._closing, []
        for deferred in closing:
            deferred.timer.cancel()
            deferred.run()
        self._collections.close()
