"""``python -m stream_processors`` (or ``jobmarket worker``): run one enrichment worker."""

from __future__ import annotations

import os
import signal
import sys
import threading

import structlog
from faust import Worker

from core.kafka import ensure_topics
from core.logging import configure_logging
from core.profiling import dump_active, start_from_env
from schemas.topics import TOPICS
from stream_processors.app import changelog_topics, create_app
from stream_processors.settings import Settings

log = structlog.get_logger(__name__)

# faust's graceful stop can hang ("Gathering all futures", a dead broker, a batch stuck in the model):
# past this many seconds after SIGTERM/SIGINT the worker exits anyway. Abandoning a batch is safe: it is
# acked only after its outputs are delivered, so the next worker replays it (see stream_processors/app.py).
SHUTDOWN_GRACE_S = 3.0  # under `jobmarket up`'s 4 s grace, so the worker goes before it is SIGKILLed


def hard_exit_after(seconds: float, signum: int) -> threading.Timer:
    """Start a daemon timer that ends the process with 128+signum (killed by that signal) unless it exits first."""

    def _exit() -> None:
        log.warning("graceful shutdown still running: exiting now; an unacked batch is replayed on restart",
                    grace_s=seconds, signal=signal.Signals(signum).name)
        dump_active()
        sys.stderr.flush()
        os._exit(128 + signum)

    timer = threading.Timer(seconds, _exit)
    timer.daemon = True
    timer.start()
    return timer


class BoundedShutdownWorker(Worker):
    """A faust worker whose shutdown, once a stop signal arrives, takes at most ``shutdown_grace_s``."""

    shutdown_grace_s: float = SHUTDOWN_GRACE_S
    _watchdog: threading.Timer | None = None

    def _arm_watchdog(self, signum: int) -> None:
        if self._watchdog is None:
            self._watchdog = hard_exit_after(self.shutdown_grace_s, signum)

    def install_signal_handlers(self) -> None:
        super().install_signal_handlers()
        # faust reacts to SIGTERM/SIGINT from the event loop (asyncio's wakeup fd), i.e. only once the loop is
        # free again; arm the watchdog from a plain Python handler too, which runs at once in the main thread.
        # asyncio's dispatch is unaffected: the wakeup fd is written at C level, whatever the Python handler.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, _frame: self._arm_watchdog(signum))

    def _schedule_shutdown(self, signal: signal.Signals) -> None:  # both SIGINT and SIGTERM end up here
        self._arm_watchdog(signal)
        super()._schedule_shutdown(signal)


def run_worker(settings: Settings | None = None) -> None:
    s = settings or Settings()
    configure_logging(s.log_level, s.log_json)
    start_from_env("worker")
    ensure_topics(s.bootstrap_servers, [*TOPICS.values(), *changelog_topics(s.app_id)])
    app = create_app(s)
    worker = BoundedShutdownWorker(app, loglevel=s.log_level.lower(), quiet=True, redirect_stdouts=False)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    else:  # pragma: no cover - execute_from_commandline always raises SystemExit
        code = 0
    # faust has finished its shutdown (offsets committed, producer flushed, loop closed). Seen under
    # `jobmarket up`: a leftover non-daemon thread then kept the process alive until it was SIGKILLed.
    dump_active()  # os._exit skips atexit
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run_worker()
