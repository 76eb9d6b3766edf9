"""Light stand-ins for the API tests that do not need the real model: a bag-of-words embedder that records
the threads it runs on, and a small app factory over an in-process index."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from ml.embedding import embed_offers
from schemas.events import Offer, Source, canonical_offer_id
from vector_index.edge import EdgeIndex

DIM = 64
NOW = datetime(2026, 11, 1, tzinfo=UTC)


class FakeEmbedder:
    """Hashes words into ``DIM`` buckets; deterministic, instant, and it notes every calling thread."""

    model_id = "fake-bow@test"
    dim = DIM

    def __init__(self) -> None:
        self.threads: list[int] = []
        self.thread_names: list[str] = []
        self.calls = 0

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.threads.append(threading.get_ident())
        self.thread_names.append(threading.current_thread().name)
        self.calls += 1
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, zlib.crc32(word.encode()) % DIM] += 1.0
            out[i, 0] += 0.01  # never a zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def encode_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.encode([text])[0]


def offer(source_id: str, title: str, **fields: Any) -> Offer:
    return Offer(id=canonical_offer_id("sample", source_id), source=Source.SAMPLE, source_id=source_id,
                 source_refs=[f"sample:{source_id}"], title=title, fetched_at=fields.pop("fetched_at", NOW),
                 **fields)


def settings(tmp: Path, **extra: object) -> Settings:
    # A closed broker port on purpose: nothing here needs Kafka, and /ready must show it down.
    return Settings.model_validate({"JOBMARKET_DATA_DIR": tmp, "run_indexer": False,
                                    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", **extra})


@contextmanager
def running_app(tmp: Path, offers: list[Offer] | None = None, embedder: FakeEmbedder | None = None,
                **extra: object) -> Iterator[tuple[TestClient, FastAPI, FakeEmbedder]]:
    model = embedder or FakeEmbedder()
    index = EdgeIndex(tmp / "index", DIM)
    if offers:
        index.upsert(embed_offers(offers, model))
    app = create_app(settings(tmp, **extra), embedder=model, index=index)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, app, model
    finally:
        index.close()
