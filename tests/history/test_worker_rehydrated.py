"""A worker on a broker rehydrated from the archive resumes exactly: no offer processed twice, and a removal
of an offer it saw before the broker was lost is applied (its tables came back with their changelogs)."""

from __future__ import annotations

import re
import threading
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from history.archive import Archive
from history.archiver import Archiver
from history.rehydrate import rehydrate
from producers.publisher import OfferPublisher
from producers.sample import envelopes as sample_envelopes
from schemas.events import OfferRemoval
from schemas.topics import ENRICHED_OFFERS
from tests.conftest import tansu_broker
from tests.support.enriched import live_offers, refs_of
from tests.support.services import consume_all, service, wait_until

pytestmark = pytest.mark.slow


def _archive_all(bootstrap: str, archive: Archive, stop_after: float = 4.0) -> None:
    stop = threading.Event()
    archiver = Archiver(bootstrap, archive, r"^jobmarket[.-]", snapshot_interval_s=0.5)
    thread = threading.Thread(target=archiver.run, args=(stop,))
    thread.start()
    stop.wait(stop_after)
    stop.set()
    thread.join(30)


def test_worker_resumes_on_a_rehydrated_broker(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    batch = sample_envelopes(30_000, 12, seed=5, now=datetime.now(UTC))
    archive = Archive(tmp_path / "history.db")
    # the archiver takes the stack's topics (jobmarket...), the worker's changelogs included
    app_id = "jobmarket-" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:30]
    with tansu_broker(tmp_path) as first:
        env = {"KAFKA_BOOTSTRAP_SERVERS": first, "JOBMARKET_DATA_DIR": str(tmp_path), "WORKER_APP_ID": app_id}
        with OfferPublisher(first) as publisher:
            for e in batch:
                publisher.publish(e)
        with ExitStack() as stack:
            stack.enter_context(service(["worker"], env, tmp_path / "worker-1.log"))
            wait_until(lambda: {e.key for e in batch} <= set(refs_of(live_offers(first))), 180,
                       what="offers enriched")
        before = len(consume_all(first, ENRICHED_OFFERS.name))
        _archive_all(first, archive)
    with tansu_broker(tmp_path) as second:
        assert rehydrate(second, archive).records > 0
        env["KAFKA_BOOTSTRAP_SERVERS"] = second
        gone = batch[:3]
        with OfferPublisher(second) as publisher:
            for e in gone:
                publisher.publish_removal(OfferRemoval(source=e.source, source_id=e.source_id,
                                                       removed_at=datetime.now(UTC)))
        with ExitStack() as stack:
            stack.enter_context(service(["worker"], env, tmp_path / "worker-2.log"))
            try:
                wait_until(lambda: not {e.key for e in gone} & set(refs_of(live_offers(second))), 180,
                           what="removed offers tombstoned")
            except TimeoutError as exc:
                raise AssertionError(f"{exc}\n{(tmp_path / 'worker-2.log').read_text()[-3000:]}") from exc
            assert {e.key for e in batch[3:]} <= set(refs_of(live_offers(second)))
            # nothing re-processed: the only new records are the three tombstones
            assert len(consume_all(second, ENRICHED_OFFERS.name)) == before + len(gone)
