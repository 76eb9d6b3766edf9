"""Acceptance: ``jobmarket produce`` as a real process against the stand-ins serving the real offers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.settings import CommonSettings
from schemas.topics import RAW_OFFERS
from tests.conftest import free_port
from tests.producers.harness import now_ms, read_topic
from tests.producers.standins.adzuna import AdzunaStandIn
from tests.producers.standins.data import adzuna_generated, ft_generated, real_adzuna, real_france_travail
from tests.producers.standins.france_travail import FranceTravailStandIn
from tests.support.services import REPO, wait_until

Start = Callable[[Any], str]


def base_env(tmp_path: Path, bootstrap: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("FRANCE_TRAVAIL_", "ADZUNA_", "PRODUCER_"))}
    return {**keep, "PYTHONUNBUFFERED": "1", "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "JOBMARKET_DATA_DIR": str(tmp_path / "data"), "PRODUCER_HTTP_BACKOFF_INITIAL_S": "0.01",
            "PRODUCER_HTTP_BACKOFF_MAX_S": "0.05"}


def adzuna_env(tmp_path: Path, bootstrap: str, url: str, rps: float = 0) -> dict[str, str]:
    return {**base_env(tmp_path, bootstrap), "ADZUNA_APP_ID": "az-id", "ADZUNA_APP_KEY": "az-key",
            "ADZUNA_API_URL": f"{url}/v1/api", "ADZUNA_REQUESTS_PER_SECOND": str(rps)}


def produce(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jobmarket", "produce", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "jobmarket", "produce", *args], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def test_adzuna_3000_real_offers_published_exactly_once(start: Start, kafka_bootstrap: str, shared_data: Path,
                                                        tmp_path: Path) -> None:
    jobs = real_adzuna(shared_data)
    assert len(jobs) == 3000
    standin = AdzunaStandIn(jobs)
    env = adzuna_env(tmp_path, kafka_bootstrap, start(standin))
    t0 = now_ms()
    done = produce(["--source", "adzuna"], env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "adzuna backfill: 60 pages, 3000 offers fetched, 3000 published" in done.stderr
    assert sorted(standin.pages_served) == list(range(1, 61)) and set(standin.pages_served.values()) == {1}
    ids = {j["id"] for j in jobs}
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source="adzuna", since_ms=t0, expect=ids)
    counts = Counter(r.source_id for r in records)
    assert set(counts) == ids and set(counts.values()) == {1}
    assert "az-key" not in done.stdout + done.stderr  # the key never reaches the logs


def france_travail_env(tmp_path: Path, bootstrap: str, url: str, rps: float = 0) -> dict[str, str]:
    # The real API pages 3150 results deep; this one 40 (pages of 20), so the 70 real offers need splits.
    return {**base_env(tmp_path, bootstrap), "FRANCE_TRAVAIL_CLIENT_ID": "ft-client",
            "FRANCE_TRAVAIL_CLIENT_SECRET": "ft-secret",
            "FRANCE_TRAVAIL_TOKEN_URL": f"{url}/connexion/oauth2/access_token?realm=/partenaire",
            "FRANCE_TRAVAIL_API_URL": f"{url}/partenaire/offresdemploi", "FRANCE_TRAVAIL_REQUESTS_PER_SECOND": str(rps),
            "FRANCE_TRAVAIL_PAGE_SIZE": "20", "FRANCE_TRAVAIL_MAX_RESULTS": "40"}


def test_france_travail_real_offers_with_a_window_split(start: Start, kafka_bootstrap: str, shared_data: Path,
                                                        tmp_path: Path) -> None:
    offers = real_france_travail(shared_data)
    standin = FranceTravailStandIn(offers, max_first=20, max_last=39, max_page=20)
    env = france_travail_env(tmp_path, kafka_bootstrap, start(standin))
    t0 = now_ms()
    done = produce(["--source", "france-travail", "--since", "2025-04-01"], env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "splitting" in done.stdout + done.stderr and "0 splits" not in done.stderr
    assert standin.log.count("/search", status=400) == 0 and standin.token_calls == 1
    ids = {o["id"] for o in offers}
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source="france_travail", since_ms=t0, expect=ids)
    counts = Counter(r.source_id for r in records)
    assert set(counts) == ids and set(counts.values()) == {1}


def test_sigkill_mid_run_then_restart_yields_every_id(start: Start, kafka_bootstrap: str, shared_data: Path,
                                                      tmp_path: Path) -> None:
    jobs = real_adzuna(shared_data)
    standin = AdzunaStandIn(jobs)
    env = adzuna_env(tmp_path, kafka_bootstrap, start(standin), rps=40)
    t0 = now_ms()
    proc = spawn(["--source", "adzuna"], env, tmp_path / "first.log")
    try:
        wait_until(lambda: len(standin.pages_served) >= 20, 30, interval=0.05, what="20 pages served")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    served_before = len(standin.pages_served)
    assert served_before < 60, "the producer finished before it could be killed"

    env["ADZUNA_REQUESTS_PER_SECOND"] = "0"
    done = produce(["--source", "adzuna"], env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "adzuna backfill (resumed)" in done.stderr
    assert standin.pages_served[1] == 1, "the restart began again from the first page"
    ids = {j["id"] for j in jobs}
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source="adzuna", since_ms=t0, expect=ids)
    assert {r.source_id for r in records} == ids


def test_france_travail_sigkill_mid_run_then_restart(start: Start, kafka_bootstrap: str, shared_data: Path,
                                                      tmp_path: Path) -> None:
    offers = real_france_travail(shared_data)
    standin = FranceTravailStandIn(offers, max_first=20, max_last=39, max_page=20)
    env = france_travail_env(tmp_path, kafka_bootstrap, start(standin), rps=15)
    args = ["--source", "france-travail", "--since", "2025-04-01"]
    t0 = now_ms()
    proc = spawn(args, env, tmp_path / "first.log")
    try:
        wait_until(lambda: standin.search_calls >= 10, 30, interval=0.02, what="10 searches")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert len(standin.served_ids) < len(offers), "the producer finished before it could be killed"

    env["FRANCE_TRAVAIL_REQUESTS_PER_SECOND"] = "0"
    done = produce(args, env)  # the same command again
    assert done.returncode == 0, done.stderr[-3000:]
    assert "france_travail backfill (resumed)" in done.stderr
    ids = {o["id"] for o in offers}
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source="france_travail", since_ms=t0, expect=ids)
    assert {r.source_id for r in records} == ids


def test_follow_serves_metrics_and_flushes_on_sigterm(start: Start, kafka_bootstrap: str, tmp_path: Path) -> None:
    jobs = adzuna_generated(120)
    standin = AdzunaStandIn(jobs)
    env = adzuna_env(tmp_path, kafka_bootstrap, start(standin))
    port = free_port()
    t0 = now_ms()
    proc = spawn(["--source", "adzuna", "--follow", "--interval", "0.3", "--metrics-port", str(port)], env,
                 tmp_path / "follow.log")
    try:
        def metric(name: str) -> float:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            line = next(x for x in text.splitlines() if x.startswith(f'{name}{{source="adzuna"}}'))
            return float(line.split()[-1])

        wait_until(lambda: metric("jobmarket_producer_offers_published_total") >= 120, 20, what="120 published")
        assert metric("jobmarket_producer_pages_total") >= 3
        assert metric("jobmarket_producer_last_success_timestamp_seconds") > 0
        fresh = adzuna_generated(7, days=0.0001)
        standin.add(fresh)  # a later poll picks them up
        wait_until(lambda: metric("jobmarket_producer_offers_published_total") >= 127, 20, what="new offers")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "follow.log").read_text()
    assert "stopped" in log
    ids = {j["id"] for j in jobs + fresh}
    records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source="adzuna", since_ms=t0, expect=ids)
    assert {r.source_id for r in records} == ids


def test_missing_credentials_exit_with_a_clear_message(kafka_bootstrap: str, tmp_path: Path) -> None:
    done = produce(["--source", "france-travail"], base_env(tmp_path, kafka_bootstrap))
    assert done.returncode == 2
    assert "FRANCE_TRAVAIL_CLIENT_ID" in done.stderr


def test_stack_runs_real_connectors_only_with_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from jobmarket.stack import processes

    for name in ("FRANCE_TRAVAIL_CLIENT_ID", "FRANCE_TRAVAIL_CLIENT_SECRET", "ADZUNA_APP_ID", "ADZUNA_APP_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    procs = {p.name: " ".join(p.argv) for p in processes(CommonSettings(), 10)}
    assert "--source sample" in procs["producer"] and "producer-adzuna" not in procs

    monkeypatch.setenv("ADZUNA_APP_ID", "id")
    monkeypatch.setenv("ADZUNA_APP_KEY", "key")
    procs = {p.name: " ".join(p.argv) for p in processes(CommonSettings(), 10)}
    assert "producer" not in procs and "producer-france-travail" not in procs
    assert "--source adzuna --follow" in procs["producer-adzuna"]

    monkeypatch.setenv("FRANCE_TRAVAIL_CLIENT_ID", "id")
    monkeypatch.setenv("FRANCE_TRAVAIL_CLIENT_SECRET", "secret")
    procs = {p.name: " ".join(p.argv) for p in processes(CommonSettings(), 10)}
    assert "--source france-travail --follow" in procs["producer-france-travail"] and "producer-adzuna" in procs


def test_follow_survives_an_offer_with_a_lone_surrogate(start: Start, kafka_bootstrap: str, tmp_path: Path) -> None:
    # The reported failure: one such offer served first killed `produce --follow` before its checkpoint,
    # and again after every restart.
    offers = ft_generated(30)
    first = max(offers, key=lambda o: o["dateCreation"])
    first["intitule"] = "Développeur \ud83d (H/F)"  # half of an emoji: a lone surrogate, sent as "\ud83d"
    standin = FranceTravailStandIn(offers)
    env = {**france_travail_env(tmp_path, kafka_bootstrap, start(standin)), "FRANCE_TRAVAIL_MAX_RESULTS": "3150",
           "FRANCE_TRAVAIL_PAGE_SIZE": "150", "FRANCE_TRAVAIL_BACKFILL_DAYS": "31"}
    t0 = now_ms()
    proc = spawn(["--source", "france-travail", "--follow", "--interval", "0.3"], env, tmp_path / "follow.log")
    try:
        ids = {o["id"] for o in offers}
        records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source="france_travail", since_ms=t0, expect=ids)
        assert {r.source_id for r in records} == ids, (tmp_path / "follow.log").read_text()[-3000:]
        payload = next(r.value["payload"] for r in records if r.source_id == first["id"])
        assert payload["intitule"] == "Développeur \ufffd (H/F)"
        wait_until(lambda: standin.search_calls >= 3, 20, what="later polls")  # still following
        assert proc.poll() is None, (tmp_path / "follow.log").read_text()[-3000:]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "follow.log").read_text()
    assert "1 cleaned" in log and "lone surrogates" in log
