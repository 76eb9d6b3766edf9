"""``python -m api`` (or ``jobmarket api``)."""

from __future__ import annotations

import structlog
import uvicorn

from api.main import create_app
from api.settings import Settings
from core.logging import configure_logging
from core.profiling import start_from_env
from ml.embedding import Embedder
from vector_index.base import VectorIndex

log = structlog.get_logger(__name__)

EXIT_STARTUP_FAILED = 3  # what uvicorn.run exits with when the app cannot start
EXIT_UNRECOVERABLE = 75  # EX_TEMPFAIL: the app gave up (the indexer); a supervisor should restart it


def run_api(settings: Settings | None = None, *, embedder: Embedder | None = None,
            index: VectorIndex | None = None) -> None:
    """Serve until stopped. Raises ``SystemExit`` with a non-zero code when the app cannot start or
    gives up (so ``jobmarket api`` and ``python -m api`` exit with it); returns on a normal stop."""
    s = settings or Settings()
    configure_logging(s.log_level, s.log_json)
    start_from_env("api")
    fatal: list[str] = []

    def on_fatal(reason: str) -> None:  # called from the indexer thread
        fatal.append(reason)
        server.should_exit = True  # uvicorn's own graceful shutdown, as on SIGTERM

    app = create_app(s, embedder=embedder, index=index, on_fatal=on_fatal)
    server = uvicorn.Server(uvicorn.Config(app, host=s.host, port=s.port, log_level=s.log_level.lower()))
    server.run()
    if fatal:
        log.error("api stopped: cannot recover", reason=fatal[0], exit_code=EXIT_UNRECOVERABLE)
        raise SystemExit(EXIT_UNRECOVERABLE)
    if not server.started:
        raise SystemExit(EXIT_STARTUP_FAILED)


if __name__ == "__main__":
    run_api()
