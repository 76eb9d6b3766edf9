"""Helpers of the account, profile and offer-write tests: an app on a real broker and index, users, drafts."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api import security
from api.main import create_app
from api.settings import Settings
from api.store import Store, repository
from ml.embedding import Embedder
from vector_index.edge import EdgeIndex

PASSWORD = "correct horse battery"
DRAFT: dict[str, Any] = {
    "title": "Développeur Python data (H/F)",
    "description": "Vous développez des pipelines de données en Python et SQL pour notre plateforme.",
    "company": "Acme Data", "city": "Lyon", "postal_code": "69003", "contract_type": "CDI",
    "seniority": "Confirmé", "skills": ["Python", "SQL"], "salary_min": 42000, "salary_max": 50000,
    "remote": "hybrid",
}


@contextmanager
def fast_hashing() -> Iterator[None]:
    """Argon2 at its cheapest (~1 ms instead of ~200 ms): these tests are about who may do what, and a
    module registers dozens of users. The hashes stay real Argon2id; production parameters are pwdlib's."""
    saved = security.password_hash
    security.password_hash = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    try:
        yield
    finally:
        security.password_hash = saved


@contextmanager
def accounts_app(embedder: Embedder, data_dir: Path, bootstrap: str, **settings: Any) -> Iterator[TestClient]:
    """The real app (store migrated at start) with its own index and SQLite file; no indexer thread."""
    index = EdgeIndex(data_dir / "index", embedder.dim)
    s = Settings.model_validate({"JOBMARKET_DATA_DIR": data_dir, "run_indexer": False,
                                 "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "login_limit_per_ip": "1000/minute",
                                 **settings})
    try:
        with fast_hashing(), TestClient(create_app(s, embedder=embedder, index=index)) as client:
            yield client
    finally:
        index.close()


def store_of(client: TestClient) -> Store:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    return store


def add_user(client: TestClient, email: str, role: str) -> int:
    """A user straight in the store (admins cannot register themselves; quicker than the HTTP round trip)."""
    with store_of(client).session() as s:
        return repository.create_user(s, email=email, password_hash=security.hash_password(PASSWORD), role=role).id


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/auth/login", data={"username": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def register(client: TestClient, email: str, role: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/auth/register", json={"email": email, "password": password, "role": role})
    assert r.status_code == 201, r.text
    return login(client, email, password)


def events_for(bootstrap: str, topic: str, key: str, count: int, max_s: float = 15.0) -> list[dict[str, Any]]:
    """The values of ``topic``'s records keyed ``key`` (JSON), read from the beginning until ``count`` of
    them arrived and the topic stayed quiet a moment (so an extra one would show), or ``max_s`` passed."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"accounts-tests-{time.monotonic_ns()}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 50})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + max_s
    quiet_since = time.monotonic()
    try:
        while time.monotonic() < deadline:
            msgs = [m for m in consumer.consume(1000, timeout=0.1) if m.error() is None]
            if msgs:
                quiet_since = time.monotonic()
            out.extend(json.loads(value) for m in msgs if m.key() == key.encode() and (value := m.value()) is not None)
            if len(out) >= count and time.monotonic() - quiet_since > 0.3:
                break
    finally:
        consumer.close()
    return out
