"""structlog configuration: readable lines in a terminal, JSON lines when LOG_JSON=true.

Both renderers print the traceback of ``log.exception(...)`` (or ``exc_info=...``): JSON as a structured
``exception`` list (type, message, frames), the console as a plain Python traceback without local
variables (they may hold credentials, and a one-column traceback survives ``jobmarket up``'s prefixes).
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.tracebacks import ExceptionDictTransformer


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    # httpx logs every request at INFO: background health probes would drown the services' own lines.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    # JSONRenderer serialises ``exc_info`` as a bare ``true``: the traceback must be turned into data first
    # (structlog's dict_tracebacks, less the local variables it would include).
    tracebacks = structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    renderers: list[structlog.types.Processor] = (
        [tracebacks, structlog.processors.JSONRenderer()] if json
        else [structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *renderers,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
