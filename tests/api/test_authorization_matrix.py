"""Who may do what: every write route × anonymous / candidate / other recruiter / owner / admin.

One app on a real broker (writes are published for real) and an index in tmp. Each cell starts from
fresh state (its own offer, its own saved search), so cells do not depend on each other's order; a
refused write must leave the offer exactly as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from api.store import repository
from ml.embedding import Embedder
from tests.api.accounts_support import DRAFT, PASSWORD, accounts_app, add_user, login, store_of

ACTORS = ("anonymous", "candidate", "other_recruiter", "owner", "admin")


@dataclass
class World:
    client: TestClient
    headers: dict[str, dict[str, str]]

    def new_offer(self) -> str:
        r = self.client.post("/api/offres", json=DRAFT, headers=self.headers["owner"])
        assert r.status_code == 201, r.text
        return str(r.json()["offer"]["id"])

    def new_search(self) -> int:
        r = self.client.post("/api/candidates/me/searches", json={"name": "s", "query": {"keywords": "data"}},
                             headers=self.headers["candidate"])
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


@pytest.fixture(scope="module")
def world(embedder: Embedder, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with accounts_app(embedder, tmp_path_factory.mktemp("matrix"), kafka_bootstrap) as client:
        roles = {"candidate": "candidate", "other_recruiter": "recruiter", "owner": "recruiter", "admin": "admin"}
        headers: dict[str, dict[str, str]] = {"anonymous": {}}
        for actor, role in roles.items():
            add_user(client, f"{actor}@matrix.example.fr", role)
            headers[actor] = login(client, f"{actor}@matrix.example.fr")
        yield World(client, headers)


Call = Callable[[World, dict[str, str]], int]


def _post_offer(w: World, h: dict[str, str]) -> int:
    return w.client.post("/api/offres", json=DRAFT, headers=h).status_code


def _on_offer(method: str, body: dict[str, object] | None) -> Call:
    def call(w: World, h: dict[str, str]) -> int:
        offer_id = w.new_offer()
        status = w.client.request(method, f"/api/offres/{offer_id}", json=body, headers=h).status_code
        if status >= 400:  # refused: nothing changed
            with store_of(w.client).session() as s:
                row = repository.offer_by_canonical_id(s, offer_id)
                assert row is not None and row.deleted_at is None and row.draft["title"] == DRAFT["title"]
        return status
    return call


def _put_profile(w: World, h: dict[str, str]) -> int:
    return w.client.put("/api/candidates/me", json={"desired_title": "Data engineer"}, headers=h).status_code


def _get_profile(w: World, h: dict[str, str]) -> int:
    return w.client.get("/api/candidates/me", headers=h).status_code


def _post_search(w: World, h: dict[str, str]) -> int:
    return w.client.post("/api/candidates/me/searches", json={"name": "n", "query": {}}, headers=h).status_code


def _delete_search(w: World, h: dict[str, str]) -> int:
    return w.client.delete(f"/api/candidates/me/searches/{w.new_search()}", headers=h).status_code


def _register_admin(w: World, h: dict[str, str]) -> int:
    email = f"new-admin-{uuid.uuid4().hex[:8]}@matrix.example.fr"
    body = {"email": email, "password": PASSWORD, "role": "admin"}
    return w.client.post("/api/auth/register", json=body, headers=h).status_code


#            route                          call                                         anon cand other owner admin
MATRIX: list[tuple[str, Call, tuple[int, int, int, int, int]]] = [
    ("POST /api/offres",                    _post_offer,                                 (401, 403, 201, 201, 201)),
    ("PUT /api/offres/{id}",                _on_offer("PUT", {**DRAFT, "title": "Autre"}), (401, 403, 403, 200, 200)),
    ("PATCH /api/offres/{id}",              _on_offer("PATCH", {"title": "Autre titre"}), (401, 403, 403, 200, 200)),
    ("DELETE /api/offres/{id}",             _on_offer("DELETE", None),                   (401, 403, 403, 204, 204)),
    ("PUT /api/candidates/me",              _put_profile,                                (401, 200, 403, 403, 403)),
    ("GET /api/candidates/me",              _get_profile,                                (401, 200, 403, 403, 403)),
    ("POST /api/candidates/me/searches",    _post_search,                                (401, 201, 403, 403, 403)),
    ("DELETE /api/candidates/me/searches/{id}", _delete_search,                          (401, 204, 403, 403, 403)),
    ("POST /api/auth/register role=admin",  _register_admin,                             (403, 403, 403, 403, 201)),
]
CELLS = [pytest.param(route, call, actor, expected[i], id=f"{route} as {actor}")
         for route, call, expected in MATRIX for i, actor in enumerate(ACTORS)]


@pytest.mark.parametrize(("route", "call", "actor", "expected"), CELLS)
def test_authorization(world: World, route: str, call: Call, actor: str, expected: int) -> None:
    assert call(world, world.headers[actor]) == expected, f"{route} as {actor}"
