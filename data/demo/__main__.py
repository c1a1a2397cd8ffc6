"""Load the demo into an empty database: ``python -m data.demo --ders N [--seed S] [--password P]``."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from config.settings import load_settings
from data.db import Database
from data.demo.generator import DemoNotEmptyError, load_demo


def main(argv: list[str] | None = None) -> int:
    # The secret key is not needed here: passing one keeps load_settings from writing instance/secret_key.
    settings = load_settings(secret_key="unused-by-the-demo-loader")
    parser = argparse.ArgumentParser(prog="python -m data.demo", description=__doc__)
    parser.add_argument("--ders", type=int, default=settings.demo_ders, help="number of DERs to generate")
    parser.add_argument("--seed", type=int, default=settings.demo_seed, help="same seed, same rows")
    parser.add_argument("--password", default=settings.demo_password, help="password of every demo user")
    parser.add_argument("--database-url", default=settings.database_url, help="default: DATABASE_URL")
    args = parser.parse_args(argv)

    db = Database.connect(args.database_url)
    db.migrate(Path("instance"))
    started = time.perf_counter()
    try:
        summary = load_demo(db, ders=args.ders, seed=args.seed, password=args.password)
    except DemoNotEmptyError as exc:
        print(f"Refused: {exc}. Use an empty database (or drop this one) to load the demo.", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(f"Demo loaded into {db.engine.url.render_as_string(hide_password=True)} (seed {args.seed}):")
    for line in summary.lines():
        print(f"  {line}")
    print(f"Elapsed: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
