"""The API's relational store: accounts, candidate profiles, saved searches, offer ownership."""

from api.store import repository
from api.store.db import Store, migrate, open_store

__all__ = ["Store", "migrate", "open_store", "repository"]
