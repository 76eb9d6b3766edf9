"""Fixtures of the producer tests: stand-in servers on free ports, a publisher on the session broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from producers.publisher import OfferPublisher
from tests.producers.standins.common import serve


@pytest.fixture
def start() -> Iterator[Callable[[Any], str]]:
    """``start(standin)`` serves a stand-in's ASGI app for the test; returns its base URL."""
    with ExitStack() as stack:
        yield lambda standin: stack.enter_context(serve(standin.app))


@pytest.fixture(scope="session")
def publisher(kafka_bootstrap: str) -> Iterator[OfferPublisher]:
    """One producer for the in-process tests (a new one costs ~0.5 s to connect and init idempotence)."""
    pub = OfferPublisher(kafka_bootstrap)
    yield pub
    pub.flush()
