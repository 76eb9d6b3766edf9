"""Passwords (Argon2 via pwdlib), JWT access and refresh tokens, login rate limits, and the dependencies
routes use to know who is calling: ``CurrentUser``, ``OptionalUser``, ``require_role(...)``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from api.settings import Settings
from api.store import Store, repository
from api.store.models import User

TokenType = Literal["access", "refresh"]

PASSWORD_MIN = 8
PASSWORD_MAX = 128  # Argon2 takes any length; a cap keeps a hostile 1 MB password from costing more
# A deliberately simple check (no email-validator dependency): one @, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+$")

password_hash = PasswordHash((Argon2Hasher(),))


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so a wrong email costs as long as a wrong password."""
    return password_hash.hash("not-a-real-password")

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def valid_email(email: str) -> bool:
    return len(email) <= 254 and _EMAIL.fullmatch(email) is not None


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN:
        return f"password must have at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"password must have at most {PASSWORD_MAX} characters"
    if not password.strip():
        return "password must not be blank"
    if email and password.strip().lower() == email.strip().lower():
        return "password must not be the email address"
    return None


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        password_hash.verify(password, _dummy_hash())
        return False
    try:
        return password_hash.verify(password, hashed)
    except Exception:  # a malformed stored hash is a failed login, not a 500
        return False


# ------------------------------------------------------------------------------------------ tokens


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    role: str
    type: TokenType


def create_token(settings: Settings, user: User, token_type: TokenType, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    ttl = (timedelta(minutes=settings.access_token_minutes) if token_type == "access"
           else timedelta(days=settings.refresh_token_days))
    claims: dict[str, Any] = {"sub": str(user.id), "role": user.role, "typ": token_type,
                              "iat": now, "exp": now + ttl, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


def decode_token(settings: Settings, token: str, expected: TokenType) -> TokenClaims | None:
    """The token's claims, or None when it is invalid, expired, or of the other type."""
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[settings.jwt_algorithm],
                            options={"require": ["sub", "exp", "typ"]})
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != expected:
        return None
    try:
        return TokenClaims(user_id=int(claims["sub"]), role=str(claims.get("role", "")), type=expected)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------------------- login rate limits


class LoginLimiter:
    """Moving-window limits on login attempts, in memory (one API process owns the index anyway):
    every attempt counts against the client's IP; failed ones against the account."""

    def __init__(self, per_ip: str, per_account: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_ip: RateLimitItem = parse(per_ip)
        self._per_account: RateLimitItem = parse(per_account)

    def _retry_after(self, item: RateLimitItem, *ids: str) -> int:
        reset = self._limiter.get_window_stats(item, *ids).reset_time
        return max(1, int(reset - datetime.now(UTC).timestamp()) + 1)

    def attempt(self, ip: str, account: str) -> int | None:
        """Record an attempt; returns seconds to wait (Retry-After) when over a limit, else None."""
        if not self._limiter.hit(self._per_ip, "login-ip", ip):
            return self._retry_after(self._per_ip, "login-ip", ip)
        if not self._limiter.test(self._per_account, "login-account", account):
            return self._retry_after(self._per_account, "login-account", account)
        return None

    def failed(self, account: str) -> None:
        self._limiter.hit(self._per_account, "login-account", account)

    def succeeded(self, account: str) -> None:
        self._limiter.clear(self._per_account, "login-account", account)


# ------------------------------------------------------------------------------------ dependencies


def _store(request: Request) -> Store:
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        raise HTTPException(503, "the account database is not open yet; retry in a few seconds")
    return store


StoreDep = Annotated[Store, Depends(_store)]

_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


def unauthorized(detail: str = "not signed in, or the token is invalid or expired") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers=_UNAUTHORIZED)


def _optional_user(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> User | None:
    if not token:
        return None
    claims = decode_token(request.app.state.settings, token, "access")
    if claims is None:
        raise unauthorized()
    with _store(request).session() as session:
        user = repository.user_by_id(session, claims.user_id)
    if user is None or not user.is_active:
        raise unauthorized("this account no longer exists or is disabled")
    return user


def _current_user(user: Annotated[User | None, Depends(_optional_user)]) -> User:
    if user is None:
        raise unauthorized()
    return user


OptionalUser = Annotated[User | None, Depends(_optional_user)]
CurrentUser = Annotated[User, Depends(_current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency: the signed-in user when their role is one of ``roles`` (401 anonymous, 403 other)."""

    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this action needs the role {' or '.join(roles)}")
        return user

    return check
