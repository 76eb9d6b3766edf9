"""The ``jobmarket`` command: one entry point for every service of the stack."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.users_cli import app as users_app
from core.logging import configure_logging
from core.settings import CommonSettings

app = typer.Typer(help="JobMarket: French job offers → recommendations, analytics and event streams.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
console = Console(stderr=True)
app.add_typer(users_app, name="users")  # jobmarket users create-admin ...


class SourceName(StrEnum):
    sample = "sample"
    france_travail = "france-travail"
    adzuna = "adzuna"


@app.command()
def up(
    sample_count: Annotated[int, typer.Option(help="Sample offers published at start (offline feed).")] = 300,
) -> None:
    """Run the whole stack in the foreground (broker, worker, API, web, warehouse, producer).

    A child that exits is restarted (after 1, 2, 4... up to 30 s); Ctrl-C or SIGTERM stops every child,
    the broker last, within 10 s.
    """
    from jobmarket.stack import run_stack

    raise typer.Exit(run_stack(CommonSettings(), sample_count))


@app.command()
def broker() -> None:
    """Run the embedded Kafka-protocol broker (Tansu, memory only) on BROKER_HOST:BROKER_PORT."""
    from core.broker import tansu_command

    s = CommonSettings()
    if not s.embedded_broker:
        console.print(f"KAFKA_BOOTSTRAP_SERVERS is set ({s.kafka_bootstrap_servers}): no embedded broker needed")
        raise typer.Exit(1)
    cmd = tansu_command(s.broker_host, s.broker_port)
    console.print(f"Tansu broker on {s.broker_host}:{s.broker_port} (memory only)")
    os.execv(cmd[0], cmd)  # replace this process: signals from the process manager reach the broker


@app.command()
def topics() -> None:
    """Create every registered topic that is missing, then list them."""
    from confluent_kafka.admin import AdminClient

    from core.kafka import ensure_topics
    from schemas.topics import TOPICS

    s = CommonSettings()
    created = ensure_topics(s.bootstrap_servers)
    meta = AdminClient({"bootstrap.servers": s.bootstrap_servers}).list_topics(timeout=5).topics
    table = Table("topic", "partitions", "policy", "key", "status")
    for spec in TOPICS.values():
        status = "created" if spec.name in created else "exists"
        table.add_row(spec.name, str(len(meta[spec.name].partitions)), spec.cleanup_policy, spec.key_format, status)
    Console().print(table)


@app.command()
def produce(
    source: Annotated[SourceName, typer.Option(help="Where offers come from.")] = SourceName.sample,
    count: Annotated[int | None, typer.Option(help="Sample: how many offers to publish first.")] = None,
    rate: Annotated[float | None, typer.Option(help="Sample: offers per second (default: unpaced).")] = None,
    since: Annotated[str | None, typer.Option(help="Real sources: backfill from this ISO date.")] = None,
    follow: Annotated[bool, typer.Option(help="Keep polling for new offers.")] = False,
    interval: Annotated[float | None, typer.Option(help="Seconds between polls with --follow.")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Real sources: serve Prometheus /metrics here.")] = None,
) -> None:
    """Publish offers to the raw topic."""
    from core.kafka import ensure_topics
    from producers.checkpoints import CheckpointStore
    from producers.publisher import OfferPublisher
    from producers.sample import publish_sample
    from producers.settings import Settings

    s = Settings()
    configure_logging(s.log_level, s.log_json)
    if source is not SourceName.sample:
        from producers.run import produce as produce_from_source

        raise typer.Exit(produce_from_source(source.value, since=since, follow=follow, interval=interval,
                                             metrics_port=metrics_port, settings=s, console=console))
    ensure_topics(s.bootstrap_servers)
    store = CheckpointStore(s.path("checkpoints", "x").parent)
    publisher = OfferPublisher(s.bootstrap_servers)
    total = publish_sample(publisher, store, count=count if count is not None else s.sample_count,
                           seed=s.sample_seed, rate=rate)
    console.print(f"published {total} sample offers")
    while follow:
        time.sleep(interval if interval is not None else s.follow_interval_s)
        total += publish_sample(publisher, store, count=s.sample_follow_count, seed=s.sample_seed, rate=rate)


@app.command()
def worker() -> None:
    """Run one enrichment worker (faust); start several to split the partitions."""
    from stream_processors.__main__ import run_worker

    sys.argv = [sys.argv[0], "worker"]  # faust parses argv itself
    run_worker()


@app.command()
def transform(
    select: Annotated[str | None, typer.Option(help="dbt node selection (default: everything).")] = None,
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models from scratch.")] = False,
    every: Annotated[float | None, typer.Option(help="Repeat every N seconds (and early after a backfill).")] = None,
) -> None:
    """Run `dbt build` (bronze → silver → gold, with tests) against the configured warehouse."""
    from warehouse.settings import Settings as WarehouseSettings
    from warehouse.transform import run_periodically
    from warehouse.transform import transform as dbt_build

    s = WarehouseSettings()
    configure_logging(s.log_level, s.log_json)
    if every is not None:
        run_periodically(s, interval_s=every)
        return
    result = dbt_build(s, select=select, full_refresh=full_refresh, capture=False)
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def train(
    split: Annotated[str, typer.Option(help="Eval split the results are judged on (only heldout promotes).")]
    = "heldout",
    limit: Annotated[int | None, typer.Option(help="Benchmark on this many offers (deterministic subset).")] = None,
    configs: Annotated[str | None, typer.Option(help="Comma-separated configuration names (default: all).")] = None,
) -> None:
    """Run the relevance benchmark, log every configuration to MLflow, register the best as MatchingPipeline
    and move `champion` only when it beats the champion by more than the noise."""
    from ml.train import train as run_training

    names = [n.strip() for n in configs.split(",") if n.strip()] if configs else None
    try:
        out = Console(width=None if sys.stdout.isatty() else 160)  # piped, the table would wrap at 80 columns
        run_training(split=split, limit=limit, configs=names, console=out)
    except (RuntimeError, ValueError) as exc:
        console.print(f"[red]train failed:[/red] {exc}")
        raise typer.Exit(1) from exc


@app.command("warehouse-sink")
def warehouse_sink() -> None:
    """Consume the raw, removal and enriched topics into the warehouse (WAREHOUSE=duckdb|snowflake)."""
    from warehouse.settings import Settings as WarehouseSettings
    from warehouse.sink import run_sink

    s = WarehouseSettings()
    configure_logging(s.log_level, s.log_json)
    run_sink(s)


@app.command()
def api() -> None:
    """Serve the HTTP API (owns the in-process index and keeps it fresh)."""
    from api.__main__ import run_api

    run_api()


@app.command()
def web() -> None:
    """Serve the candidates' Dash site."""
    from web.__main__ import run_web

    run_web()


@app.command()
def tail(
    topic: Annotated[str, typer.Option(help="Topic name, e.g. jobmarket.offers.enriched.v1.")],
    from_time: Annotated[datetime | None, typer.Option(
        "--from-time", formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        help="Only records written at or after this time (ISO 8601; UTC when no offset is given).")] = None,
    key: Annotated[str | None, typer.Option(help="Only records with this key.")] = None,
    follow: Annotated[bool, typer.Option("--follow", help="Keep waiting for new records (Ctrl-C stops).")] = False,
    max_records: Annotated[int | None, typer.Option("--max", help="Stop after this many records.")] = None,
) -> None:
    """Print a topic's records as JSON lines (value parsed; null for a tombstone), from the start or a time."""
    import json

    from confluent_kafka import KafkaException

    from jobmarket.tail import TailOptions, iter_records

    when = from_time.replace(tzinfo=UTC) if from_time is not None and from_time.tzinfo is None else from_time
    opts = TailOptions(topic=topic, from_time=when, key=key, follow=follow, max_records=max_records)
    try:
        for record in iter_records(CommonSettings().bootstrap_servers, opts):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    except KafkaException as exc:
        console.print(f"[red]tail failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass


@app.command()
def history() -> None:
    """Archive every record of the stack's topics and the groups' offsets (the embedded broker forgets them)."""
    from history.archiver import run_archiver
    from history.settings import Settings as HistorySettings

    s = HistorySettings()
    configure_logging(s.log_level, s.log_json)
    run_archiver(s)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document (for scripts) instead of tables.")]
    = False,
    timeout: Annotated[float, typer.Option(help="Seconds each component may take to answer.")] = 2.0,
) -> None:
    """Consumer lag per partition, freshness p50/p95, dead letters and each component's health.

    Exit code 0 when every component checked is up, 1 otherwise (or when the stack is not running).
    """
    from jobmarket.status import run_status

    raise typer.Exit(run_status(as_json=as_json, timeout_s=timeout))


_TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


@app.command()
def replay(
    topic: Annotated[str, typer.Option(help="Topic to replay, e.g. jobmarket.offers.enriched.v1.")],
    into: Annotated[str, typer.Option(help="index | warehouse | topic:NAME")],
    from_offset: Annotated[int | None, typer.Option(help="Start at this offset in every partition.")] = None,
    from_time: Annotated[datetime | None, typer.Option(formats=_TIME_FORMATS,
                                                       help="Only records written at or after (ISO 8601).")] = None,
    to_time: Annotated[datetime | None, typer.Option(formats=_TIME_FORMATS,
                                                     help="Only records written at or before (ISO 8601).")] = None,
    collection: Annotated[str | None, typer.Option(help="--into index: build this NEW collection, then move the "
                                                        "alias to it atomically.")] = None,
    model: Annotated[str | None, typer.Option(help="--into index: the model of the new collection (a model id, or "
                                                   "'champion'); default: the live collection's.")] = None,
) -> None:
    """Re-process a topic's history (progress bar, then a summary per partition); replaying twice changes nothing.

    `--into index --collection NEW [--model M]` rebuilds the index (and rolls out a model) with zero downtime.
    """
    from confluent_kafka import KafkaException

    from jobmarket.replay import ReplayError, ReplayOptions, run_replay

    s = CommonSettings()
    configure_logging(s.log_level, s.log_json)
    opts = ReplayOptions(topic=topic, into=into, from_offset=from_offset, from_time=from_time, to_time=to_time,
                         collection=collection, model=model)
    try:
        summary = run_replay(s, opts, console)
    except (ReplayError, KafkaException, ValueError) as exc:
        console.print(f"[red]replay failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    Console().print(summary.table())
    for note in summary.notes:
        Console().print(note)
