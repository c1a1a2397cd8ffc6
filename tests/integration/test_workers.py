"""Stateless workers: two gunicorn processes on one PostgreSQL share sessions and login limits."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support import pg_available, pg_create, pg_drop, unique_name

REDIS = ("127.0.0.1", 6379)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker on {port} exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"worker on {port} not ready after {timeout}s")


def _sign_in(session: requests.Session, port: int, username: str, password: str) -> requests.Response:
    page = session.get(f"http://127.0.0.1:{port}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return session.post(f"http://127.0.0.1:{port}/login", timeout=30, allow_redirects=False,
                        data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def two_workers(tmp_path: Path):  # type: ignore[no-untyped-def]
    reason = pg_available()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is mandatory in CI: {reason}")
        pytest.skip(reason)
    name = unique_name("tdp_workers")
    url = pg_create(name)
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(tmp_path), "DEMO_DERS": "300",
           "SCHEDULER": "0", "SECRET_KEY": "shared-by-every-worker", "LOGIN_RATE_LIMIT": "4 per minute"}
    if _redis_up():
        import redis

        redis.Redis(host=REDIS[0], port=REDIS[1], db=15).flushdb()  # counters of an earlier run
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "120",
                          "app:create_server()"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
        for port in ports
    ]
    try:
        for port, proc in zip(ports, procs, strict=True):
            _wait_ready(port, proc)
        yield ports, "REDIS_URL" in env
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
        pg_drop(name)


def test_session_from_one_worker_is_honoured_by_the_other(two_workers) -> None:  # type: ignore[no-untyped-def]
    (a, b), _ = two_workers
    s = requests.Session()
    assert _sign_in(s, a, "ieso", "demo").status_code == 302
    assert s.get(f"http://127.0.0.1:{b}/_dash-layout", timeout=30).status_code == 200
    assert requests.get(f"http://127.0.0.1:{b}/_dash-layout", timeout=30).status_code == 401


def test_login_limit_is_shared_through_redis(two_workers) -> None:  # type: ignore[no-untyped-def]
    (a, b), shared = two_workers
    if not shared:
        pytest.skip("Redis is not running: each worker counts on its own")
    codes = [_sign_in(requests.Session(), port, "manager", "wrong").status_code for port in (a, b, a, b, a)]
    assert codes[:4] == [401] * 4 and codes[4] == 429
