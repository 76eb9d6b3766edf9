"""Regenerates ``bench/labels/relevance/labels.jsonl`` from the queries, the rules and the hand overrides.

    python -m ml.relevance.build_labels

Needs ../shared/data (labels cover the real offers and the sample feed part); prints the new version.
"""

from __future__ import annotations

import json
from collections import Counter

from ml.relevance.evalset import (
    LABELS_FILE,
    QUERIES_FILE,
    build_labels,
    load_corpus,
    read_overrides,
    read_queries,
    version_of,
    write_labels,
)


def main() -> None:
    offers, real = load_corpus()
    if not real:
        raise SystemExit("../shared/data is absent: labels must be built over the real offers too")
    labels = build_labels(read_queries(), offers, read_overrides())
    write_labels(labels)
    grades = Counter(g for lab in labels.values() for g in lab.values())
    print(json.dumps({"queries": len(labels), "offers": len(offers), "grades": dict(sorted(grades.items())),
                      "version": version_of(QUERIES_FILE, LABELS_FILE)}))


if __name__ == "__main__":
    main()
