"""The worker's model, loaded once and never on the event loop.

A load takes seconds (tens on a loaded machine). Run on the event loop it stops heartbeats and both
agents; started twice (the warm-up task and a first batch that beats it) it costs a second copy. Here
every caller awaits one load that runs on the model's own thread; a failed load is retried by the
next caller rather than cached. ``replace`` swaps in another model (the served collection changed models)
without a gap: batches embed with the old one until the new one is loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Generic, TypeVar

T = TypeVar("T")


class ModelLoader(Generic[T]):
    def __init__(self, load: Callable[[], T], executor: Executor) -> None:
        self._load = load
        self._executor = executor
        self._pending: asyncio.Future[T] | None = None

    async def get(self) -> T:
        pending = self._pending
        if pending is None or (pending.done() and (pending.cancelled() or pending.exception() is not None)):
            pending = self._pending = asyncio.get_running_loop().run_in_executor(self._executor, self._load)
        # shield: a caller cancelled while waiting (an agent stopping) must not cancel the load for the others
        return await asyncio.shield(pending)

    async def replace(self, load: Callable[[], T]) -> T:
        """Load another model on the model's thread; callers keep getting the current one until it is ready
        (a failed load raises here and changes nothing)."""
        loaded = await asyncio.get_running_loop().run_in_executor(self._executor, load)
        ready: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        ready.set_result(loaded)
        self._load, self._pending = load, ready
        return loaded
