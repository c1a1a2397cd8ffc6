"""The first-administrator command of a production install."""
from __future__ import annotations

import subprocess
import sys


def test_command_creates_the_admin_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_DIR": str(tmp_path), "ADMIN_PASSWORD": "correct-horse-battery",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PYTHONPATH": "."}
    cmd = [sys.executable, "-m", "data.services.first_admin", "--username", "chief", "--name", "Chief Admin"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "ON-USR-000001" in first.stdout
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 2 and "already exists" in second.stderr
