"""Platform IDs come from a sequence: after the highest ID in use, in order, never handed out twice."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from data.db import Database
from data.domain.identifiers import DER_PREFIX, RESOURCE_PREFIX, parse_sequence
from data.models import Der, IdSequence, Resource
from data.services.sequences import next_der_ids, next_resource_codes


def highest(database: Database, column, prefix: str) -> int:  # type: ignore[no-untyped-def]
    with database.session() as s:
        return parse_sequence(s.scalar(select(func.max(column))), prefix)


def test_the_first_ids_follow_the_highest_in_use(database: Database) -> None:
    top = highest(database, Der.platform_id, DER_PREFIX)
    with database.transaction() as s:
        ids = next_der_ids(s, 3)
    assert [parse_sequence(i, DER_PREFIX) for i in ids] == [top + 1, top + 2, top + 3]
    top_resource = highest(database, Resource.resource_code, RESOURCE_PREFIX)
    with database.transaction() as s:
        (code,) = next_resource_codes(s)
    assert parse_sequence(code, RESOURCE_PREFIX) == top_resource + 1


def test_ids_handed_out_in_a_rolled_back_or_rejected_registration_are_not_reused(database: Database) -> None:
    with database.transaction() as s:
        (first,) = next_der_ids(s)
    # The registration that took `first` is rejected: its ID is not given to the next one.
    with database.transaction() as s:
        (second,) = next_der_ids(s)
    assert parse_sequence(second, DER_PREFIX) == parse_sequence(first, DER_PREFIX) + 1


def test_asking_for_none_allocates_nothing(empty_database: Database) -> None:
    with empty_database.transaction() as s:
        assert next_der_ids(s, 0) == []
        assert s.scalar(select(func.count()).select_from(IdSequence)) == 0
    with empty_database.transaction() as s:
        assert next_der_ids(s, 2) == ["ON-DER-0000001", "ON-DER-0000002"]


@pytest.mark.parametrize("first_use", [True, False], ids=["first-use", "row-exists"])
def test_concurrent_approvals_never_get_the_same_id(database: Database, backend: str, first_use: bool) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: there is no concurrent allocation to race")
    if not first_use:
        with database.transaction() as s:
            next_der_ids(s)
    results: list[list[str]] = []
    barrier = threading.Barrier(4)

    def allocate() -> None:
        barrier.wait()
        with database.transaction() as s:
            results.append(next_der_ids(s, 25))

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    handed_out = [i for batch in results for i in batch]
    assert len(handed_out) == len(set(handed_out)) == 100
