"""Migrations build the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from data.db import Database
from data.models import Base


def test_migrations_and_models_agree(empty_database: Database) -> None:
    with empty_database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_every_model_table_exists(empty_database: Database) -> None:
    tables = set(inspect(empty_database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrating_twice_changes_nothing(empty_database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty_database.migrate(tmp_path)
    empty_database.migrate(tmp_path)
    assert empty_database.ping()


def test_readings_table_is_keyed_by_series_and_time(empty_database: Database) -> None:
    pk = inspect(empty_database.engine).get_pk_constraint("reading")
    assert pk["constrained_columns"] == ["series_id", "ts"]
