"""Exactly one poller leader among processes sharing a database; a dead leader is replaced."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from data.db import Database
from data.pollers.leader import Leadership
from data.pollers.scheduler import poll_interval_s

ACQUIRED = "poller leadership acquired"


@pytest.mark.parametrize(("cadence", "interval"), [(300, 20), (60, 15), (3600, 240), (86400, 600)])
def test_poll_interval_follows_the_cadence(cadence: int, interval: int) -> None:
    assert poll_interval_s(cadence) == interval


def test_only_one_leadership_at_a_time_and_release_hands_over(empty_database: Database, tmp_path: Path) -> None:
    other_db = Database.connect(empty_database.engine.url.render_as_string(hide_password=False))
    first, second = Leadership(empty_database, tmp_path), Leadership(other_db, tmp_path)
    try:
        assert first.try_acquire() is True
        assert first.try_acquire() is True  # still the leader
        assert second.try_acquire() is False
        first.release()
        assert second.try_acquire() is True
        assert first.try_acquire() is False
    finally:
        first.release()
        second.release()
        other_db.engine.dispose()


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "data.pollers"], env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_two_processes_one_leader_and_failover(empty_database: Database, tmp_path: Path) -> None:
    url = make_url(empty_database.engine.url).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(tmp_path), "FEED_DIR": str(tmp_path / "feeds"),
           "SIMULATOR": "0", "DEMO": "0", "PYTHONPATH": str(Path.cwd())}
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [_spawn(env, logs[0])]
    try:
        assert _wait_for(lambda: ACQUIRED in logs[0].read_text(), 60), logs[0].read_text()
        procs.append(_spawn(env, logs[1]))
        time.sleep(15)  # more than one leadership check of the second process
        assert ACQUIRED not in logs[1].read_text()
        os.killpg(procs[0].pid, signal.SIGKILL)  # a crash, not a clean stop
        procs[0].wait(timeout=10)
        assert _wait_for(lambda: ACQUIRED in logs[1].read_text(), 60), logs[1].read_text()
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=20)
