"""Accounts: register, login (OAuth2 password form), refresh, me; tokens, rate limits, admin creation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from api.security import LoginLimiter, create_token, decode_token, password_problem, valid_email
from api.settings import Settings
from api.store import repository
from jobmarket.cli import app as cli
from ml.embedding import Embedder
from tests.api.accounts_support import PASSWORD, accounts_app, add_user, login, register, store_of


@pytest.fixture(scope="module")
def client(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # Writes need no broker here: a closed port. 3 failed logins per account and minute.
    with accounts_app(embedder, tmp_path_factory.mktemp("auth"), "127.0.0.1:1",
                      login_limit_per_account="3/minute") as c:
        yield c


def test_register_then_me(client: TestClient) -> None:
    r = client.post("/api/auth/register", json={"email": "Camille@Example.fr", "password": PASSWORD,
                                                "full_name": "Camille Martin", "role": "candidate"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["email"] == "camille@example.fr" and body["role"] == "candidate"
    assert "password" not in r.text and "argon2" not in r.text
    with store_of(client).session() as s:
        user = repository.user_by_email(s, "camille@example.fr")
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
    me = client.get("/api/auth/me", headers=login(client, "CAMILLE@example.fr"))
    assert me.status_code == 200 and me.json()["id"] == body["id"] and me.json()["full_name"] == "Camille Martin"


def test_duplicate_email_is_a_conflict(client: TestClient) -> None:
    register(client, "dup@example.fr", "recruiter")
    r = client.post("/api/auth/register", json={"email": "DUP@example.fr", "password": PASSWORD, "role": "candidate"})
    assert r.status_code == 409


@pytest.mark.parametrize("body", [
    {"email": "not-an-email", "password": PASSWORD},
    {"email": "a b@example.fr", "password": PASSWORD},
    {"email": "short@example.fr", "password": "1234567"},
    {"email": "same@example.fr", "password": "same@example.fr"},
    {"email": "role@example.fr", "password": PASSWORD, "role": "superuser"},
    {"email": "extra@example.fr", "password": PASSWORD, "is_admin": True},
])
def test_register_refuses_bad_input(client: TestClient, body: dict[str, object]) -> None:
    assert client.post("/api/auth/register", json=body).status_code == 422


def test_only_an_admin_creates_admins(client: TestClient) -> None:
    body = {"email": "boss@example.fr", "password": PASSWORD, "role": "admin"}
    assert client.post("/api/auth/register", json=body).status_code == 403
    recruiter = register(client, "wannabe@example.fr", "recruiter")
    assert client.post("/api/auth/register", json=body, headers=recruiter).status_code == 403
    add_user(client, "root@example.fr", "admin")
    r = client.post("/api/auth/register", json=body, headers=login(client, "root@example.fr"))
    assert r.status_code == 201 and r.json()["role"] == "admin"


def test_login_failures_are_401_with_bearer_challenge(client: TestClient) -> None:
    register(client, "wrongpw@example.fr", "candidate")
    for username, password in (("wrongpw@example.fr", "not the password"), ("nobody@example.fr", PASSWORD)):
        r = client.post("/api/auth/login", data={"username": username, "password": password})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    # A JSON body is not the OAuth2 form.
    assert client.post("/api/auth/login", json={"username": "wrongpw@example.fr", "password": PASSWORD}
                       ).status_code == 422


def test_tokens_access_refresh_and_their_types(client: TestClient) -> None:
    register(client, "tok@example.fr", "recruiter")
    r = client.post("/api/auth/login", data={"username": "tok@example.fr", "password": PASSWORD})
    pair = r.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 30 * 60
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.get("/api/auth/me", headers=bearer).json()["email"] == "tok@example.fr"
    # A refresh token is not an access token, and the other way round.
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {pair['refresh_token']}"}).status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": pair["access_token"]}).status_code == 401
    fresh = client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert fresh.status_code == 200
    new_bearer = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert client.get("/api/auth/me", headers=new_bearer).json()["role"] == "recruiter"
    assert client.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer garbage"}).status_code == 401


def test_expired_forged_and_orphan_tokens_are_refused(client: TestClient) -> None:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    add_user(client, "old@example.fr", "candidate")
    with store_of(client).session() as s:
        user = repository.user_by_email(s, "old@example.fr")
    assert user is not None
    expired = create_token(settings, user, "access", now=datetime.now(UTC) - timedelta(hours=2))
    assert decode_token(settings, expired, "access") is None
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    claims = {"sub": str(user.id), "role": "admin", "typ": "access", "exp": datetime.now(UTC) + timedelta(hours=1)}
    forged = jwt.encode(claims, "another secret, of at least thirty-two bytes", algorithm="HS256")
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    valid = create_token(settings, user, "access")
    with store_of(client).session() as s:
        row = repository.user_by_id(s, user.id)
        assert row is not None
        row.is_active = False
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {valid}"}).status_code == 401


def test_failed_logins_are_limited_per_account(client: TestClient) -> None:
    register(client, "target@example.fr", "candidate")
    for _ in range(3):
        r = client.post("/api/auth/login", data={"username": "target@example.fr", "password": "guess guess"})
        assert r.status_code == 401
    # Even the right password waits now: the account is under attack.
    r = client.post("/api/auth/login", data={"username": "target@example.fr", "password": PASSWORD})
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 61
    # Other accounts are untouched.
    register(client, "bystander@example.fr", "candidate")


def test_login_limiter_per_ip_and_per_account() -> None:
    limiter = LoginLimiter(per_ip="3/minute", per_account="2/minute")
    # Every attempt counts per IP, whatever the account.
    assert [limiter.attempt("10.0.0.1", f"u{i}@x.fr") for i in range(3)] == [None, None, None]
    wait = limiter.attempt("10.0.0.1", "u9@x.fr")
    assert wait is not None and 1 <= wait <= 61
    # Failures count per account, whatever the IP; a success clears them.
    limiter.failed("v@x.fr")
    assert limiter.attempt("10.0.0.2", "v@x.fr") is None
    limiter.succeeded("v@x.fr")
    limiter.failed("v@x.fr")
    assert limiter.attempt("10.0.0.3", "v@x.fr") is None
    limiter.failed("v@x.fr")
    assert limiter.attempt("10.0.0.4", "v@x.fr") is not None


def test_password_and_email_rules() -> None:
    assert password_problem("x" * 7) and password_problem(" " * 12) and password_problem("y" * 129)
    assert password_problem("me@example.fr", "ME@example.fr")
    assert password_problem(PASSWORD, "me@example.fr") is None
    assert valid_email("jean.dupont+jobs@sub.example.fr")
    assert not any(valid_email(e) for e in ("jean", "jean@", "@example.fr", "a@b", "a@@b.fr", "a @b.fr"))


def test_default_secret_is_refused_outside_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_ENV", "production")
    with pytest.raises(ValidationError, match="API_JWT_SECRET"):
        Settings()
    monkeypatch.setenv("API_JWT_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 32"):
        Settings()
    monkeypatch.setenv("API_JWT_SECRET", "s" * 40)
    assert Settings().env == "production"
    monkeypatch.setenv("API_ENV", "local")
    monkeypatch.delenv("API_JWT_SECRET")
    assert Settings().env == "local"  # the fixed dev secret is fine on a laptop


def test_users_create_admin_command(client: TestClient) -> None:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    env = {"DATABASE_URL": settings.database, "JOBMARKET_ADMIN_PASSWORD": PASSWORD}
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "create-admin", "--email", "Ops@Example.fr", "--full-name", "Ops"], env=env)
    assert result.exit_code == 0, result.output
    me = client.get("/api/auth/me", headers=login(client, "ops@example.fr"))
    assert me.json()["role"] == "admin" and me.json()["full_name"] == "Ops"
    again = runner.invoke(cli, ["users", "create-admin", "--email", "ops@example.fr"], env=env)
    assert again.exit_code == 1 and "already exists" in again.output
    weak = runner.invoke(cli, ["users", "create-admin", "--email", "weak@example.fr"],
                         env={**env, "JOBMARKET_ADMIN_PASSWORD": "short"})
    assert weak.exit_code == 2
