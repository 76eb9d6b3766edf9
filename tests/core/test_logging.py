"""log.exception renders its traceback with both renderers (LOG_JSON=true is what compose sets)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import structlog

from core.logging import configure_logging


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def _fail_with_a_secret_in_scope(log: structlog.typing.FilteringBoundLogger) -> None:
    password = "hunter2-secret"  # a local variable a traceback must not print
    try:
        raise ValueError(f"bad offer (password length {len(password)})")
    except ValueError:
        log.exception("offer rejected", offer_id="o-1")


def test_json_logs_carry_the_traceback_as_data(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    _fail_with_a_secret_in_scope(structlog.get_logger("t"))
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "offer rejected" and record["offer_id"] == "o-1" and record["level"] == "error"
    [exc] = record["exception"]
    assert exc["exc_type"] == "ValueError"
    assert exc["exc_value"] == "bad offer (password length 14)"
    assert exc["frames"][-1]["name"] == "_fail_with_a_secret_in_scope"
    assert "hunter2-secret" not in line


def test_console_logs_print_a_plain_traceback_without_locals(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=False)
    _fail_with_a_secret_in_scope(structlog.get_logger("t"))
    err = capsys.readouterr().err
    assert "offer rejected" in err and "offer_id=o-1" in err
    assert "Traceback (most recent call last):" in err
    assert "in _fail_with_a_secret_in_scope" in err
    assert "ValueError: bad offer (password length 14)" in err
    assert "hunter2-secret" not in err
