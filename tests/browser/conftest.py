"""Browser-only fixtures: the browser tests check the UI, not the SQL dialect, so one backend is enough."""
from __future__ import annotations

import pytest


@pytest.fixture
def backend() -> str:
    """Overrides tests/conftest.py's sqlite/postgresql parametrisation: each browser test runs once."""
    return "sqlite"
