"""Exactly one poller leader among all processes sharing a database.

PostgreSQL: a session-level advisory lock held on a dedicated connection; when the leader
process dies its connection closes and the lock is free for the next candidate. SQLite (one
machine): an OS file lock in the instance folder, released by the OS when the process dies.
"""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Connection, text

from data.db import Database

log = logging.getLogger("td_platform.pollers")
POLLER_LOCK_KEY = 746_201_003


class Leadership:
    def __init__(self, db: Database, lock_dir: Path) -> None:
        self.db = db
        self.lock_dir = lock_dir
        self._conn: Connection | None = None
        self._file: FileLock | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None

    def try_acquire(self) -> bool:
        """Non-blocking: True when this process is (still) the leader."""
        if self.db.is_sqlite:
            return self._try_file()
        return self._try_postgres()

    def _try_file(self) -> bool:
        if self._file is not None:
            return True
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_dir / "pollers.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return False
        self._file = lock
        log.info("poller leadership acquired (file lock)")
        return True

    def _try_postgres(self) -> bool:
        if self._conn is not None:
            try:  # still alive? a restarted server drops the session and with it the lock
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001 - any failure means we no longer hold the lock
                log.warning("poller leader lost its database session; standing down")
                self._drop_connection()
        try:
            conn = self.db.engine.connect()
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": POLLER_LOCK_KEY}).scalar()
            conn.commit()
        except Exception:  # noqa: BLE001 - database down: not the leader, try again later
            log.warning("poller leadership check failed: database unavailable")
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("poller leadership acquired (PostgreSQL advisory lock)")
        return True

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # the connection is already gone
                self._conn.invalidate()
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # the session may already be gone, and the lock with it
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": POLLER_LOCK_KEY})
            self._drop_connection()
        if self._file is not None:
            self._file.release()
            self._file = None
