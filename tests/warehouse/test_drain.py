"""The sink's drain mode (``run(idle_exit_s=…)``, used by tests and benches) exits only once it has read
every assigned partition to its end: an idle pause after the group join is not "drained"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from producers.sample import envelopes
from tests.warehouse.helpers import drain, duckdb_settings, private_broker, publish
from warehouse import open_warehouse


def test_a_drain_with_no_idle_grace_still_reads_everything(tmp_path: Path) -> None:
    raw = envelopes(0, 300, seed=5, now=datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    with private_broker(tmp_path) as bootstrap:
        publish(bootstrap, raw=raw)
        settings = duckdb_settings(tmp_path / "duckdb", bootstrap, batch_size=100)
        # No grace at all: before the catch-up check, the first empty poll after the join ended the drain.
        stats = drain(settings, idle_s=0.0)
        with open_warehouse(settings) as wh:
            stored = wh.count("raw", "raw_offers")
    assert stats.messages == 300
    assert stored == 300
