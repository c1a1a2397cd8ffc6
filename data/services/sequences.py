"""Identifier sequences: platform IDs are handed out once and never reused, even if a registration is rejected."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from data.domain.identifiers import DER_PREFIX, RESOURCE_PREFIX, der_platform_id, parse_sequence, resource_code
from data.models import Der, IdSequence, Resource


def _allocate(session: Session, prefix: str, column: InstrumentedAttribute[str | None] | InstrumentedAttribute[str],
              render: Callable[[int], str], count: int) -> list[str]:
    if count <= 0:
        return []
    row = _locked_row(session, prefix, column)
    first = row.last_value + 1
    row.last_value += count
    session.flush()
    return [render(n) for n in range(first, first + count)]


def _locked_row(session: Session, prefix: str,
                column: InstrumentedAttribute[str | None] | InstrumentedAttribute[str]) -> IdSequence:
    """The sequence row, locked until commit (FOR UPDATE on PostgreSQL; SQLite has one writer anyway)."""
    query = select(IdSequence).where(IdSequence.name == prefix).with_for_update()
    row = session.scalar(query)
    if row is not None:
        return row
    # First use on a database loaded before the sequence existed: start after the highest ID in use. Two
    # first uses at once: one insert wins, the other falls back to locking the winner's row.
    highest = session.scalar(select(func.max(column)).where(column.like(f"{prefix}%")))
    try:
        with session.begin_nested():
            session.add(IdSequence(name=prefix, last_value=parse_sequence(highest, prefix) if highest else 0))
    except IntegrityError:
        pass
    return session.scalars(query.execution_options(populate_existing=True)).one()


def next_der_ids(session: Session, count: int = 1) -> list[str]:
    """``count`` new ``ON-DER-...`` IDs, in order."""
    return _allocate(session, DER_PREFIX, Der.platform_id, der_platform_id, count)


def next_resource_codes(session: Session, count: int = 1) -> list[str]:
    return _allocate(session, RESOURCE_PREFIX, Resource.resource_code, resource_code, count)
