from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from stream_processors.model_loader import ModelLoader


def test_concurrent_callers_share_one_load_that_never_blocks_the_event_loop() -> None:
    calls: list[str] = []
    release = threading.Event()

    def load() -> str:
        calls.append(threading.current_thread().name)
        release.wait(5)  # a slow load: the loop must keep running meanwhile
        return "model"

    async def scenario() -> tuple[list[str], int]:
        loader = ModelLoader(load, ThreadPoolExecutor(1, thread_name_prefix="embedding"))
        ticks = 0
        warm, first_batch = asyncio.create_task(loader.get()), asyncio.create_task(loader.get())
        while not calls or ticks < 5:  # the loop turns while the load is in progress
            ticks += 1
            await asyncio.sleep(0.01)
        release.set()
        return list(await asyncio.gather(warm, first_batch)), ticks

    models, ticks = asyncio.run(scenario())
    assert models == ["model", "model"] and ticks >= 5
    assert len(calls) == 1 and calls[0].startswith("embedding")


def test_a_failed_load_reaches_its_callers_and_the_next_caller_loads_again() -> None:
    attempts: list[float] = []

    def load() -> str:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise OSError("weights unreadable")
        return "model"

    async def scenario() -> str:
        loader = ModelLoader(load, ThreadPoolExecutor(1))
        with pytest.raises(OSError, match="weights unreadable"):
            await loader.get()
        first = await loader.get()
        assert await loader.get() == first  # loaded: not loaded again
        return first

    assert asyncio.run(scenario()) == "model"
    assert len(attempts) == 2


def test_a_cancelled_caller_does_not_cancel_the_load_for_the_others() -> None:
    release = threading.Event()

    def load() -> str:
        release.wait(5)
        return "model"

    async def scenario() -> str:
        loader = ModelLoader(load, ThreadPoolExecutor(1))
        stopping, waiting = asyncio.create_task(loader.get()), asyncio.create_task(loader.get())
        await asyncio.sleep(0.05)
        stopping.cancel()
        release.set()
        return await waiting

    assert asyncio.run(scenario()) == "model"


def test_replace_serves_the_old_model_until_the_new_one_is_loaded() -> None:
    release = threading.Event()

    def load_new() -> str:
        release.wait(5)
        return "new"

    async def scenario() -> tuple[str, str, str]:
        loader = ModelLoader(lambda: "old", ThreadPoolExecutor(1))
        await loader.get()
        replacing = asyncio.create_task(loader.replace(load_new))
        await asyncio.sleep(0.05)
        during = await loader.get()  # a batch while the new model loads: no gap, the old one
        release.set()
        return during, await replacing, await loader.get()

    assert asyncio.run(scenario()) == ("old", "new", "new")


def test_a_failed_replace_keeps_the_current_model() -> None:
    def broken() -> str:
        raise ValueError("no encoder is known for model id 'x'")

    async def scenario() -> str:
        loader = ModelLoader(lambda: "old", ThreadPoolExecutor(1))
        await loader.get()
        with pytest.raises(ValueError, match="no encoder"):
            await loader.replace(broken)
        return await loader.get()

    assert asyncio.run(scenario()) == "old"
