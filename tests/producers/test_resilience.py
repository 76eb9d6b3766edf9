"""What must not stop a connector: text no encoder accepts, an unexpected error in one cycle, and the rules
that keep an empty answer from passing for a mass withdrawal."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from rich.console import Console

from producers.cleaning import clean_surrogates, fix_text
from producers.emitter import OfferEmitter
from producers.publisher import OfferPublisher
from producers.removals import plan_removals
from producers.run import next_wait, run_source
from schemas.events import Source
from schemas.topics import RAW_OFFERS
from tests.producers.harness import ft_settings, now_ms, producer_settings, read_topic
from tests.producers.standins.data import ft_generated
from tests.producers.standins.france_travail import FranceTravailStandIn

Start = Callable[[Any], str]


def test_lone_surrogates_become_replacement_characters_everywhere() -> None:
    payload = json.loads('{"id": "1\\ud800", "intitule": "Ing\\u00e9nieur \\udc00", "ok": "\\ud83d\\ude00",'
                         ' "lieu": {"libelle\\ud801": ["Paris", "x\\ud800\\ud800y"]}, "n": 3}')
    cleaned, changed = clean_surrogates(payload)
    assert changed == 4
    assert cleaned == {"id": "1\ufffd", "intitule": "Ingénieur \ufffd", "ok": "😀",
                       "lieu": {"libelle\ufffd": ["Paris", "x\ufffd\ufffdy"]}, "n": 3}
    json.dumps(cleaned, ensure_ascii=False).encode("utf-8")  # encodable now
    assert fix_text("\ud83d\ude00") == "😀"  # a well-formed pair held as two code points is one character


def test_clean_payload_is_returned_as_is() -> None:
    payload = {"id": "1", "a": ["é", {"b": "😀"}]}
    cleaned, changed = clean_surrogates(payload)
    assert changed == 0 and cleaned is payload


def test_plausible_removals_pass_implausible_ones_wait_for_a_second_read() -> None:
    ids = [f"o{i}" for i in range(10)]
    few = plan_removals(ids[:3], 10, set(), max_fraction=0.5, min_count=2)
    assert few.remove == ids[:3] and few.hold == []
    everything = plan_removals(ids, 10, set(), max_fraction=0.5, min_count=2)
    assert everything.remove == [] and everything.hold == ids
    agreed = plan_removals(ids, 10, set(ids[:8]), max_fraction=0.5, min_count=2)
    assert agreed.remove == ids[:8] and agreed.hold == ids[8:]
    small = plan_removals(ids[:2], 2, set(), max_fraction=0.5, min_count=5)  # below the minimum: not held
    assert small.remove == ids[:2] and small.hold == []


def test_failed_cycles_back_off_up_to_a_cap() -> None:
    assert next_wait(60, 0, 900) == 60
    assert [next_wait(60, n, 900) for n in (1, 2, 3, 4, 5, 6)] == [60, 120, 240, 480, 900, 900]
    assert next_wait(1200, 3, 900) == 1200  # never shorter than the interval
    assert next_wait(1, 10_000, 900) == 900


def _metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_unexpected_error_in_one_cycle_does_not_end_follow(start: Start, kafka_bootstrap: str,
                                                           publisher: OfferPublisher, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    offers = ft_generated(60)
    standin = FranceTravailStandIn(offers)
    settings = producer_settings(tmp_path, kafka_bootstrap, france_travail=ft_settings(start(standin)))
    checkpoints = settings.data_dir / "checkpoints" / "france_travail.json"
    real_offer = OfferEmitter.offer
    calls = 0
    checkpoint_at_failure: bool | None = None

    def flaky_offer(self: OfferEmitter, *args: Any, **kwargs: Any) -> bool:
        nonlocal calls, checkpoint_at_failure
        calls += 1
        if calls == 30:  # mid-window: 29 offers sent, none committed
            checkpoint_at_failure = checkpoints.exists()
            raise RuntimeError("injected")
        return real_offer(self, *args, **kwargs)

    monkeypatch.setattr(OfferEmitter, "offer", flaky_offer)
    failures_before = _metric("jobmarket_producer_errors_total", source="france_travail", kind="cycle_unexpected")
    stop = threading.Event()
    out = io.StringIO()
    result: dict[str, Any] = {}

    def follow() -> None:
        try:
            result["code"] = run_source(Source.FRANCE_TRAVAIL, settings, follow=True, interval=0.2, stop=stop,
                                        console=Console(file=out, width=200), publisher=publisher)
        except BaseException as exc:
            result["raised"] = exc

    t0 = now_ms()
    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        ids = {o["id"] for o in offers}
        records = read_topic(kafka_bootstrap, RAW_OFFERS.name, source="france_travail", since_ms=t0, expect=ids)
        assert {r.source_id for r in records} == ids, f"follow ended: {result} {out.getvalue()[-500:]}"
        assert thread.is_alive(), f"follow ended after the failed cycle: {result}"
    finally:
        stop.set()
        thread.join(15)
    assert "raised" not in result and result.get("code") == 0
    assert checkpoint_at_failure is False  # nothing was checkpointed past the unsent offers...
    assert json.loads(checkpoints.read_text())["watermark"]  # ...and the next cycle redid the window
    assert "cycle failed unexpectedly" in out.getvalue() and "RuntimeError('injected')" in out.getvalue()
    assert _metric("jobmarket_producer_errors_total", source="france_travail",
                   kind="cycle_unexpected") == failures_before + 1
