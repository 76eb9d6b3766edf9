"""Queries of the relational store, as plain functions over a ``Session`` (the caller owns the transaction)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.store.models import ROLES, CandidateProfile, OfferOwnership, SavedSearch, User, now_utc


class DuplicateEmail(ValueError):
    pass


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything the store writes is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def normalise_email(email: str) -> str:
    return email.strip().lower()


# ------------------------------------------------------------------------------------------- users


def create_user(session: Session, *, email: str, password_hash: str, role: str, full_name: str = "") -> User:
    """Raises ``DuplicateEmail`` when the (case-insensitive) email is taken."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    user = User(email=normalise_email(email), password_hash=password_hash, role=role, full_name=full_name,
                is_active=True, created_at=now_utc())
    try:
        with session.begin_nested():  # a savepoint: the caller's transaction survives the conflict
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise DuplicateEmail(email) from exc
    return user


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def set_password(session: Session, user: User, password_hash: str) -> None:
    user.password_hash = password_hash
    session.flush()


def count_users(session: Session, role: str | None = None) -> int:
    query = select(func.count()).select_from(User)
    if role is not None:
        query = query.where(User.role == role)
    return int(session.scalar(query) or 0)


# ---------------------------------------------------------------------------------------- profiles

PROFILE_FIELDS = ("desired_title", "skills", "city", "radius_km", "contract_types", "seniority",
                  "salary_expectation", "free_text")


def get_profile(session: Session, user_id: int) -> CandidateProfile | None:
    return session.get(CandidateProfile, user_id)


def put_profile(session: Session, user_id: int, fields: dict[str, Any]) -> CandidateProfile:
    """Replace the user's profile with ``fields`` (missing keys reset to empty)."""
    profile = session.get(CandidateProfile, user_id) or CandidateProfile(user_id=user_id)
    for name in PROFILE_FIELDS:
        default: Any = [] if name in ("skills", "contract_types") else None
        setattr(profile, name, fields.get(name, default))
    profile.updated_at = now_utc()
    session.add(profile)
    session.flush()
    return profile


# ---------------------------------------------------------------------------------- saved searches


def list_saved_searches(session: Session, user_id: int) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.user_id == user_id).order_by(SavedSearch.id)))


def create_saved_search(session: Session, user_id: int, name: str, query: dict[str, Any]) -> SavedSearch:
    saved = SavedSearch(user_id=user_id, name=name, query=query, created_at=now_utc())
    session.add(saved)
    session.flush()
    return saved


def get_saved_search(session: Session, user_id: int, search_id: int) -> SavedSearch | None:
    """Only the user's own: someone else's search is indistinguishable from a missing one."""
    saved = session.get(SavedSearch, search_id)
    return saved if saved is not None and saved.user_id == user_id else None


def delete_saved_search(session: Session, user_id: int, search_id: int) -> bool:
    saved = get_saved_search(session, user_id, search_id)
    if saved is None:
        return False
    session.delete(saved)
    session.flush()
    return True


# ------------------------------------------------------------------------------- offer ownership


def record_offer(session: Session, *, source_id: str, canonical_id: str, owner_id: int,
                 draft: dict[str, Any], at: datetime) -> OfferOwnership:
    row = OfferOwnership(source_id=source_id, canonical_id=canonical_id, owner_id=owner_id, draft=draft,
                         created_at=at, updated_at=at)
    session.add(row)
    session.flush()
    return row


def offer_by_source_id(session: Session, source_id: str) -> OfferOwnership | None:
    return session.get(OfferOwnership, source_id)


def offer_by_canonical_id(session: Session, canonical_id: str) -> OfferOwnership | None:
    return session.scalar(select(OfferOwnership).where(OfferOwnership.canonical_id == canonical_id))


def offers_by_source_ids(session: Session, source_ids: list[str]) -> list[OfferOwnership]:
    if not source_ids:
        return []
    return list(session.scalars(select(OfferOwnership).where(OfferOwnership.source_id.in_(source_ids))))


def update_offer(session: Session, row: OfferOwnership, draft: dict[str, Any], at: datetime) -> None:
    row.draft = draft
    row.updated_at = at
    session.flush()


def mark_offer_deleted(session: Session, row: OfferOwnership, at: datetime) -> None:
    row.deleted_at = at
    row.updated_at = at
    session.flush()
