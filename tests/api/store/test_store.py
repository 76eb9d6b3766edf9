"""The relational store on both backends it supports: SQLite (embedded default) and PostgreSQL.

PostgreSQL runs on this machine (GUIDE §5; ``.ci/run`` starts it): each session works in a schema of its
own, dropped afterwards. Where it is not reachable those cases skip with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from api.store import Store, migrate, open_store, repository
from api.store.db import alembic_config, current_revision, make_engine
from api.store.models import Base

PG_URL = os.environ.get("JOBMARKET_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLES = {"users", "candidate_profiles", "saved_searches", "offer_ownership", "alembic_version"}


def _postgres_reason() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); .ci/run starts it"
    return None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema (search_path) dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'jobmarket.db'}"
        return
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    schema = f"jm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.close()


def test_migrations_build_exactly_the_models(store: Store) -> None:
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    assert current_revision(store.engine) == "0001"
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"migrations and models disagree: {diff}"


def test_migrating_again_is_a_no_op(store: Store) -> None:
    with store.session() as s:
        repository.create_user(s, email="kept@example.fr", password_hash="h", role="candidate")
    migrate(store.engine)
    with store.session() as s:
        assert repository.user_by_email(s, "kept@example.fr") is not None


def test_users_emails_are_unique_case_insensitively(store: Store) -> None:
    with store.session() as s:
        user = repository.create_user(s, email="Alice@Example.fr", password_hash="h1", role="recruiter",
                                      full_name="Alice")
        assert user.id is not None and user.email == "alice@example.fr"
    with store.session() as s:
        with pytest.raises(repository.DuplicateEmail):
            repository.create_user(s, email="ALICE@example.fr", password_hash="h2", role="candidate")
        # The savepoint kept the session usable: the same transaction still writes.
        repository.create_user(s, email="bob@example.fr", password_hash="h3", role="candidate")
    with store.session() as s:
        found = repository.user_by_email(s, " alice@EXAMPLE.fr ")
        assert found is not None and found.password_hash == "h1" and found.role == "recruiter"
        assert repository.user_by_email(s, "bob@example.fr") is not None
        with pytest.raises(ValueError):
            repository.create_user(s, email="x@example.fr", password_hash="h", role="superuser")


def test_profile_put_replaces_everything(store: Store) -> None:
    with store.session() as s:
        uid = repository.create_user(s, email="cand@example.fr", password_hash="h", role="candidate").id
        assert repository.get_profile(s, uid) is None
        repository.put_profile(s, uid, {"desired_title": "Data engineer", "skills": ["Python", "SQL"],
                                        "city": "Lyon", "radius_km": 30.0, "contract_types": ["CDI"]})
    with store.session() as s:
        repository.put_profile(s, uid, {"skills": ["Kafka"], "free_text": "streaming"})
    with store.session() as s:
        p = repository.get_profile(s, uid)
        assert p is not None
        assert (p.desired_title, p.skills, p.city, p.radius_km, p.contract_types, p.free_text) == (
            None, ["Kafka"], None, None, [], "streaming")
        updated = repository.aware(p.updated_at)
        assert updated is not None and updated.tzinfo is not None


def test_saved_searches_belong_to_their_user(store: Store) -> None:
    with store.session() as s:
        a = repository.create_user(s, email="ss-a@example.fr", password_hash="h", role="candidate").id
        b = repository.create_user(s, email="ss-b@example.fr", password_hash="h", role="candidate").id
        first = repository.create_saved_search(s, a, "data Lyon", {"keywords": "data", "city": "Lyon"}).id
        repository.create_saved_search(s, a, "python", {"keywords": "python"})
    with store.session() as s:
        assert [x.name for x in repository.list_saved_searches(s, a)] == ["data Lyon", "python"]
        assert repository.list_saved_searches(s, b) == []
        assert repository.get_saved_search(s, b, first) is None  # someone else's: as if missing
        assert repository.delete_saved_search(s, b, first) is False
        assert repository.delete_saved_search(s, a, first) is True
        assert repository.delete_saved_search(s, a, first) is False
        assert [x.query for x in repository.list_saved_searches(s, a)] == [{"keywords": "python"}]


def test_offer_ownership_lookups_and_deletion(store: Store) -> None:
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    with store.session() as s:
        owner = repository.create_user(s, email="rec@example.fr", password_hash="h", role="recruiter").id
        row = repository.record_offer(s, source_id="abc123", canonical_id=str(uuid.uuid4()), owner_id=owner,
                                      draft={"title": "Cuisinier", "city": "Nantes"}, at=at)
        cid = row.canonical_id
    with store.session() as s:
        by_sid = repository.offer_by_source_id(s, "abc123")
        assert by_sid is not None and by_sid.owner_id == owner and by_sid.draft["city"] == "Nantes"
        assert repository.aware(by_sid.created_at) == at
        assert repository.offer_by_canonical_id(s, cid) is not None
        assert [r.source_id for r in repository.offers_by_source_ids(s, ["abc123", "nope"])] == ["abc123"]
        repository.update_offer(s, by_sid, {"title": "Chef", "city": "Nantes"}, at)
        repository.mark_offer_deleted(s, by_sid, at)
    with store.session() as s:
        again = repository.offer_by_canonical_id(s, cid)
        assert again is not None and again.draft["title"] == "Chef" and again.deleted_at is not None
    with pytest.raises(IntegrityError), store.session() as s:  # an owner must exist
        repository.record_offer(s, source_id="orphan", canonical_id=str(uuid.uuid4()), owner_id=10**6,
                                draft={}, at=at)


def test_downgrade_then_upgrade(tmp_path: Path) -> None:
    """The migration is reversible (SQLite only: enough to check the script's downgrade path)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_default_database_is_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    from api.settings import Settings

    s = Settings.model_validate({"JOBMARKET_DATA_DIR": tmp_path})
    assert s.database == f"sqlite:///{(tmp_path / 'jobmarket.db').resolve()}"
    assert Settings.model_validate({"JOBMARKET_DATA_DIR": tmp_path, "DATABASE_URL": "postgresql+psycopg://x/y"}
                                   ).database == "postgresql+psycopg://x/y"
