"""Create the first platform administrator of a production install (DEMO=0).

    python -m data.services.first_admin --username alice --name "Alice Martin"

The password is read from the terminal (or from ADMIN_PASSWORD for automation).
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from config.settings import load_settings
from data.db import Database
from data.services.accounts import create_first_admin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--username", required=True)
    parser.add_argument("--name", default="Platform administrator")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    settings = load_settings()
    db = Database.connect(args.database_url or settings.database_url)
    db.migrate(settings.instance_dir)
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password (12+ characters): ")
    try:
        with db.transaction() as s:
            user = create_first_admin(s, username=args.username, password=password, display_name=args.name)
            public_id = user.public_id
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"administrator {args.username} created ({public_id}); sign in at /login")
    return 0


if __name__ == "__main__":
    sys.exit(main())
