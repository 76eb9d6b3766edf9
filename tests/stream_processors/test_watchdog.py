from __future__ import annotations

from stream_processors.metrics import PartitionLag
from stream_processors.watchdog import StageClock, Watchdog

INPUTS = {"route": frozenset({"raw-offers", "offer-removals"}), "merge": frozenset({"dedup"})}


def lag(topic: str, n: int, partition: int = 0) -> PartitionLag:
    return PartitionLag(group="g", topic=topic, partition=partition, committed=10, end=10 + n, lag=n)


def dog(after_s: float = 90) -> tuple[Watchdog, StageClock]:
    clock = StageClock()
    return Watchdog(clock, INPUTS, after_s), clock


def test_a_stage_idle_past_the_limit_with_records_waiting_on_two_checks_is_stalled() -> None:
    watchdog, clock = dog()
    clock.waiting("merge", now=0)
    clock.waiting("route", now=0)
    waiting = [lag("dedup", 64, 3), lag("raw-offers", 0)]
    assert watchdog.check(waiting, now=100) == []  # one check: maybe a lag faust has not committed yet
    assert watchdog.check(waiting, now=110) == ["merge"]  # the route stage has nothing waiting


def test_no_stall_without_records_waiting_or_within_the_limit() -> None:
    watchdog, clock = dog()
    clock.waiting("merge", now=0)
    for now in (100, 110, 120):
        assert watchdog.check([lag("dedup", 0), lag("raw-offers", 5)], now=now) == []  # route is not idle
    watchdog2, clock2 = dog()
    clock2.waiting("merge", now=50)
    assert watchdog2.check([lag("dedup", 3)], now=100) == [] and watchdog2.check([lag("dedup", 3)], now=130) == []


def test_a_batch_between_two_checks_clears_the_suspicion() -> None:
    watchdog, clock = dog()
    clock.waiting("merge", now=0)
    assert watchdog.check([lag("dedup", 2)], now=100) == []
    clock.busy("merge")
    clock.waiting("merge", now=101)  # it processed a batch, then waits again
    assert watchdog.check([lag("dedup", 2)], now=110) == []


def test_a_busy_stage_is_never_stalled_however_long_its_batch() -> None:
    watchdog, clock = dog()
    clock.busy("merge")  # e.g. waiting for the model to load on a loaded machine
    assert watchdog.check([lag("dedup", 9)], now=1000) == [] and watchdog.check([lag("dedup", 9)], now=2000) == []


def test_a_rebalance_or_recovery_restarts_the_clock() -> None:
    watchdog, clock = dog()
    clock.waiting("merge", now=0)
    assert watchdog.check([lag("dedup", 4)], now=100) == []
    watchdog.hold(now=105)  # tables recovering: the stages wait for it, not stalled
    assert watchdog.check([lag("dedup", 4)], now=110) == []
    assert watchdog.check([lag("dedup", 4)], now=200) == []  # 95 s idle since the hold: a first suspicion
    assert watchdog.check([lag("dedup", 4)], now=210) == ["merge"]
