"""A stalled stage ends the worker, so its supervisor restarts it.

A safety net: the stalls seen (input records faust fetched and then dropped unprocessed) are closed in
``transport.py``; another one would cost a restart, not an offer, since a restart resumes from the
committed offsets and batches are idempotent in effect (app.py). Lag is read on the stages' input
topics whether or not the group has committed on them yet.

A stage counts as stalled when it has waited for events longer than ``after_s`` while its consumer
group has records it has not committed on the stage's input partitions assigned to this worker (a
replica's own backlog keeps it busy, not stalled), on two checks in a row (faust commits a few seconds
after a batch, so one check can see a lag that is already processed).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from stream_processors.metrics import PartitionLag


@dataclass
class StageClock:
    """When each stage began waiting for its next batch (None while it processes one)."""

    waiting_since: dict[str, float | None] = field(default_factory=dict)

    def waiting(self, stage: str, now: float | None = None) -> None:
        self.waiting_since[stage] = time.monotonic() if now is None else now

    def busy(self, stage: str) -> None:
        self.waiting_since[stage] = None

    def restart_waits(self, now: float | None = None) -> None:
        """Waits count again from ``now`` (a rebalance or table recovery holds every stage meanwhile)."""
        now = time.monotonic() if now is None else now
        for stage, since in self.waiting_since.items():
            if since is not None:
                self.waiting_since[stage] = now


def idle_stages(clock: StageClock, now: float, after_s: float) -> list[str]:
    return sorted(stage for stage, since in clock.waiting_since.items() if since is not None and now - since > after_s)


def lagging(stages: Iterable[str], inputs: Mapping[str, frozenset[str]], lags: Iterable[PartitionLag]) -> list[str]:
    """The ``stages`` whose input topics hold uncommitted records for the group."""
    behind = {lag.topic for lag in lags if lag.lag > 0}
    return [stage for stage in stages if inputs[stage] & behind]


@dataclass
class Watchdog:
    clock: StageClock
    inputs: Mapping[str, frozenset[str]]  # stage -> its input topics
    after_s: float
    _suspects: set[str] = field(default_factory=set)

    def check(self, lags: Iterable[PartitionLag], now: float | None = None) -> list[str]:
        """The stages stalled on this check and the one before (empty when all is well)."""
        now = time.monotonic() if now is None else now
        suspects = set(lagging(idle_stages(self.clock, now, self.after_s), self.inputs, lags))
        stalled = sorted(suspects & self._suspects)
        self._suspects = suspects
        return stalled

    def hold(self, now: float | None = None) -> None:
        """Called while the consumer rebalances or recovers tables: nothing counts as stalled meanwhile."""
        self.clock.restart_waits(now)
        self._suspects = set()
