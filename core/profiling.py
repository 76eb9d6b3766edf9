"""A tiny on-CPU sampling profiler for our long-running processes (worker, API), off unless asked for.

Set ``JOBMARKET_PROFILE_DIR=DIR`` and a process writes ``DIR/{name}-{pid}.folded`` when it stops: one
line per distinct Python stack, ``frame;frame;frame count``, the format flame-graph tools read
(speedscope, flamegraph.pl). cProfile sees one thread only and its overhead distorts an I/O-heavy
loop; faust, aiokafka, the indexer and the model threads all matter here. Every ``interval_s`` the
sampler reads each thread's CPU clock from ``/proc`` and records the stack of the threads that used
CPU since the last sample, so threads blocked in ``select`` or on a lock do not drown the picture.
Native code (the model's BLAS, librdkafka) shows as the Python frame that called it.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections import Counter
from pathlib import Path
from types import FrameType

ENV_VAR = "JOBMARKET_PROFILE_DIR"
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _thread_cpu_ticks(native_id: int) -> int | None:
    try:
        with open(f"/proc/self/task/{native_id}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime, after the "(comm)" field


def _stack(frame: FrameType | None) -> str:
    names: list[str] = []
    while frame is not None:
        code = frame.f_code
        names.append(f"{code.co_name} ({Path(code.co_filename).name}:{code.co_firstlineno})")
        frame = frame.f_back
    return ";".join(reversed(names))


class StackSampler:
    def __init__(self, path: Path, interval_s: float = 0.005) -> None:
        self.path = path
        self.interval_s = interval_s
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)
        self._dumped = False

    def start(self) -> StackSampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        me = threading.get_ident()
        last: dict[int, int] = {}
        while not self._stop.wait(self.interval_s):
            threads = {t.ident: t for t in threading.enumerate() if t.ident is not None}
            frames = sys._current_frames()
            self.samples += 1
            for ident, frame in frames.items():
                thread = threads.get(ident)
                if ident == me or thread is None or thread.native_id is None:
                    continue
                ticks = _thread_cpu_ticks(thread.native_id)
                if ticks is None:
                    continue
                before = last.get(ident)
                last[ident] = ticks
                if before is not None and ticks > before:
                    # A tick is 1/CLK_TCK s of CPU: weight the stack by the CPU it stands for.
                    self.counts[f"{thread.name};{_stack(frame)}"] += ticks - before

    def dump(self) -> Path:
        """Writes the folded stacks (idempotent: the first call wins, later ones return the path)."""
        if not self._dumped:
            self._dumped = True
            self._stop.set()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lines = [f"{stack} {count}" for stack, count in self.counts.most_common()]
            self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return self.path


_active: StackSampler | None = None


def start_from_env(name: str) -> StackSampler | None:
    """Starts the sampler when ``JOBMARKET_PROFILE_DIR`` is set; dumps at exit (or call ``dump_active``
    before ``os._exit``, which skips atexit)."""
    global _active
    directory = os.environ.get(ENV_VAR)
    if not directory or _active is not None:
        return _active
    _active = StackSampler(Path(directory) / f"{name}-{os.getpid()}.folded").start()
    atexit.register(_active.dump)
    return _active


def dump_active() -> None:
    if _active is not None:
        _active.dump()


def cpu_seconds(counts: Counter[str] | dict[str, int]) -> float:
    return sum(counts.values()) / _CLK_TCK
