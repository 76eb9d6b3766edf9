"""Builds the shipped geographic referential under ``data/`` from Etalab's open data.

Source: the npm package ``@etalab/decoupage-administratif`` (Etalab / data.gouv.fr, MIT-licensed code,
data from INSEE's *Code officiel géographique*, Licence Ouverte 2.0), pinned below. It is fetched with
the ordinary npm client (``npm pack``, no install) or read from a directory/tarball given on the command
line, and reduced to three compact CSV files that the enrichment package ships:

- ``communes.csv``: ``insee,name,kind,parent,dep,postal_codes,population`` where ``kind`` is ``C``
  (commune), ``A`` (municipal arrondissement of Paris/Lyon/Marseille), ``D`` (commune déléguée) or
  ``S`` (commune associée); ``parent`` is the commune an A/D/S entry belongs to; ``postal_codes`` are
  space-separated.
- ``departements.csv``: ``code,name,region``.
- ``regions.csv``: ``code,name``.

Run ``python -m stream_processors.enrichment.build_referential`` (needs ``npm``) or
``... --source path/to/package-or-tgz``. Output is deterministic (sorted), so a rebuild diffs cleanly.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif@6.0.0"  # COG 2026
DATA_DIR = Path(__file__).resolve().parent / "data"
_KINDS = {
    "commune-actuelle": "C",
    "arrondissement-municipal": "A",
    "commune-deleguee": "D",
    "commune-associee": "S",
}


def _fetch(workdir: Path) -> Path:
    subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", str(workdir)], check=True,
                   capture_output=True)
    tgz = next(workdir.glob("*.tgz"))
    return _extract(tgz, workdir)


def _extract(tgz: Path, workdir: Path) -> Path:
    with tarfile.open(tgz) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def _load(package_dir: Path, name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((package_dir / "data" / f"{name}.json").read_text("utf-8"))
    return data


def build(package_dir: Path, out_dir: Path = DATA_DIR) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    communes = _load(package_dir, "communes")
    rows = []
    for c in communes:
        kind = _KINDS.get(c.get("type", ""))
        if kind is None:
            continue
        parent = c.get("commune") if kind == "A" else c.get("chefLieu") if kind in "DS" else ""
        rows.append([
            c["code"], c["nom"], kind, parent or "", c["departement"],
            " ".join(sorted(c.get("codesPostaux") or [])), str(c.get("population") or ""),
        ])
    rows.sort(key=lambda r: (r[0], r[2]))
    with (out_dir / "communes.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["insee", "name", "kind", "parent", "dep", "postal_codes", "population"])
        w.writerows(rows)
    with (out_dir / "departements.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "region"])
        w.writerows(sorted([d["code"], d["nom"], d["region"]] for d in _load(package_dir, "departements")))
    with (out_dir / "regions.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name"])
        w.writerows(sorted([r["code"], r["nom"]] for r in _load(package_dir, "regions")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, help="an extracted npm package directory or its .tgz")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.source is None:
            package_dir = _fetch(Path(tmp))
        elif args.source.is_file():
            package_dir = _extract(args.source, Path(tmp))
        else:
            package_dir = args.source
        build(package_dir, args.out)
    print(f"referential written to {args.out}")


if __name__ == "__main__":
    main()
