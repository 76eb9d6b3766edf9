"""Alembic environment: always driven programmatically (``api.store.db.migrate``), which hands over an
open connection in ``config.attributes["connection"]``; no alembic.ini is involved."""

from __future__ import annotations

from alembic import context

from api.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through api.store.db.migrate(engine), which passes a connection")

# render_as_batch: SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
