"""Every model call runs on the one model thread; query vectors are cached and shared safely."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from api.model_worker import THREAD_NAME, ModelWorker
from tests.api.fakes import FakeEmbedder, offer, running_app


def test_concurrent_requests_all_reach_the_model_on_one_dedicated_thread(tmp_path: Path) -> None:
    offers = [offer(f"T{i}", f"Métier numéro {i}") for i in range(5)]
    with running_app(tmp_path, offers) as (client, _, model):
        model.threads.clear()
        model.thread_names.clear()
        texts = [f"recherche {i} développeur" for i in range(24)]
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda t: client.post("/api/recommendations", json={"text": t}).status_code,
                                  texts))
        assert codes == [200] * 24
        assert len(model.threads) == 24  # one model call per distinct query
        assert len(set(model.threads)) == 1  # ... all on the same thread
        assert model.thread_names[0].startswith(THREAD_NAME)
        assert model.threads[0] != threading.get_ident()


def test_a_loader_runs_on_the_model_thread_too() -> None:
    async def scenario() -> tuple[str, str]:
        worker = ModelWorker()
        try:
            loaded_on = await worker.call(lambda: threading.current_thread().name, kind="load")
            worker.embedder = FakeEmbedder()
            await worker.encode_query("x")
            return loaded_on, worker.embedder.thread_names[0]
        finally:
            worker.close()

    loaded_on, encoded_on = asyncio.run(scenario())
    assert loaded_on == encoded_on and loaded_on.startswith(THREAD_NAME)


def test_query_vectors_are_cached_per_model_lru_and_read_only() -> None:
    async def scenario() -> None:
        model = FakeEmbedder()
        worker = ModelWorker(model, cache_size=2)
        try:
            first = await worker.encode_query("a")
            assert (await worker.encode_query("a")) is first and model.calls == 1
            with pytest.raises(ValueError):
                first[0] = 42.0  # shared between requests: nobody may change it
            await worker.encode_query("b")
            await worker.encode_query("c")  # evicts "a" (least recently used)
            await worker.encode_query("a")
            assert model.calls == 4
            other = FakeEmbedder()
            other.model_id = "another-model"
            worker.embedder = other  # a model swap never serves the old model's vector
            await worker.encode_query("a")
            assert other.calls == 1
        finally:
            worker.close()

    asyncio.run(scenario())


class SlowEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.gate.wait(5)
        return super().encode(texts)


def test_identical_queries_arriving_together_share_one_model_call() -> None:
    async def scenario() -> None:
        model = SlowEmbedder()
        worker = ModelWorker(model)
        try:
            tasks = [asyncio.create_task(worker.encode_query("même requête")) for _ in range(10)]
            await asyncio.sleep(0)
            model.gate.set()
            vectors = await asyncio.gather(*tasks)
            assert model.calls == 1 and all(v is vectors[0] for v in vectors)
        finally:
            worker.close()

    asyncio.run(scenario())


def test_a_failing_model_call_is_not_cached() -> None:
    class Broken(FakeEmbedder):
        def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
            self.calls += 1
            raise RuntimeError("tokenizer exploded")

    async def scenario() -> None:
        model = Broken()
        worker = ModelWorker(model)
        try:
            for _ in range(2):
                with pytest.raises(RuntimeError):
                    await worker.encode_query("x")
            assert model.calls == 2
        finally:
            worker.close()

    asyncio.run(scenario())
