"""All real offers of ../shared/data through the real pipeline (broker → worker → enriched topic).

Publishes the 70 France Travail + 3,000 Adzuna offers as raw envelopes, waits until every one is either
in a canonical offer on the enriched topic or dead-lettered, and prints one JSON line: counts, the DLQ
count per stage, how many source offers were merged as duplicates, and the elapsed time.
Run: ``.venv/bin/python -m bench.real_offers_flow [--workers 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from bench.freshness import start_stack
from producers.publisher import OfferPublisher
from schemas.events import DeadLetter, Offer, RawOfferEnvelope, Source
from schemas.topics import DEAD_LETTERS, ENRICHED_OFFERS

SHARED = Path(os.environ.get("JOBMARKET_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def real_envelopes() -> list[RawOfferEnvelope]:
    now = datetime.now(UTC)
    ft = json.loads((SHARED / "france_travail" / "offres_search.json").read_text())["resultats"]
    az = json.loads((SHARED / "adzuna" / "jobs_search.json").read_text())["results"]
    return ([RawOfferEnvelope(source=Source.FRANCE_TRAVAIL, source_id=str(o["id"]), fetched_at=now, payload=o)
             for o in ft]
            + [RawOfferEnvelope(source=Source.ADZUNA, source_id=str(o["id"]), fetched_at=now, payload=o) for o in az])


def read_topic(bootstrap: str, topic: str, idle_s: float = 2.0) -> list[tuple[bytes | None, bytes | None]]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-reader", "enable.auto.commit": False})
    parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
    out, last = [], time.monotonic()
    while time.monotonic() - last < idle_s:
        for m in consumer.consume(1000, timeout=0.3):
            if m.error() is None:
                out.append((m.key(), m.value()))
                last = time.monotonic()
    consumer.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=1200)
    args = ap.parse_args()
    envelopes = real_envelopes()
    expected = {e.key for e in envelopes}
    with ExitStack() as stack:
        bootstrap, _, _ = start_stack(stack, args.workers)
        publisher = OfferPublisher(bootstrap)
        t0 = time.monotonic()
        for env in envelopes:
            publisher.publish(env)
        publisher.flush()
        deadline = time.monotonic() + args.timeout
        while True:
            live: dict[bytes, Offer | None] = {}
            for key, value in read_topic(bootstrap, ENRICHED_OFFERS.name):
                if key is not None:
                    live[key] = Offer.model_validate_json(value) if value else None
            offers = [o for o in live.values() if o is not None]
            seen = {r for o in offers for r in o.source_refs}
            dead = [DeadLetter.model_validate_json(v) for _, v in read_topic(bootstrap, DEAD_LETTERS.name) if v]
            done = seen | {d.key for d in dead if d.key}
            if expected <= done or time.monotonic() > deadline:
                break
            time.sleep(5)
        elapsed = max(time.monotonic() - t0, 1e-9)
    refs = Counter(r for o in offers for r in o.source_refs)
    print(json.dumps({
        "bench": "real_offers_flow", "workers": args.workers, "published": len(envelopes),
        "canonical_offers": len(offers), "source_refs_covered": len(expected & seen),
        "missing": len(expected - done), "doubled_refs": sum(n > 1 for n in refs.values()),
        "merged_duplicates": len(expected & seen) - len(offers),
        "dead_letters": len(dead), "dead_by_stage": dict(Counter(d.stage for d in dead)),
        "elapsed_s": round(elapsed, 1), "offers_per_s": round(len(envelopes) / elapsed, 1),
    }))


if __name__ == "__main__":
    main()
