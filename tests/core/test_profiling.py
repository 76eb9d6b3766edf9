from __future__ import annotations

import threading
import time
from pathlib import Path

from core.profiling import StackSampler


def _spin_until(stop: threading.Event) -> None:
    x = 0
    while not stop.is_set():
        x += 1


def _sleep_until(stop: threading.Event) -> None:
    stop.wait()


def test_sampler_records_threads_that_burn_cpu_and_not_those_that_wait(tmp_path: Path) -> None:
    stop = threading.Event()
    busy = threading.Thread(target=_spin_until, args=(stop,), name="busy")
    idle = threading.Thread(target=_sleep_until, args=(stop,), name="idle")
    sampler = StackSampler(tmp_path / "p.folded", interval_s=0.005).start()
    busy.start()
    idle.start()
    time.sleep(0.6)
    stop.set()
    busy.join()
    idle.join()
    path = sampler.dump()
    lines = path.read_text().splitlines()
    busy_ticks = sum(int(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("busy;"))
    assert busy_ticks >= 10, lines  # 0.6 s of spinning is ~60 ticks at 100 Hz; allow for a loaded machine
    assert any("_spin_until" in line for line in lines)
    assert not any(line.startswith("idle;") for line in lines)
    assert sampler.dump() == path  # idempotent: atexit and an explicit dump may both run
