"""Warehouse write throughput: the sink's bulk path (one bound JSON array + staging + MERGE) on DuckDB and on
Snowflake through the fakesnow server, plus a replay of the same batches (all no-ops).

    PYTHONPATH=. .venv/bin/python bench/warehouse_sink.py [--rows 10000] [--batch 2000]

Reads no broker: it builds the batches the sink would build from Kafka messages.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from schemas.events import Offer, RawOfferEnvelope, Source, canonical_offer_id
from warehouse import open_warehouse
from warehouse.base import Batch, EnrichedOfferRow, KafkaRef, RawOfferRow
from warehouse.settings import Backend, Settings
from warehouse.sink import record_hash


def batches(rows: int, size: int) -> list[Batch]:
    now = datetime(2025, 4, 20, tzinfo=UTC)
    version = int(now.timestamp() * 1_000_000)  # as the merge stage stamps them (event time in µs)
    out: list[Batch] = []
    for start in range(0, rows, size):
        batch = Batch()
        for i in range(start, min(rows, start + size)):
            payload: dict[str, Any] = {"id": str(i), "title": f"Data engineer {i}", "description": "x" * 1500,
                       "location": {"area": ["France", "Bretagne", "Ille-et-Vilaine", "Rennes"]}}
            env = RawOfferEnvelope(source=Source.ADZUNA, source_id=str(i), fetched_at=now, payload=payload)
            ref = KafkaRef("jobmarket.offers.raw.v1", i % 4, i, env.key, now)
            batch.raw_offers.append(RawOfferRow(f"{env.key}@{now.isoformat()}", "adzuna", str(i), 1, now, payload,
                                                True, ref))
            offer = Offer(id=canonical_offer_id("adzuna", str(i)), source=Source.ADZUNA, source_id=str(i),
                          source_refs=[env.key], title=f"Data engineer {i}", description="x" * 1500,
                          skills=["Python", "SQL"], fetched_at=now, enriched_at=now + timedelta(seconds=1),
                          version=version)
            record = offer.model_dump(mode="json", exclude={"embedding"})
            batch.offers.append(EnrichedOfferRow(offer.id, record, record_hash(record), False, None,
                                                 KafkaRef("jobmarket.offers.enriched.v1", i % 4, i, offer.id, now),
                                                 version=version))
        out.append(batch)
    return out


def measure(settings: Settings, work: list[Batch]) -> tuple[float, float]:
    with open_warehouse(settings) as wh:
        wh.setup()
        t0 = time.perf_counter()
        for b in work:
            wh.write(b)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        for b in work:
            assert wh.write(b).total == 0
        replay = time.perf_counter() - t0
    return first, replay


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=2_000)
    args = parser.parse_args()
    work = batches(args.rows, args.batch)
    events = 2 * args.rows  # one raw + one canonical row per offer
    tmp = Path(tempfile.mkdtemp(prefix="bench-wh-"))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).parent / "fakesnow"), "-s", "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        results = {
            "duckdb": measure(Settings(data_dir=tmp, backend=Backend.DUCKDB), work),
            "snowflake (fakesnow)": measure(Settings(data_dir=tmp, backend=Backend.SNOWFLAKE,
                                                     snowflake_account="fakesnow", snowflake_user="u",
                                                     snowflake_password=SecretStr("p"), snowflake_host="127.0.0.1",
                                                     snowflake_port=port, snowflake_protocol="http",
                                                     snowflake_database="BENCH"), work),
        }
    finally:
        server.terminate()
        server.wait(10)
    print(f"{args.rows} offers (~1.5 KB payload each) = {events} rows, batches of {args.batch}")
    print(f"{'backend':<22}{'write s':>9}{'rows/s':>10}{'replay s':>10}{'rows/s':>10}")
    for name, (first, replay) in results.items():
        print(f"{name:<22}{first:>9.2f}{events / first:>10.0f}{replay:>10.2f}{events / replay:>10.0f}")


if __name__ == "__main__":
    main()
