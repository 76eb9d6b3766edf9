"""structlog configuration: readable lines in a terminal, JSON lines when LOG_JSON=true.

Both renderers print the traceback of ``log.exception(...)`` (or ``exc_info=...``): JSON as a structured
``exception`` list (type, message, frames), the console as a plain Python traceback without local
variables (they may hold credentials, and a one-column traceback survives ``jobmarket up``'s prefixes).

Correlation: a line about one offer names it under ``ref`` (its source reference, ``{source}:{source_id}``,
the key of raw records and removals: producers and the worker's route stage) and/or ``offer_id`` (the
canonical uuid, the key of enriched records: the worker's merge stage and the API's indexer). Lines that log
a record's ``key`` get the matching correlation field added, so ``grep`` or a log store follows one offer
from its source to the index.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from schemas.events import Source

OFFER_ID = "offer_id"
REF = "ref"
_REF = re.compile(rf"^(?:{'|'.join(re.escape(s.value) for s in Source)}):.+", re.S)


def correlation_fields(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: bytes values read as text, and a record ``key`` that is a canonical id or a source
    ref is repeated as ``offer_id`` or ``ref`` (unless the line set them)."""
    for name, value in event.items():
        if isinstance(value, bytes):
            event[name] = value.decode("utf-8", errors="replace")
    key = event.get("key")
    if isinstance(key, str) and OFFER_ID not in event and REF not in event:
        if _REF.match(key):
            event[REF] = key
        else:
            try:
                canonical = str(uuid.UUID(key))
            except ValueError:
                canonical = None  # another kind of key (a dedup fingerprint): nothing to correlate
            if canonical == key.lower():
                event[OFFER_ID] = canonical
    return event


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
            correlation_fields,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *renderers,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
