"""Drafts ``enrichment_labels.jsonl`` from the parser's output, as a starting point for hand labelling.

Run once to get a draft, then read every offer and correct the draft by hand (see README.md here):
a label that merely echoes the parser measures nothing. Re-running overwrites only ``--out``.

    python -m bench.labels.draft_enrichment_labels --out /tmp/draft.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime
from pathlib import Path

from bench.enrichment_accuracy import load_offers
from schemas.events import RawOfferEnvelope, Source
from stream_processors.enrichment import enrich

ADZUNA_SAMPLE = 110
SEED = 20250415
HOLDOUT_SAMPLE = 40
HOLDOUT_SEED = 777
# A second held-out draw, labelled on 2026-11-30 after all parser work: no France Travail offer is left
# unlabelled, so it comes from Adzuna only.
HOLDOUT2_SAMPLE = 100
HOLDOUT2_SEED = 20261130


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    offers = load_offers()
    ft = [k for k in offers if k[0] == Source.FRANCE_TRAVAIL]
    adzuna = sorted(k for k in offers if k[0] == Source.ADZUNA)
    dev = ft + random.Random(SEED).sample(adzuna, ADZUNA_SAMPLE)
    rest = [k for k in adzuna if k not in set(dev)]
    holdout = random.Random(HOLDOUT_SEED).sample(rest, HOLDOUT_SAMPLE)
    rest2 = [k for k in rest if k not in set(holdout)]
    holdout2 = random.Random(HOLDOUT2_SEED).sample(rest2, HOLDOUT2_SAMPLE)
    chosen = [(k, "dev") for k in dev] + [(k, "holdout") for k in holdout] + [(k, "holdout2") for k in holdout2]
    with args.out.open("w", encoding="utf-8") as f:
        for (source, source_id), split in chosen:
            env = RawOfferEnvelope(source=source, source_id=source_id, fetched_at=datetime.now(UTC),
                                   payload=offers[(source, source_id)])
            o = enrich(env)
            row = {
                "source": source.value, "source_id": source_id, "city": o.city,
                "departement_code": o.departement_code,
                "contract_type": o.contract_type.value if o.contract_type else None,
                "seniority": o.seniority.value if o.seniority else None,
                "salary_min": o.salary_min, "salary_max": o.salary_max, "skills": o.skills, "split": split,
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
