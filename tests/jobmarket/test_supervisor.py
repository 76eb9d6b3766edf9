"""The supervisor of `jobmarket up`, with tiny dummy children (`python -c ...`) instead of the services."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from jobmarket.stack import ChildSpec, Supervisor, restart_delay
from tests.jobmarket.procs import alive, session_pids, started_pids, wait_for

REPO = Path(__file__).resolve().parents[2]

SUPERVISOR = """
import json, sys
from jobmarket.stack import ChildSpec, Supervisor
specs = [ChildSpec(**spec) for spec in json.loads(sys.argv[1])]
raise SystemExit(Supervisor(specs, **json.loads(sys.argv[2])).run())
"""
SLEEPER = "import time; time.sleep(1000)"
CRASHER = "import time; time.sleep(0.1); raise SystemExit(3)"


def recorder(path: Path, linger_s: float = 0.0) -> str:
    """On SIGTERM: writes the time, takes ``linger_s`` to finish, writes the time again and exits."""
    return (f"import signal, sys, time\n"
            f"def on_term(*_):\n    got = time.time(); time.sleep({linger_s})\n"
            f"    open({str(path)!r}, 'w').write(f'{{got}} {{time.time()}}'); sys.exit(0)\n"
            f"signal.signal(signal.SIGTERM, on_term)\ntime.sleep(1000)")


def recorded(path: Path) -> tuple[float, float]:
    """(when SIGTERM arrived, when the process was done) from a recorder's file."""
    got, done = path.read_text().split()
    return float(got), float(done)


# Ignores SIGTERM and has a child of its own (like `transform` running dbt): only SIGKILL of its group works.
STUBBORN = ("import signal, subprocess, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "p = subprocess.Popen(['sleep', '1000'])\nprint('grandchild', p.pid, flush=True)\ntime.sleep(1000)")


def spec(name: str, code: str, base: bool = False) -> dict[str, Any]:
    return {"name": name, "argv": [sys.executable, "-c", code], "base": base}


@contextmanager
def supervisor(tmp_path: Path, specs: list[dict[str, Any]],
               **kwargs: Any) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """The supervisor in a session of its own, like `jobmarket up` in a terminal; everything killed on exit."""
    log = tmp_path / "up.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", SUPERVISOR, json.dumps(specs), json.dumps(kwargs)],
                                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc, log
    finally:
        for pid in session_pids(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.wait()


def test_restart_delay_doubles_up_to_a_cap() -> None:
    assert [restart_delay(n, 1.0, 30.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert restart_delay(3, 0.5, 60.0) == 2.0


def test_sigterm_to_the_group_stops_services_first_then_the_base_and_leaves_nothing(tmp_path: Path) -> None:
    specs = [spec("base", recorder(tmp_path / "base.term"), base=True),
             spec("svc", recorder(tmp_path / "svc.term", linger_s=0.5)),
             spec("stubborn", STUBBORN)]
    with supervisor(tmp_path, specs, grace_s=1.5, base_grace_s=1.0) as (proc, log):
        wait_for(lambda: "grandchild" in log.read_text(), 20)
        grandchild = int(re.findall(r"grandchild (\d+)", log.read_text())[0])
        assert len(session_pids(proc.pid)) == 5  # supervisor, 3 children, 1 grandchild
        os.killpg(proc.pid, signal.SIGTERM)  # what Ctrl-C, docker stop and systemd do
        took = wait_for(lambda: not session_pids(proc.pid), 10)
        assert took < 5, f"stopping took {took:.1f}s"
        assert proc.wait(5) == 0
        assert not alive(grandchild)
        # The base child (the broker) got SIGTERM only once the services were done.
        assert recorded(tmp_path / "svc.term")[1] < recorded(tmp_path / "base.term")[0]
        text = log.read_text()
        assert "SIGTERM received: stopping the stack" in text
        assert "stubborn still running: killing it" in text


def test_a_dying_child_is_restarted_with_backoff_while_the_rest_keeps_running(tmp_path: Path) -> None:
    specs = [spec("steady", SLEEPER), spec("crasher", CRASHER)]
    with supervisor(tmp_path, specs, backoff_base_s=0.2, backoff_cap_s=0.8) as (proc, log):
        wait_for(lambda: log.read_text().count("restarting crasher") >= 4, 30)
        delays = re.findall(r"restarting crasher in ([\d.]+)s \(exit code 3\)", log.read_text())
        assert delays[:4] == ["0.2", "0.4", "0.8", "0.8"]
        [steady] = started_pids(log.read_text(), "steady")
        assert alive(steady) and proc.poll() is None  # one child dying does not stop the stack

        os.kill(steady, signal.SIGKILL)
        wait_for(lambda: len(started_pids(log.read_text(), "steady")) == 2, 10)
        assert "restarting steady in 0.2s (exit code -9)" in log.read_text()
        assert alive(started_pids(log.read_text(), "steady")[1])

        os.killpg(proc.pid, signal.SIGTERM)
        wait_for(lambda: not session_pids(proc.pid), 10)
        assert proc.wait(5) == 0


def test_a_restarted_base_child_restarts_the_others(tmp_path: Path) -> None:
    specs = [spec("base", SLEEPER, base=True), spec("svc", SLEEPER)]
    with supervisor(tmp_path, specs, backoff_base_s=0.2) as (_, log):
        wait_for(lambda: started_pids(log.read_text(), "svc"), 20)
        [base] = started_pids(log.read_text(), "base")
        os.kill(base, signal.SIGKILL)
        wait_for(lambda: len(started_pids(log.read_text(), "svc")) == 2, 10)
        text = log.read_text()
        assert "restarting base in 0.2s (exit code -9)" in text
        assert "restarting svc in 0s (base restarted)" in text
        assert text.index("| base started") < text.rindex("| svc started")
        assert all(alive(p) for p in (started_pids(text, "base")[1], started_pids(text, "svc")[1]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_children_die_with_a_killed_supervisor(tmp_path: Path) -> None:
    with supervisor(tmp_path, [spec("a", SLEEPER), spec("b", SLEEPER)]) as (proc, log):
        wait_for(lambda: started_pids(log.read_text(), "b"), 20)
        children = started_pids(log.read_text(), "a") + started_pids(log.read_text(), "b")
        proc.kill()
        proc.wait()
        wait_for(lambda: not any(alive(p) for p in children), 5)


def test_after_a_base_restart_its_hook_runs_with_the_others_stopped(tmp_path: Path) -> None:
    """The history is put back into a restarted broker only once no service can write to it any more."""
    seen: list[bool] = []
    specs = [ChildSpec("base", [sys.executable, "-c", SLEEPER], base=True, ready=lambda: True,
                       after_ready=lambda: seen.append(alive(svc_pid()))),
             ChildSpec("svc", [sys.executable, "-c", SLEEPER])]
    sup = Supervisor(specs, out=open(tmp_path / "out.log", "w"), grace_s=2, backoff_base_s=0.1)  # noqa: SIM115
    base, svc = sup.children

    def svc_pid() -> int:
        assert first_svc is not None
        return first_svc

    def ticked(check: Any) -> bool:
        sup._tick()  # what the supervisor's main loop does every poll
        return bool(check())

    try:
        sup._start(base)
        sup._start(svc)
        assert svc.proc is not None and base.proc is not None
        first_svc = svc.proc.pid
        base.proc.kill()
        wait_for(lambda: ticked(lambda: bool(seen)), 20)
        assert seen == [False], "the hook ran while a service could still write to the new broker"
        wait_for(lambda: ticked(lambda: svc.proc is not None and svc.proc.pid != first_svc), 20)
        assert "restarting svc in 0s (base restarted)" in (tmp_path / "out.log").read_text()
    finally:
        sup.stop()
