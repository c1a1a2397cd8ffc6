"""Alembic environment: runs on a connection handed over by `Database.migrate`, or on
`DATABASE_URL` when called from the alembic command line."""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from data.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("DATABASE_URL", "sqlite:///instance/platform.db")
    with create_engine(url).begin() as conn:
        _run(conn)
