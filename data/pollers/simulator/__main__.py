"""``python -m data.pollers.simulator [--database-url URL] [--drop-dir DIR] [--seed S] backfill|step|run``.

``backfill --hours N`` writes the last N hours; ``step`` writes what completed since the last run; ``run``
steps every ``--every`` seconds until interrupted. Defaults come from the platform settings (DATABASE_URL,
FEED_DIR, DEMO_SEED).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from config.settings import load_settings
from data.db import Database
from data.pollers.simulator.runner import backfill, step


def main(argv: list[str] | None = None) -> int:
    settings = load_settings(secret_key="unused-by-the-simulator")
    parser = argparse.ArgumentParser(prog="python -m data.pollers.simulator", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=settings.database_url)
    parser.add_argument("--drop-dir", type=Path, default=Path(settings.feed_dir))
    parser.add_argument("--seed", type=int, default=settings.demo_seed)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backfill").add_argument("--hours", type=float, default=24.0)
    commands.add_parser("step")
    commands.add_parser("run").add_argument("--every", type=float, default=30.0)
    args = parser.parse_args(argv)

    db = Database.connect(args.database_url)
    if args.command == "backfill":
        summary = backfill(db, args.drop_dir, hours=args.hours, seed=args.seed)
        print("\n".join(summary.lines()))
        return 0
    while True:
        summary = step(db, args.drop_dir, seed=args.seed)
        print("\n".join(summary.lines()), flush=True)
        if args.command == "step":
            return 0
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
