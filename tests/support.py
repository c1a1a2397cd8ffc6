"""Test support: fresh databases on SQLite and PostgreSQL, and HTTP helpers for the Dash app."""
from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import psycopg
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import make_url

from data.access import Principal
from data.db import Database
from data.models import User
from data.services.accounts import principal_for

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DEMO_DERS = 400
DEMO_SEED = 20261130
BACKENDS = ("sqlite", "postgresql")


def pg_admin_conninfo() -> str:
    url = make_url(PG_URL)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def pg_available() -> str | None:
    """None when the server answers, else the reason."""
    try:
        with psycopg.connect(pg_admin_conninfo(), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip()


def pg_url_for(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def pg_create(name: str, template: str | None = None) -> str:
    with psycopg.connect(pg_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return pg_url_for(name)


def pg_drop(name: str) -> None:
    with psycopg.connect(pg_admin_conninfo(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


class DatabaseFactory:
    """Builds one migrated template per backend (with or without the demo) and hands out copies."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.templates: dict[tuple[str, bool], str] = {}
        self.created_pg: list[str] = []

    def _template(self, backend: str, demo: bool) -> str:
        key = (backend, demo)
        if key in self.templates:
            return self.templates[key]
        if backend == "sqlite":
            path = self.workdir / f"template-{'demo' if demo else 'empty'}.db"
            db = Database.connect(f"sqlite:///{path}")
        else:
            name = unique_name("tdp_tpl")
            self.created_pg.append(name)
            db = Database.connect(pg_create(name))
            path = Path(name)
        db.migrate(self.workdir)
        if demo:
            from data.demo.generator import load_demo

            load_demo(db, ders=DEMO_DERS, seed=DEMO_SEED, password="demo")
        db.engine.dispose()  # a PostgreSQL template must have no open connection
        self.templates[key] = str(path)
        return str(path)

    def create(self, backend: str, demo: bool = True) -> tuple[Database, str]:
        template = self._template(backend, demo)
        if backend == "sqlite":
            target = self.workdir / f"{unique_name('db')}.db"
            shutil.copyfile(template, target)
            return Database.connect(f"sqlite:///{target}"), str(target)
        name = unique_name("tdp_test")
        self.created_pg.append(name)
        return Database.connect(pg_create(name, template=template)), name

    def discard(self, backend: str, handle: str, db: Database) -> None:
        db.engine.dispose()
        if backend == "postgresql":
            pg_drop(handle)
        else:
            Path(handle).unlink(missing_ok=True)

    def close(self) -> None:
        for name in self.created_pg:
            pg_drop(name)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: FlaskClient, username: str, password: str = "demo") -> Any:
    page = client.get("/login")
    token = _CSRF.search(page.get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def callback_payload(app: Any, output_key: str, values: dict[str, Any] | None = None,
                     triggered: str | None = None) -> dict[str, Any]:
    """The JSON body the browser would POST to /_dash-update-component for one callback.

    `values` maps "component-id.property" to the value sent (default None).
    """
    values = values or {}
    spec = next(c for c in app._callback_list if c["output"] == output_key)  # noqa: SLF001 - test introspection

    def dep(d: dict[str, Any]) -> dict[str, Any]:
        key = f"{d['id']}.{d['property']}"
        return {"id": d["id"], "property": d["property"], "value": values.get(key)}

    outputs = []
    for part in output_key.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        prop = prop.split("@")[0]
        outputs.append({"id": cid, "property": prop})
    body = {
        "output": output_key,
        "outputs": outputs if output_key.startswith("..") else outputs[0],
        "inputs": [dep(d) for d in spec["inputs"]],
        "state": [dep(d) for d in spec["state"]],
        "changedPropIds": [triggered] if triggered else [],
    }
    return body


def find_output_key(app: Any, fragment: str) -> str:
    """The callback whose output key contains `fragment` (e.g. "home-stations.data")."""
    keys = [c["output"] for c in app._callback_list if fragment in c["output"]]  # noqa: SLF001
    assert len(keys) == 1, f"{fragment!r} matches {keys}"
    return keys[0]


def post_callback(client: FlaskClient, app: Any, fragment: str, values: dict[str, Any] | None = None,
                  triggered: str | None = None) -> Any:
    """POST one callback to /_dash-update-component as the browser would, as the signed-in client."""
    import json

    body = callback_payload(app, find_output_key(app, fragment), values, triggered)
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def principal(database: Database, username: str) -> Principal:
    """The principal of a demo user, as the services see it."""
    with database.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, f"no demo user {username!r}"
        return principal_for(s, user)
