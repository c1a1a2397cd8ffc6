"""Shared fixtures: fresh databases on both backends, one Dash app per test session."""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from callbacks.context import EXTENSION_KEY, PlatformContext
from config.settings import load_settings
from data.db import Database
from tests.support import BACKENDS, DatabaseFactory, pg_available


def pytest_setup_options():  # dash[testing] hook: Chromium options for dash_duo
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for arg in ("--window-size=1600,1000", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run"):
        options.add_argument(arg)
    if Path("/usr/bin/chromium").exists():
        options.binary_location = "/usr/bin/chromium"
    return options


@pytest.fixture(scope="session")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    f = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield f
    f.close()


def _require_backend(backend: str) -> None:
    if backend != "postgresql":
        return
    reason = pg_available()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is mandatory in CI and did not answer: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    _require_backend(request.param)
    return request.param


@pytest.fixture
def database(factory: DatabaseFactory, backend: str) -> Iterator[Database]:
    """A fresh database with the small demo grid, on each backend."""
    db, handle = factory.create(backend, demo=True)
    yield db
    factory.discard(backend, handle, db)


@pytest.fixture
def empty_database(factory: DatabaseFactory, backend: str) -> Iterator[Database]:
    """A fresh migrated database with no rows, on each backend."""
    db, handle = factory.create(backend, demo=False)
    yield db
    factory.discard(backend, handle, db)


@pytest.fixture(scope="session")
def dash_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One Dash app per session (Dash's callback registry is global); tests swap its database."""
    from app import create_app

    instance = tmp_path_factory.mktemp("instance")
    settings = load_settings(
        env={}, database_url=f"sqlite:///{instance / 'boot.db'}", instance_dir=instance, demo=False,
        scheduler=False, login_rate_limit="1000 per minute", secret_key="test-secret",
    )
    app = create_app(settings)
    app.server.test_client().get("/healthz")  # Dash finishes its set-up (callback map) on the first request
    return app


@pytest.fixture
def app(dash_app, database: Database):  # type: ignore[no-untyped-def]
    """The session app pointed at this test's fresh demo database."""
    server = dash_app.server
    previous = server.extensions[EXTENSION_KEY]
    server.extensions[EXTENSION_KEY] = PlatformContext(
        settings=dataclasses.replace(previous.settings, demo=True), db=database
    )
    yield dash_app
    server.extensions[EXTENSION_KEY] = previous


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.server.test_client()
