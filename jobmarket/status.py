"""`jobmarket status`: lag, freshness, dead letters and each component's health, from the stack's own numbers.

Every figure comes from where the services publish it, never from a second bookkeeping:
- consumer lag per group/topic/partition and the dead-letter topic's size: the broker itself (committed
  offsets vs watermarks, ``stream_processors.metrics.BrokerReader``);
- freshness (publish → indexed) p50/p95: estimated from the API's ``jobmarket_offer_freshness_seconds``
  histogram buckets, as Prometheus' ``histogram_quantile`` would;
- health: the API's ``/health`` and ``/ready``, the worker's ``/metrics``, MLflow's ``/health``, the web
  site, and a broker metadata request.

The pure parts (quantiles from buckets, health, rendering) take and return plain dicts: ``--json``
prints the same snapshot the table is drawn from.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console, Group
from rich.table import Table

Snapshot = dict[str, Any]
Samples = list[tuple[str, dict[str, str], float]]  # (sample name, labels, value)

FRESHNESS_METRIC = "jobmarket_offer_freshness_seconds"


# -- pure: metrics text → figures ---------------------------------------------------------------------------


def parse_samples(text: str) -> Samples:
    return [(s.name, dict(s.labels), float(s.value))
            for family in text_string_to_metric_families(text) for s in family.samples]


def sample_sum(samples: Samples, name: str, **labels: str) -> float | None:
    """Sum of the samples called ``name`` whose labels include ``labels``; None when there is none."""
    values = [v for n, lab, v in samples if n == name and all(lab.get(k) == x for k, x in labels.items())]
    return sum(values) if values else None


def histogram_buckets(samples: Samples, metric: str) -> list[tuple[float, float]]:
    """(upper bound, cumulative count) of a histogram without other labels, sorted by bound."""
    return sorted((float(lab["le"]), v) for n, lab, v in samples if n == f"{metric}_bucket" and "le" in lab)


def histogram_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float | None:
    """The ``q``-quantile estimated from cumulative buckets (Prometheus' ``histogram_quantile``): linear
    within the bucket that holds the rank; in the +Inf bucket, the highest finite bound. None: no data."""
    if not buckets or not math.isinf(buckets[-1][0]):
        return None
    total = buckets[-1][1]
    if total <= 0:
        return None
    rank = q * total
    i = next(i for i, (_, count) in enumerate(buckets) if count >= rank)
    bound, count = buckets[i]
    if math.isinf(bound):
        return buckets[i - 1][0] if i > 0 else None
    low_bound, low_count = (0.0, 0.0) if i == 0 else buckets[i - 1]
    if count <= low_count:
        return bound
    return low_bound + (bound - low_bound) * (rank - low_count) / (count - low_count)


def freshness(samples: Samples) -> dict[str, float | None] | None:
    buckets = histogram_buckets(samples, FRESHNESS_METRIC)
    if not buckets:
        return None
    return {"count": buckets[-1][1], "p50_s": histogram_quantile(0.5, buckets),
            "p95_s": histogram_quantile(0.95, buckets)}


def worker_figures(samples: Samples) -> dict[str, Any]:
    return {
        "processed": {st: sample_sum(samples, "jobmarket_worker_records_processed_total", stage=st)
                      for st in ("route", "merge")},
        "dead_letters": {st: sample_sum(samples, "jobmarket_worker_dead_letters_total", stage=st)
                         for st in ("route", "merge")},
        "embedded": sample_sum(samples, "jobmarket_worker_offers_embedded_total"),
    }


def healthy(snapshot: Snapshot) -> bool:
    """Running, and every component that was checked is up (``ok`` None: not checked, e.g. turned off)."""
    return bool(snapshot.get("running")) and all(
        c.get("ok") is not False for c in snapshot.get("components", {}).values())


def lag_by_group(lags: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for p in lags:
        totals[p["group"]] = totals.get(p["group"], 0) + int(p["lag"])
    return totals


# -- pure: snapshot → table ----------------------------------------------------------------------------------


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.2f}{unit}" if unit else f"{value:g}"


def _state(ok: bool | None) -> str:
    return {True: "[green]up[/green]", False: "[red]DOWN[/red]", None: "[dim]–[/dim]"}[ok]


def render(snapshot: Snapshot) -> Group:
    """The snapshot as rich tables: components, consumer lag (per partition), pipeline figures."""
    components = Table("component", "state", "detail", title="Components", title_justify="left")
    for name, c in snapshot.get("components", {}).items():
        components.add_row(name, _state(c.get("ok")), str(c.get("detail", "")))
    lag = Table(title="Consumer lag", title_justify="left")
    for column in ("group", "topic"):  # names are what an operator greps for: folded, never cut with "…"
        lag.add_column(column, overflow="fold")
    lag.add_column("lag", justify="right")
    lag.add_column("per partition (committed/end)")
    rows: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for p in snapshot.get("lag") or []:
        rows.setdefault((p["group"], p["topic"]), []).append(p)
    for (group, topic), parts in rows.items():
        total = sum(int(p["lag"]) for p in parts)
        detail = " ".join(f"{p['partition']}:{'–' if p['committed'] is None else p['committed']}/{p['end']}"
                          for p in parts)
        lag.add_row(group, topic, f"[yellow]{total}[/yellow]" if total else "0", detail)
    if not rows:
        lag.add_row("–", "–", "–", snapshot.get("lag_error") or "no consumer group has committed yet")
    figures = Table("figure", "value", title="Pipeline", title_justify="left")
    fresh = snapshot.get("freshness")
    figures.add_row("freshness publish → indexed",
                    "no offer indexed since the API started" if not fresh or not fresh["count"] else
                    f"p50 {_num(fresh['p50_s'], ' s')}, p95 {_num(fresh['p95_s'], ' s')} "
                    f"({fresh['count']:g} offers)")
    dead = snapshot.get("dead_letters") or {}
    worker_dead = dead.get("worker") or {}
    figures.add_row("dead letters (topic)", _num(dead.get("topic")))
    figures.add_row("dead letters since start", f"route {_num(worker_dead.get('route'))}, merge "
                    f"{_num(worker_dead.get('merge'))}, index {_num(dead.get('index'))}")
    worker = snapshot.get("worker") or {}
    processed = worker.get("processed") or {}
    figures.add_row("worker records processed", f"route {_num(processed.get('route'))}, merge "
                    f"{_num(processed.get('merge'))}, embedded {_num(worker.get('embedded'))}")
    return Group(components, lag, figures)


def not_running_message(snapshot: Snapshot) -> str:
    c = snapshot.get("components", {})
    return (f"The stack is not running: no broker at {c.get('broker', {}).get('url', '?')} and no API at "
            f"{c.get('api', {}).get('url', '?')}. Start it with `jobmarket up`.")


# -- plumbing: ask each component -------------------------------------------------------------------------


def _local(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # a wildcard bind is reached on loopback


def _http(url: str, timeout_s: float) -> httpx.Response | str:
    """The response, or why there is none (connection refused, timeout...)."""
    try:
        return httpx.get(url, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__})"


def _endpoint_check(url: str, timeout_s: float, detail: Callable[[httpx.Response], str] | None = None
                    ) -> dict[str, Any]:
    resp = _http(url, timeout_s)
    if isinstance(resp, str):
        return {"ok": False, "url": url, "detail": resp}
    ok = resp.status_code == 200
    text = detail(resp) if detail is not None else ""
    return {"ok": ok, "url": url, "detail": text or f"HTTP {resp.status_code}"}


def _failing(body_key: str) -> Callable[[httpx.Response], str]:
    """Detail of a /health or /ready answer: its status and which of its checks are down."""
    def detail(resp: httpx.Response) -> str:
        try:
            body = resp.json()
        except ValueError:
            return f"HTTP {resp.status_code}"
        down = sorted(k for k, v in (body.get(body_key) or {}).items() if v.get("ok") is False)
        return f"{body.get('status', resp.status_code)}" + (f" (down: {', '.join(down)})" if down else "")
    return detail


def collect(timeout_s: float = 2.0) -> Snapshot:
    """Ask every component of the stack, in parallel; a component that does not answer is reported down."""
    from api.settings import Settings as ApiSettings
    from ml.tracking import TrackingSettings
    from schemas.topics import DEAD_LETTERS
    from stream_processors.metrics import BrokerReader
    from stream_processors.settings import Settings as WorkerSettings
    from web.settings import Settings as WebSettings

    api_s, worker_s, web_s, tracking = ApiSettings(), WorkerSettings(), WebSettings(), TrackingSettings()
    api_url = f"http://{_local(api_s.host)}:{api_s.port}"
    worker_url = f"http://127.0.0.1:{worker_s.metrics_port}/metrics"
    bootstrap = api_s.bootstrap_servers

    def broker() -> dict[str, Any]:
        from confluent_kafka.admin import AdminClient

        try:
            topics = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=timeout_s).topics
        except Exception as exc:
            return {"ok": False, "url": bootstrap, "detail": f"unreachable ({type(exc).__name__})"}
        return {"ok": True, "url": bootstrap, "detail": f"{len(topics)} topics"}

    def mlflow() -> dict[str, Any]:
        uri = tracking.tracking_uri.rstrip("/")
        if not uri.startswith(("http://", "https://")):
            return {"ok": None, "url": uri, "detail": "a local store, no server to check"}
        return _endpoint_check(f"{uri}/health", timeout_s)

    checks: dict[str, Callable[[], Any]] = {
        "broker": broker,
        "api": lambda: _endpoint_check(f"{api_url}/health", timeout_s, _failing("dependencies")),
        "api-ready": lambda: _endpoint_check(f"{api_url}/ready", timeout_s, _failing("checks")),
        "worker": (lambda: _endpoint_check(worker_url, timeout_s, lambda r: "metrics served"))
        if worker_s.metrics_port > 0 else (lambda: {"ok": None, "url": None, "detail": "metrics off"}),
        "mlflow": mlflow,
        "web": lambda: _endpoint_check(f"http://{_local(web_s.host)}:{web_s.port}/", timeout_s,
                                       lambda r: "serving"),
        "api-metrics": lambda: _http(f"{api_url}/metrics", timeout_s),
        "worker-metrics": lambda: _http(worker_url, timeout_s) if worker_s.metrics_port > 0 else "off",
    }
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        futures = {name: pool.submit(fn) for name, fn in checks.items()}
        results = {name: f.result() for name, f in futures.items()}
    api_metrics, worker_metrics = results.pop("api-metrics"), results.pop("worker-metrics")
    api_samples = parse_samples(api_metrics.text) if isinstance(api_metrics, httpx.Response) and \
        api_metrics.status_code == 200 else []
    worker_samples = parse_samples(worker_metrics.text) if isinstance(worker_metrics, httpx.Response) and \
        worker_metrics.status_code == 200 else []
    snapshot: Snapshot = {
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "running": bool(results["broker"]["ok"] or results["api"]["ok"]),
        "components": results,
        "lag": [], "lag_by_group": {},
        "dead_letters": {"topic": None,
                         "worker": worker_figures(worker_samples)["dead_letters"] if worker_samples else None,
                         "index": sample_sum(api_samples, "jobmarket_indexer_dead_lettered_total")},
        "freshness": freshness(api_samples),
        "worker": worker_figures(worker_samples) if worker_samples else None,
    }
    if results["broker"]["ok"]:
        reader = BrokerReader(bootstrap, timeout_s)
        try:
            snapshot["lag"] = [asdict(p) for p in reader.lags()]
            snapshot["lag_by_group"] = lag_by_group(snapshot["lag"])
            snapshot["dead_letters"]["topic"] = reader.record_count(DEAD_LETTERS.name)
        except Exception as exc:  # the broker went away between the two calls, or timed out
            snapshot["lag_error"] = f"lag unavailable ({type(exc).__name__}: {exc})"[:300]
        finally:
            reader.close()
    snapshot["healthy"] = healthy(snapshot)
    return snapshot


def run_status(as_json: bool = False, timeout_s: float = 2.0, console: Console | None = None) -> int:
    """Print the snapshot (a table, or JSON); 0 when everything checked is healthy, 1 otherwise."""
    snapshot = collect(timeout_s)
    if not snapshot["running"]:
        snapshot["message"] = not_running_message(snapshot)
    out = console or Console()
    if as_json:  # plain JSON, one document, whatever the terminal: scripts parse it
        sys.stdout.write(json.dumps(snapshot, ensure_ascii=False) + "\n")
    elif not snapshot["running"]:
        out.print(f"[red]{not_running_message(snapshot)}[/red]")
    else:
        out.print(render(snapshot))
    return 0 if snapshot["healthy"] else 1
