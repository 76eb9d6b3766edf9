"""`jobmarket up`: every service of the embedded stack under a small supervisor.

- Each child runs without a shell (argv lists) in a process group of its own, so a signal sent to the
  terminal's or the service manager's group (Ctrl-C, ``docker stop``, systemd) reaches the supervisor only,
  which then stops the children in order: every service first, the broker last (a worker whose broker is
  gone hangs in its shutdown). Whatever is still alive after a grace period is SIGKILLed, group and all
  (grandchildren such as a running ``dbt`` included): the whole stack is gone within 10 s of the signal.
- If the supervisor itself is SIGKILLed, its children are killed by the kernel (PR_SET_PDEATHSIG).
- A child that exits while the stack runs is restarted after a capped, doubling delay ("restarting NAME in
  Ns (exit code X)"); the delay starts over once a child has stayed up a while. The broker keeps topics in
  memory only, so when it is restarted every other child is restarted too, and they re-create the topics.
- Output: each child's lines prefixed with the time and its name, like honcho's.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from typing import IO

from core.broker import port_open
from core.settings import CommonSettings
from history.settings import Settings as HistorySettings
from ml.tracking import SERVER_ENV, TrackingSettings, prepare_store, server_command
from producers.settings import Settings as ProducerSettings
from warehouse.settings import Settings as WarehouseSettings

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: list[str]
    # The one every other child needs (the broker): started first and waited for, stopped last, and when
    # it is restarted the others are restarted too (a memory-only broker comes back empty).
    base: bool = False
    ready: Callable[[], bool] | None = None  # for a base child: true once it serves
    # False for a child that never talks to the broker (the MLflow server): left running when the broker
    # comes back, since a restart would cost it ~10 s for nothing.
    uses_base: bool = True
    # For a base child: run once it is ready, before the others start (puts the archived history back).
    after_ready: Callable[[], None] | None = None
    # Stopped after every other service and before the base child (the history archiver: it takes what
    # the others wrote last, then their committed offsets).
    late: bool = False


def restart_delay(failures: int, base_s: float = 1.0, cap_s: float = 30.0) -> float:
    """Seconds to wait before the restart that follows the ``failures``-th consecutive exit (1, 2, 4, ... cap)."""
    return float(min(cap_s, base_s * 2 ** max(0, failures - 1)))


def _cmd(*args: str) -> list[str]:
    # Children run through this interpreter so the stack works without an activated venv.
    return [sys.executable, "-m", "jobmarket", *args]


def processes(settings: CommonSettings, sample_count: int) -> list[ChildSpec]:
    procs: list[ChildSpec] = []
    if settings.embedded_broker:
        host, port = settings.broker_host, settings.broker_port
        history = HistorySettings()
        restore = (lambda: _rehydrate(history)) if history.enabled else None
        procs.append(ChildSpec("broker", _cmd("broker"), base=True, ready=lambda: port_open(host, port),
                               after_ready=restore))
        if history.enabled:
            procs.append(ChildSpec("history", _cmd("history"), late=True))
    tracking = TrackingSettings()
    if tracking.embedded_server:
        # SIGTERM (what every stop sends first) shuts it down cleanly in ~1 s, well inside the grace.
        procs.append(ChildSpec("mlflow", server_command(tracking), uses_base=False))
    procs.append(ChildSpec("worker", _cmd("worker")))
    procs.append(ChildSpec("api", _cmd("api")))
    procs.append(ChildSpec("web", _cmd("web")))
    # The warehouse: the sink, and dbt every WAREHOUSE_TRANSFORM_INTERVAL_S (and right after a backfill).
    procs.append(ChildSpec("warehouse-sink", _cmd("warehouse-sink")))
    procs.append(ChildSpec("transform", _cmd("transform", "--every", str(WarehouseSettings().transform_interval_s))))
    producer = ProducerSettings()
    # The real connectors in follow mode when their credentials are set, the offline sample feed otherwise.
    if producer.france_travail.configured:
        procs.append(ChildSpec("producer-france-travail", _cmd("produce", "--source", "france-travail", "--follow")))
    if producer.adzuna.configured:
        procs.append(ChildSpec("producer-adzuna", _cmd("produce", "--source", "adzuna", "--follow")))
    if not (producer.france_travail.configured or producer.adzuna.configured):
        procs.append(ChildSpec("producer", _cmd("produce", "--source", "sample", "--count", str(sample_count),
                                                "--follow", "--interval", str(producer.follow_interval_s))))
    return procs


def _rehydrate(settings: HistorySettings) -> None:
    """The embedded broker starts empty: put the archived topics and group offsets back (no-op if none)."""
    from history.archive import Archive
    from history.rehydrate import rehydrate

    archive = Archive(settings.archive_path)
    try:
        summary = rehydrate(settings.bootstrap_servers, archive)
    finally:
        archive.close()
    print(f"history: {summary.skipped or f'{summary.records} records of {summary.topics} topics restored'}",
          flush=True)


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to SIGKILL the child when the supervisor dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork: the child only calls it
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def preexec() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the supervisor died before prctl took effect
            os._exit(1)

    return preexec


class Printer:
    """Line-buffered, prefixed output shared by every child and the supervisor ('HH:MM:SS name | line')."""

    def __init__(self, out: IO[str], width: int) -> None:
        self.out, self.width, self.lock = out, width, threading.Lock()

    def line(self, name: str, text: str) -> None:
        with self.lock, contextlib.suppress(OSError, ValueError):  # output gone (closed pipe): keep draining
            self.out.write(f"{datetime.now():%H:%M:%S} {name:<{self.width}} | {text.rstrip()}\n")
            self.out.flush()

    def pump(self, name: str, stream: IO[bytes]) -> None:
        with stream:
            for raw in stream:
                self.line(name, raw.decode("utf-8", errors="replace"))


@dataclass
class Child:
    spec: ChildSpec
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0  # consecutive short-lived runs, for the backoff
    restart_at: float | None = None  # when to start it again (None: not scheduled)
    kill_at: float | None = None  # asked to stop: SIGKILL its group if still alive then
    recycle: str | None = None  # why it was stopped on purpose (the broker was restarted): start again at once
    readers: list[threading.Thread] = field(default_factory=list)


class Supervisor:
    def __init__(self, specs: Sequence[ChildSpec], env: Mapping[str, str] | None = None, out: IO[str] | None = None,
                 *, grace_s: float = 4.0, base_grace_s: float = 1.0, late_grace_s: float = 3.5,
                 backoff_base_s: float = 1.0,
                 backoff_cap_s: float = 30.0, stable_after_s: float = 30.0, ready_timeout_s: float = 10.0,
                 poll_s: float = 0.1) -> None:
        self.children = [Child(spec) for spec in specs]
        self.env = dict(env if env is not None else os.environ)
        self.printer = Printer(out or sys.stdout, max([6, *(len(s.name) for s in specs)]))
        # grace_s + late_grace_s + base_grace_s (+ polling) bounds the whole stop: keep it under 10 s. The
        # broker holds nothing worth a longer wait (memory only), but it waits for its clients to hang up.
        self.grace_s, self.base_grace_s, self.late_grace_s = grace_s, base_grace_s, late_grace_s
        self.backoff_base_s, self.backoff_cap_s = backoff_base_s, backoff_cap_s
        self.stable_after_s, self.ready_timeout_s, self.poll_s = stable_after_s, ready_timeout_s, poll_s
        self.stop_signal: int | None = None
        self.hurry = False  # a second stop signal: SIGKILL whatever is left, now

    def log(self, text: str) -> None:
        self.printer.line("system", text)

    # -- signals: set flags only (the main loop polls them), so a handler never waits on a lock --------------
    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
        else:
            self.hurry = True

    def run(self) -> int:
        """Start every child, keep them running until a stop signal, then stop them all. Returns 0."""
        previous = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        try:
            for child in self.children:
                if self.stop_signal is not None:
                    break
                self._start(child)
                if child.spec.base:
                    self._wait_ready(child)
                    self._after_ready(child)
            while self.stop_signal is None:
                self._tick()
                time.sleep(self.poll_s)
            self.log(f"{signal.Signals(self.stop_signal).name} received: stopping the stack")
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    # -- one child --------------------------------------------------------------------------------------------
    def _start(self, child: Child) -> None:
        spec = child.spec
        try:
            proc = subprocess.Popen(spec.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, process_group=0, preexec_fn=_die_with_parent())
        except OSError as exc:
            self.log(f"{spec.name} failed to start: {exc}")
            self._schedule_restart(child, f"start failed: {exc}", time.monotonic())
            return
        child.proc, child.started_at, child.restart_at, child.kill_at, child.recycle = (
            proc, time.monotonic(), None, None, None)
        assert proc.stdout is not None
        reader = threading.Thread(target=self.printer.pump, args=(spec.name, proc.stdout), daemon=True,
                                  name=f"out-{spec.name}")
        reader.start()
        child.readers = [t for t in child.readers if t.is_alive()] + [reader]
        self.log(f"{spec.name} started (pid={proc.pid})")

    def _wait_ready(self, child: Child) -> bool:
        ready = child.spec.ready
        if ready is None:
            return True
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline and self.stop_signal is None:
            if child.proc is not None and child.proc.poll() is not None:
                return False
            if ready():
                return True
            time.sleep(0.05)
        if self.stop_signal is None:
            self.log(f"{child.spec.name} not ready after {self.ready_timeout_s:g}s: starting the others anyway")
        return False

    def _after_ready(self, child: Child) -> None:
        hook = child.spec.after_ready
        if hook is None or self.stop_signal is not None:
            return
        try:
            hook()
        except Exception as exc:  # the stack still runs; what could not be restored is said loudly
            self.log(f"{child.spec.name}: after-start step failed: {exc!r}")

    def _signal_group(self, child: Child, sig: int) -> None:
        if child.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.proc.pid, sig)

    def _reap(self, child: Child) -> int | None:
        """The child's exit code once it has exited (None while it runs), its whole group SIGKILLed first.

        The exit is noticed without reaping (WNOWAIT), so the group id cannot have been reused by another
        process when the leftovers of the group (a grandchild such as dbt) are killed.
        """
        proc = child.proc
        if proc is None:
            return None
        if proc.returncode is None:
            try:
                if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
                    return None
            except ChildProcessError:
                pass  # already reaped
        self._signal_group(child, signal.SIGKILL)
        rc = proc.wait()
        child.proc = None
        return rc

    def _schedule_restart(self, child: Child, why: str, now: float) -> None:
        if child.recycle is not None:
            delay = 0.0
        else:
            # A child that stayed up a while failed afresh: its backoff starts over.
            stable = child.started_at > 0 and now - child.started_at >= self.stable_after_s
            child.failures = 1 if stable else child.failures + 1
            delay = restart_delay(child.failures, self.backoff_base_s, self.backoff_cap_s)
        child.restart_at = now + delay
        self.log(f"restarting {child.spec.name} in {delay:g}s ({why})")

    def _tick(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.proc is not None:
                rc = self._reap(child)
                if rc is None:
                    if child.kill_at is not None and now >= child.kill_at:
                        self._signal_group(child, signal.SIGKILL)
                    continue
                why = child.recycle if child.recycle is not None else f"exit code {rc}"
                self._schedule_restart(child, why, now)
            elif child.restart_at is not None and now >= child.restart_at:
                self._start(child)
                if child.spec.base:
                    self._wait_ready(child)
                    if child.spec.after_ready is None:
                        self._recycle_others(child)
                    else:
                        # The others first stop for good: one that reconnected to the new, empty broker could
                        # write to it before the history is back (which then finds records and does nothing).
                        self._quiesce_others(child)
                        self._after_ready(child)

    def _recycle_others(self, base: Child) -> None:
        """The base child came back (empty): restart the others so they reconnect and re-create topics."""
        for child in self.children:
            if child is base or child.spec.base or not child.spec.uses_base or child.proc is None:
                continue
            child.recycle, child.kill_at = f"{base.spec.name} restarted", time.monotonic() + self.grace_s
            self._signal_group(child, signal.SIGTERM)

    def _quiesce_others(self, base: Child) -> None:
        """Stops every child that uses the base (SIGKILL past the grace) and starts them again at the next tick."""
        others = [c for c in self.children
                  if c is not base and not c.spec.base and c.spec.uses_base and c.proc is not None]
        self._stop_all(others, self.grace_s)
        now = time.monotonic()
        for child in others:
            child.recycle = f"{base.spec.name} restarted"
            self._schedule_restart(child, child.recycle, now)

    # -- the whole stack ---------------------------------------------------------------------------------------
    def _stop_all(self, children: list[Child], grace_s: float) -> None:
        for child in children:
            self._signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while any(c.proc is not None for c in children):
            if self.hurry or time.monotonic() >= deadline:
                for child in children:
                    if child.proc is not None:
                        self.log(f"{child.spec.name} still running: killing it")
                        self._signal_group(child, signal.SIGKILL)
                deadline = float("inf")  # SIGKILL is not ignored: just reap
            for child in children:
                rc = self._reap(child)
                if rc is not None:
                    self.log(f"{child.spec.name} stopped (exit code {rc})")
            time.sleep(0.05)

    def stop(self) -> None:
        """Services first, then the base child (the broker); nothing restarts any more."""
        for child in self.children:
            child.restart_at = None
        self._stop_all([c for c in self.children if not c.spec.base and not c.spec.late], self.grace_s)
        self._stop_all([c for c in self.children if c.spec.late], self.late_grace_s)
        self._stop_all([c for c in self.children if c.spec.base], self.base_grace_s)
        for child in self.children:  # let the last lines of output through
            for reader in child.readers:
                reader.join(0.5)


def run_stack(settings: CommonSettings, sample_count: int) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **SERVER_ENV}
    tracking = TrackingSettings()
    if tracking.embedded_server:
        prepare_store(tracking)
        env["MLFLOW_TRACKING_URI"] = tracking.tracking_uri  # every child talks to the stack's own server
        # It starts beside the worker and the API (~10 s): they wait for it before choosing their model,
        # else a promoted champion would lose to the default at every start (and be re-embedded by the indexer).
        env.setdefault("EMBEDDING_REGISTRY_WAIT_S", "60")
    return Supervisor(processes(settings, sample_count), env).run()
