"""Accounts: register, log in (OAuth2 password flow), refresh, who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.security import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    CurrentUser,
    LoginLimiter,
    OptionalUser,
    StoreDep,
    create_token,
    decode_token,
    hash_password,
    password_problem,
    unauthorized,
    valid_email,
    verify_password,
)
from api.settings import Settings
from api.store import repository
from api.store.models import User

router = APIRouter(prefix="/api/auth", tags=["auth"])


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "email": "camille@example.fr", "password": "correct horse battery", "full_name": "Camille Martin",
        "role": "candidate"}]})

    # The schema states what `valid_email` / `password_problem` accept, so clients and fuzzers know.
    email: str = Field(max_length=254, json_schema_extra={"format": "email"})
    password: str = Field(max_length=1024, json_schema_extra={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX})
    full_name: str = Field(default="", max_length=200)
    role: Literal["candidate", "recruiter", "admin"] = Field(
        default="candidate", description="`admin` only when an admin registers the account.")

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        v = v.strip().lower()
        if not valid_email(v):
            raise ValueError("not a valid email address")
        return v


class UserView(BaseModel):
    id: int
    email: str
    full_name: str
    role: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(id=user.id, email=user.email, full_name=user.full_name, role=user.role,
                   created_at=repository.aware(user.created_at) or user.created_at)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token stays valid.")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(max_length=4096)


def _tokens(settings: Settings, user: User) -> TokenPair:
    return TokenPair(access_token=create_token(settings, user, "access"),
                     refresh_token=create_token(settings, user, "refresh"),
                     expires_in=settings.access_token_minutes * 60)


# OpenAPI links: what a client (and schemathesis' stateful phase) does next with a response.
_BEARER = "Bearer {$response.body#/access_token}"
_REGISTER_LINKS = {"LogIn": {"operationId": "login_api_auth_login_post",
                             "requestBody": {"username": "$response.body#/email",
                                             "password": "$request.body#/password"},
                             "description": "Sign in with the account just created."}}
_LOGIN_LINKS = {
    "WhoAmI": {"operationId": "me_api_auth_me_get", "parameters": {"header.Authorization": _BEARER}},
    "PublishAnOffer": {"operationId": "create_offer_api_offres_post", "parameters": {"header.Authorization": _BEARER},
                       "description": "As a recruiter, publish an offer."},
    "Refresh": {"operationId": "refresh_api_auth_refresh_post",
                "requestBody": {"refresh_token": "$response.body#/refresh_token"}},
}


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=UserView,
             responses={201: {"links": _REGISTER_LINKS}, 403: {"description": "Only an admin may create an admin"},
                        409: {"description": "The email is already registered"}})
def register(body: RegisterRequest, caller: OptionalUser, store: StoreDep) -> UserView:
    """Create a candidate or recruiter account (an admin may also create admins)."""
    if body.role == "admin" and (caller is None or caller.role != "admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin may create an admin account")
    problem = password_problem(body.password, body.email)
    if problem:
        raise HTTPException(422, problem)
    hashed = hash_password(body.password)
    with store.session() as session:
        try:
            user = repository.create_user(session, email=body.email, password_hash=hashed, role=body.role,
                                          full_name=body.full_name.strip())
        except repository.DuplicateEmail:
            raise HTTPException(status.HTTP_409_CONFLICT, "this email is already registered") from None
        return UserView.of(user)


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login", response_model=TokenPair,
             responses={200: {"links": _LOGIN_LINKS}, 401: {"description": "Wrong email or password"},
                        429: {"description": "Too many attempts; see Retry-After"}})
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], store: StoreDep) -> TokenPair:
    """OAuth2 password flow: ``username`` is the email. Returns an access and a refresh token."""
    settings: Settings = request.app.state.settings
    limiter: LoginLimiter = request.app.state.login_limiter
    account = form.username.strip().lower()[:254]
    wait = limiter.attempt(_client_ip(request), account)
    if wait is not None:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many login attempts; retry later",
                            headers={"Retry-After": str(wait)})
    with store.session() as session:
        user = repository.user_by_email(session, account)
    if not verify_password(form.password[:1024], user.password_hash if user else None) or user is None:
        limiter.failed(account)
        raise unauthorized("wrong email or password")
    if not user.is_active:
        raise unauthorized("this account is disabled")
    limiter.succeeded(account)
    return _tokens(settings, user)


@router.post("/refresh", response_model=TokenPair, responses={401: {"description": "Invalid refresh token"}})
def refresh(body: RefreshRequest, request: Request, store: StoreDep) -> TokenPair:
    """A new token pair for a valid refresh token (the role is re-read from the account)."""
    settings: Settings = request.app.state.settings
    claims = decode_token(settings, body.refresh_token, "refresh")
    if claims is None:
        raise unauthorized("invalid or expired refresh token")
    with store.session() as session:
        user = repository.user_by_id(session, claims.user_id)
    if user is None or not user.is_active:
        raise unauthorized("this account no longer exists or is disabled")
    return _tokens(settings, user)


@router.get("/me", response_model=UserView, responses={401: {"description": "Not signed in"}})
def me(user: CurrentUser) -> UserView:
    return UserView.of(user)
