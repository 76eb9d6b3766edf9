"""Alembic migrations of the API's relational store (run at API start by ``api.store.db.migrate``)."""
