"""Freshness benchmark: how fast offers go from the raw topic to ``GET /api/offres/{id}``.

Starts an embedded stack (Tansu broker, one worker, the API) in a temporary data dir, or targets a
running one (``--bootstrap`` and ``--api-url``), then:

1. measures the bare model's encode throughput on the same offer texts (the ceiling), in this
   process;
2. throughput: publishes ``--burst`` offers at once (default: about ``BURST_S`` seconds of the bare
   model's work, so that the pipeline's fixed latency of ~1 s does not pass for a low rate) and times
   until the last is searchable; repeated
   ``--rounds`` times, each round compared with the mean of the bare rates measured just before and
   after it (the median round is reported). ``sustained`` counts from the publish, so it includes the
   pipeline's fixed latency (~1 s, a growing share as the model gets faster); ``steady`` counts from
   the first offer searchable to the last, i.e. the rate once the pipeline is full;
3. latency: publishes at ``--rate`` offers/s (default: half the bare encode rate) for ``--seconds``
   and records each offer's publish→searchable latency.

Prints one JSON line. Run: ``.venv/bin/python -m bench.freshness``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import psutil

from core.broker import start_tansu
from core.kafka import ensure_topics
from ml.embedding import Embedder
from ml.serving import default_encoder
from producers.publisher import OfferPublisher
from producers.sample import envelopes as sample_envelopes
from schemas.events import RawOfferEnvelope
from stream_processors.enrichment import enrich

REPO = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def envelopes(start: int, count: int) -> list[RawOfferEnvelope]:
    return sample_envelopes(start, count, seed=11, now=datetime.now(UTC))


THROUGHPUT_SWEEP_S = 0.25
# A "sustained" rate needs a window long against the pipeline's fixed latency (~1 s publish -> searchable):
# a 300-offer burst is one second of a 300 docs/s model, and would read as half the rate whatever the
# pipeline did.
BURST_S = 10.0


def bare_encode_rate(embedder: Embedder, texts: list[str]) -> tuple[float, float]:
    """(docs/s, CPU ms per doc) of the bare model on ``texts``."""
    embedder.encode(texts[:32])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - t0), (time.process_time() - c0) * 1000 / len(texts)


class CpuMeter:
    """CPU seconds (user + system, all threads) each stack process spends: unlike wall time, CPU per
    offer barely moves when something else loads the machine, so it compares code versions fairly."""

    def __init__(self, procs: dict[str, int]) -> None:
        self._procs = {name: psutil.Process(pid) for name, pid in procs.items()}
        self.totals: dict[str, float] = dict.fromkeys(self._procs, 0.0)
        self._start: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        out = {}
        for name, proc in self._procs.items():
            t = proc.cpu_times()
            out[name] = t.user + t.system
        return out

    def __enter__(self) -> CpuMeter:
        self._start = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        for name, value in self._now().items():
            self.totals[name] += value - self._start[name]


class Watcher:
    """Polls the API for pending offers (by source reference) and records when each becomes searchable.

    The measurement must not starve the pipeline it measures of CPU on a 2-core machine, so polling
    is paced: ``sweep_s`` between sweeps, ids younger than ``min_age_s`` skipped, and a sweep walks the
    pending ids in publish order and stops after ``max_misses`` not yet searchable (offers become
    searchable roughly in publish order, so the rest would be misses too). A request per pending id
    per sweep would cost the API and this process more CPU than the pipeline itself. An offer that
    overtakes a slower predecessor is therefore seen up to a sweep late: latencies are resolved to
    about ``sweep_s`` and never under-reported.
    """

    def __init__(self, api_url: str, sweep_s: float = 0.1, min_age_s: float = 0.2, max_misses: int = 3) -> None:
        self._client = httpx.Client(base_url=api_url, timeout=5)
        self._sweep_s = sweep_s
        self._min_age_s = min_age_s
        self._max_misses = max_misses
        self.requests = 0
        self._pending: dict[str, float] = {}
        self._lock = threading.Lock()
        self.latencies: dict[str, float] = {}
        self.seen_at: dict[str, float] = {}
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def add(self, ref: str, published_at: float) -> None:
        with self._lock:
            self._pending[ref] = published_at

    def _run(self) -> None:
        while not self._stop.is_set():
            time.sleep(self._sweep_s)
            with self._lock:
                pending = list(self._pending.items())
            now = time.monotonic()
            misses = 0
            for ref, t_pub in pending:  # dicts keep insertion (= publish) order
                if now - t_pub < self._min_age_s or misses >= self._max_misses:
                    break
                self.requests += 1
                try:
                    found = self._client.get(f"/api/offres/{ref}").status_code == 200
                except httpx.HTTPError as exc:  # a slow or busy API: count it, try again next sweep
                    self.errors.append(repr(exc))
                    continue
                if not found:
                    misses += 1
                else:
                    seen = time.monotonic()
                    with self._lock:
                        self._pending.pop(ref, None)
                    self.latencies[ref] = seen - t_pub
                    self.seen_at[ref] = seen

    @property
    def pending(self) -> list[str]:
        with self._lock:
            return list(self._pending)

    def wait_all(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def publish(publisher: OfferPublisher, batch: list[RawOfferEnvelope], watcher: Watcher, rate: float | None) -> None:
    interval = 1.0 / rate if rate else 0.0
    t_next = time.monotonic()
    for env in batch:
        if interval:
            t_next += interval
            delay = t_next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        publisher.publish(env)
        watcher.add(env.key, time.monotonic())
    publisher.flush()


def start_stack(stack: ExitStack, workers: int, worker_threads: int | None = None,
                ) -> tuple[str, str, dict[str, int]]:
    data = Path(tempfile.mkdtemp(prefix="jobmarket-bench-"))
    port, api_port = _free_port(), _free_port()
    broker = start_tansu("127.0.0.1", port, data / "tansu.log")
    stack.callback(broker.terminate)
    pids = {"broker": broker.pid}
    bootstrap = f"127.0.0.1:{port}"
    ensure_topics(bootstrap)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "JOBMARKET_DATA_DIR": str(data),
           "API_PORT": str(api_port), "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    names = ["api"] + ["worker"] * workers
    # Workers share the cores: each gets its share of model threads unless told otherwise.
    threads = worker_threads or max(1, (os.cpu_count() or 2) // workers)
    for i, name in enumerate(names):
        log = open(data / f"{name}-{i}.log", "wb")  # noqa: SIM115 - closed by the ExitStack
        stack.callback(log.close)
        proc_env = {**env, "EMBEDDING_THREADS": str(threads)} if name == "worker" else env
        proc = subprocess.Popen([sys.executable, "-m", "jobmarket", name], cwd=REPO, env=proc_env, stdout=log,
                                stderr=subprocess.STDOUT)
        pids[name if name == "api" else f"worker-{i}"] = proc.pid
        stack.callback(proc.wait, 20)
        stack.callback(proc.terminate)
    api_url = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        raise SystemExit(f"stack did not become healthy; logs in {data}")
    # Every worker warm (model loaded): otherwise the first burst measures model loading and rebalances.
    worker_logs = [data / f"worker-{i}.log" for i in range(1, workers + 1)]
    while not all("embedding model ready" in p.read_text(errors="replace") for p in worker_logs):
        if time.monotonic() > deadline:
            raise SystemExit(f"workers did not load their model; logs in {data}")
        time.sleep(0.5)
    return bootstrap, api_url, pids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bootstrap", help="target a running stack's broker (with --api-url)")
    ap.add_argument("--api-url")
    ap.add_argument("--burst", type=int,
                    help=f"offers published at once per throughput round (default: {BURST_S:.0f} s of bare encoding)")
    ap.add_argument("--rounds", type=int, default=3, help="throughput rounds, each between two bare measurements")
    ap.add_argument("--rate", type=float, help="offers/s for the latency phase (default: half the bare rate)")
    ap.add_argument("--seconds", type=float, default=20, help="duration of the latency phase")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--worker-threads", type=int, help="model threads per worker (default: cores / workers)")
    args = ap.parse_args()

    with ExitStack() as stack:
        pids: dict[str, int] = {}
        if args.bootstrap and args.api_url:
            bootstrap, api_url = args.bootstrap, args.api_url
        else:
            bootstrap, api_url, pids = start_stack(stack, args.workers, args.worker_threads)
        # This process too: its publisher and its pollers share the 2 cores with the pipeline it measures.
        meter = CpuMeter({**pids, "bench": os.getpid()})
        next_id = (int(time.time()) % 2_000_000) * 1000  # fresh ids on every run, even against a long-lived stack
        embedder = default_encoder()  # what the worker serves (no registry here: the packaged winner)
        publisher = OfferPublisher(bootstrap)

        # Throughput. This machine's speed drifts by tens of percent within a minute (shared cores), so
        # each round's burst is compared with the bare rate measured just before and just after it,
        # and the median round is reported.
        if args.burst is None:
            probe = [embedder.passage(enrich(e)) for e in envelopes(next_id, 300)]
            args.burst = max(300, round(bare_encode_rate(embedder, probe)[0] * BURST_S))
        first = envelopes(next_id, args.burst)
        texts = [embedder.passage(enrich(e)) for e in first]
        bare_cpu: list[float] = []
        rate0, cpu0 = bare_encode_rate(embedder, texts)
        bares = [rate0]
        bare_cpu.append(cpu0)
        rounds: list[dict[str, float]] = []
        burst_requests = burst_errors = 0
        for i in range(args.rounds):
            burst = first if i == 0 else envelopes(next_id, args.burst)
            next_id += args.burst
            watcher = Watcher(api_url, sweep_s=THROUGHPUT_SWEEP_S, min_age_s=0.0)
            t0 = time.monotonic()
            with meter:
                publish(publisher, burst, watcher, rate=None)
                if not watcher.wait_all(300):
                    raise SystemExit(f"burst offers not all searchable within 300 s: {sorted(watcher.pending)[:10]}")
            seen = sorted(watcher.seen_at.values())
            sustained = len(burst) / (seen[-1] - t0)
            # The same burst without the pipeline's fixed latency (publish -> first searchable, ~0.5-1 s): the
            # rate at which offers keep becoming searchable once the pipeline is full.
            full_rate = (len(seen) - 1) / (seen[-1] - seen[0]) if len(seen) > 1 and seen[-1] > seen[0] else 0.0
            watcher.stop()
            burst_requests += watcher.requests
            burst_errors += len(watcher.errors)
            rate_i, cpu_i = bare_encode_rate(embedder, texts)
            bares.append(rate_i)
            bare_cpu.append(cpu_i)
            bare = (bares[-2] + bares[-1]) / 2
            rounds.append({"bare": round(bare, 1), "sustained": round(sustained, 1),
                           "ratio": round(sustained / bare, 3), "steady": round(full_rate, 1),
                           "steady_ratio": round(full_rate / bare, 3)})
        median = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]

        # Latency at half the bare rate.
        rate = args.rate or float(np.median(bares)) / 2
        watcher = Watcher(api_url)
        steady = envelopes(next_id, max(1, int(rate * args.seconds)))
        publish(publisher, steady, watcher, rate=rate)
        if not watcher.wait_all(120):
            raise SystemExit("steady-rate offers did not all become searchable within 120 s")
        watcher.stop()
        lat = np.array(list(watcher.latencies.values())) * 1000
        print(json.dumps({
            "bench": "freshness", "workers": args.workers, "burst": args.burst, "rounds": rounds,
            "bare_encode_docs_per_s": median["bare"],
            "sustained_offers_per_s": median["sustained"],
            "sustained_vs_bare": median["ratio"],
            "steady_state_vs_bare": sorted(r["steady_ratio"] for r in rounds)[len(rounds) // 2],
            "bare_measurements": [round(b, 1) for b in bares],
            "throughput_resolution_s": THROUGHPUT_SWEEP_S, "latency_resolution_s": 0.1,
            "steady_rate_offers_per_s": round(rate, 1), "steady_count": len(steady),
            "latency_ms": {"p50": round(float(np.percentile(lat, 50)), 1),
                           "p95": round(float(np.percentile(lat, 95)), 1),
                           "p99": round(float(np.percentile(lat, 99)), 1)},
            "poll_requests": {"burst": burst_requests, "steady": watcher.requests},
            "poll_errors": {"burst": burst_errors, "steady": len(watcher.errors)},
            "load_avg_1m": os.getloadavg()[0],
            # CPU per offer during the bursts (all threads, contention-robust): what each process costs,
            # and the bare model's own CPU per offer; worker minus model is the pipeline's overhead.
            "burst_cpu_ms_per_offer": {name: round(total * 1000 / (args.burst * args.rounds), 2)
                                       for name, total in meter.totals.items()},
            "bare_model_cpu_ms_per_offer": round(float(np.median(bare_cpu)), 2),
        }))


if __name__ == "__main__":
    main()
