"""Processes of a session, read from /proc (grandchildren included, whatever their process group)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, session id) of a process, or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ", comm may hold spaces
    return fields[0], int(fields[3])


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has exited: it only waits to be reaped


def session_pids(sid: int) -> set[int]:
    """Every living process of session ``sid``."""
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[0] != "Z" and stat[1] == sid:
                out.add(int(entry))
    return out


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.05) -> float:
    """Seconds until ``predicate()`` was true; TimeoutError after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not true after {timeout}s")
        time.sleep(interval)
    return time.monotonic() - started


def started_pids(log: str, name: str) -> list[int]:
    """Pids the supervisor reported for ``name`` ('name started (pid=N)'), in order."""
    return [int(p) for p in re.findall(rf"\| {re.escape(name)} started \(pid=(\d+)\)", log)]
