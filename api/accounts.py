"""What the account, profile and offer-write routes need on ``app.state``, opened in the app's lifespan:
the relational store (migrated to head), the login limiter, the offer writer and the pending-writes overlay."""

from __future__ import annotations

import structlog
from fastapi import FastAPI

from api.offer_writer import OfferWriter
from api.pending import PendingWrites
from api.security import LoginLimiter
from api.settings import Settings
from api.store import open_store

log = structlog.get_logger(__name__)


def start_accounts(app: FastAPI, settings: Settings) -> None:
    """Blocking (migrations): run it from a worker thread."""
    store = open_store(settings.database)
    state = app.state
    state.store = store
    state.login_limiter = LoginLimiter(settings.login_limit_per_ip, settings.login_limit_per_account)
    state.offer_writer = OfferWriter(settings.bootstrap_servers, settings.write_publish_timeout_s)
    state.pending_writes = PendingWrites(settings.pending_write_ttl_s, lambda: getattr(state, "index", None),
                                         lambda: getattr(state, "store", None))
    log.info("account store ready", database=store.engine.url.render_as_string(hide_password=True))


def stop_accounts(app: FastAPI) -> None:
    writer: OfferWriter | None = getattr(app.state, "offer_writer", None)
    if writer is not None:
        writer.close()
    store = getattr(app.state, "store", None)
    if store is not None:
        store.close()
        app.state.store = None
