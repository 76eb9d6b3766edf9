"""``python -m warehouse sink|transform|setup|dbt ...`` (sink and transform are also ``jobmarket`` commands)."""

from __future__ import annotations

import argparse
import sys

from core.logging import configure_logging
from warehouse.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m warehouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sink", help="consume the topics into the warehouse's raw and canonical layers")
    tr = sub.add_parser("transform", help="dbt build against the configured warehouse")
    tr.add_argument("--select", default=None)
    tr.add_argument("--full-refresh", action="store_true")
    tr.add_argument("--every", type=float, default=None, help="repeat every N seconds (and after backfills)")
    sub.add_parser("setup", help="create the sink's schema and tables")
    dbt = sub.add_parser("dbt", help="any dbt command against the configured warehouse, e.g. `dbt docs generate`")
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    if args.command == "sink":
        from warehouse.sink import run_sink

        run_sink(settings)
        return 0
    if args.command == "setup":
        from warehouse import open_warehouse

        with open_warehouse(settings) as wh:
            wh.setup()
        return 0
    from warehouse.transform import run_dbt, run_periodically, transform

    if args.command == "dbt":
        # `docs serve` runs until interrupted: no warehouse lock for it (it only reads target/).
        lock = args.dbt_args[:2] != ["docs", "serve"]
        return run_dbt(args.dbt_args, settings, capture=False, lock=lock).returncode

    if args.every:
        run_periodically(settings, interval_s=args.every)
        return 0
    return 0 if transform(settings, select=args.select, full_refresh=args.full_refresh, capture=False).ok else 1


if __name__ == "__main__":
    sys.exit(main())
