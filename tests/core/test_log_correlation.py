"""One offer is found in every service's log lines under the same keys: ``ref`` and ``offer_id``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog

from core.logging import configure_logging
from schemas.events import canonical_offer_id


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]


def test_record_keys_become_the_correlation_keys(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    log = structlog.get_logger("t")
    oid = canonical_offer_id("sample", "S1")
    log.info("enrichment failed", key=b"sample:S1", offset=3)        # a raw record's key, as bytes
    log.info("record dead-lettered", key=oid.upper())                 # an enriched record's key
    log.info("fold failed", key="développeur|acme|lyon")              # a dedup fingerprint: neither
    log.info("explicit", key="sample:S2", ref="sample:S9")            # a line's own fields win
    raw, enriched, fingerprint, explicit = lines(capsys)
    assert raw["key"] == "sample:S1" and raw["ref"] == "sample:S1" and "offer_id" not in raw
    assert enriched["offer_id"] == oid and "ref" not in enriched
    assert "ref" not in fingerprint and "offer_id" not in fingerprint
    assert explicit["ref"] == "sample:S9" and "offer_id" not in explicit


def test_console_lines_carry_them_too(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=False)
    structlog.get_logger("t").warning("removal of an offer never seen", key=b"france_travail:123ABC")
    err = capsys.readouterr().err
    assert "ref=france_travail:123ABC" in err and "b'" not in err
