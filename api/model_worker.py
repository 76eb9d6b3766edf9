"""Every model call of the API runs on ONE dedicated thread.

Tokenizers are not thread-safe, and 40 pool threads sharing one model also fight over the same 2 cores:
one thread, fed in order, is both correct and as fast. The loop never blocks on the model: routes
``await worker.encode_query(text)``. Query vectors are kept in a small LRU cache keyed by
``(model_id, text)`` (a model swap never serves a stale vector), and identical queries that arrive
together share one model call.

Use it from a route through ``api.deps.ModelWorkerDep``::

    vector = await worker.encode_query(text)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from api.metrics import ApiMetrics
from api.serving import pinned
from ml.embedding import Embedder

T = TypeVar("T")
THREAD_NAME = "jobmarket-model"
Vector = npt.NDArray[np.float32]


class ModelWorker:
    def __init__(self, embedder: Embedder | None = None, cache_size: int = 2048,
                 metrics: ApiMetrics | None = None) -> None:
        self._embedder = embedder
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        self._cache: OrderedDict[tuple[str, str], Vector] = OrderedDict()
        self._cache_size = cache_size
        self._pending: dict[tuple[str, str], Future[Vector]] = {}
        self._lock = threading.Lock()  # cache and pending: callers may live on different event loops
        self._metrics = metrics

    @property
    def embedder(self) -> Embedder | None:
        """The model of the bundle this request is pinned to (``api.serving``), else the current one: a
        request in flight during a model switch embeds with the model of the index it searches."""
        serving = pinned()
        return serving.embedder if serving is not None else self._embedder

    @embedder.setter
    def embedder(self, value: Embedder | None) -> None:
        self._embedder = value

    def _model(self) -> Embedder:
        if self.embedder is None:
            raise RuntimeError("the model worker has no model yet")
        return self.embedder

    def _timed(self, kind: str, fn: Callable[..., T], *args: object) -> T:
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            if self._metrics is not None:
                self._metrics.model_latency.labels(kind).observe(time.perf_counter() - started)

    async def call(self, fn: Callable[..., T], *args: object, kind: str = "other") -> T:
        """Any model work (loading, a model swap, a batch) on the model thread, in arrival order."""
        return await asyncio.wrap_future(self._executor.submit(self._timed, kind, fn, *args))

    def run(self, fn: Callable[..., T], *args: object, kind: str = "other", timeout: float | None = None) -> T:
        """``call`` for threads outside the event loop (the indexer's re-embedding): blocks until done."""
        return self._executor.submit(self._timed, kind, fn, *args).result(timeout)

    async def encode(self, texts: list[str]) -> Vector:
        """Passages → (n, dim), one model call."""
        model = self._model()
        return await self.call(model.encode, texts, kind="passages")

    async def encode_query(self, text: str) -> Vector:
        """A query → (dim,) L2-normalised, read-only (it may be shared with other requests)."""
        model = self._model()
        key = (model.model_id, text)
        future: Future[Vector] | None = None
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
            else:
                future = self._pending.get(key)
                if future is None:
                    future = self._executor.submit(self._encode_one, model, key)
                    self._pending[key] = future
        if self._metrics is not None:
            self._metrics.query_cache.labels("hit" if cached is not None else "miss").inc()
        if cached is not None:
            return cached
        assert future is not None
        return await asyncio.wrap_future(future)

    def _encode_one(self, model: Embedder, key: tuple[str, str]) -> Vector:
        try:
            vector = np.asarray(self._timed("query", model.encode_query, key[1]), dtype=np.float32)
            vector.setflags(write=False)
            with self._lock:
                if self._cache_size > 0:
                    self._cache[key] = vector
                    while len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
            return vector
        finally:
            with self._lock:
                self._pending.pop(key, None)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
