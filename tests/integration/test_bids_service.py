"""Submitting, amending and withdrawing bids on both databases: every bad field named and nothing changed, stale
versions refused, another aggregator's bid out of reach."""
from __future__ import annotations

import pytest

from data.access import AccessDenied
from data.db import Database
from data.domain.bids import InvalidBid
from data.domain.enums import BidStatus, Market
from data.domain.errors import DomainError, StaleEdit
from data.queries.bids import bid_rows
from data.services.bids import BidRequest, amend_bid, submit_bid, withdraw_bid
from tests.integration.bid_helpers import a_der, bid_count, bid_request, day2, stored, who


def test_validation_names_the_field_and_changes_nothing(database: Database) -> None:
    ldc, agg, other = who(database, "ldc"), who(database, "aggregator"), who(database, "mapledr-desk")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("wholesale",))
    day = day2()
    before = bid_count(database)
    cases = [
        (bid_request(der, day, quantity=der.capacity_kw * 2), "quantity"),
        (bid_request(der, day, price=5000), "price"),
        (bid_request(der, day, first=0), "first hour-ending"),
        (bid_request(der, day, market=Market.DISTRIBUTION), "market"),
        (BidRequest(Market.DAM, day, 10, 12, 1.0, 10.0), "asset"),
    ]
    for request, field in cases:
        with pytest.raises(InvalidBid) as err, database.transaction() as s:
            submit_bid(s, agg, request)
        assert any(p.startswith(f"{field}:") for p in err.value.problems), err.value.problems
    with pytest.raises(InvalidBid, match="asset"), database.transaction() as s:
        submit_bid(s, other, bid_request(der, day))
    with pytest.raises(AccessDenied), database.transaction() as s:
        submit_bid(s, ldc, bid_request(der, day))
    assert bid_count(database) == before


def test_stale_versions_are_refused_and_other_aggregators_cannot_touch_a_bid(database: Database) -> None:
    ldc, agg, other = who(database, "ldc"), who(database, "aggregator"), who(database, "mapledr-desk")
    der = a_der(database, agg, ldc.territory_ldc_ids)
    day = day2()
    with database.transaction() as s:
        bid = submit_bid(s, agg, bid_request(der, day, quantity=10))
        bid_id, seen = bid.id, bid.version
    with database.transaction() as s:
        amend_bid(s, agg, bid_id, seen, quantity_kw=11.0, price_per_mwh=85.0, first_hour_ending=10,
                  last_hour_ending=14)
    with pytest.raises(StaleEdit), database.transaction() as s:
        amend_bid(s, agg, bid_id, seen, quantity_kw=12.0, price_per_mwh=85.0, first_hour_ending=10,
                  last_hour_ending=14)
    with pytest.raises(StaleEdit), database.transaction() as s:
        withdraw_bid(s, agg, bid_id, seen)
    current = stored(database, bid_id)
    assert current.quantity_kw == 11.0 and current.status == BidStatus.SUBMITTED
    for action in (lambda s: amend_bid(s, other, bid_id, current.version, quantity_kw=1.0, price_per_mwh=1.0,
                                       first_hour_ending=10, last_hour_ending=11),
                   lambda s: withdraw_bid(s, other, bid_id, current.version)):
        with pytest.raises(DomainError, match="among your organisation's"), database.transaction() as s:
            action(s)
    # two sessions racing on the same version: the second write is refused by the version column
    with database.transaction() as first:
        with database.transaction() as second:
            amend_bid(second, agg, bid_id, current.version, quantity_kw=13.0, price_per_mwh=85.0,
                      first_hour_ending=10, last_hour_ending=14)
        with pytest.raises(StaleEdit):
            withdraw_bid(first, agg, bid_id, current.version)
    assert stored(database, bid_id).quantity_kw == 13.0
    with database.session() as s:
        assert [r.id for r in bid_rows(s, other) if r.id == bid_id] == []
        assert [r.id for r in bid_rows(s, agg) if r.id == bid_id] == [bid_id]
        assert [r.id for r in bid_rows(s, ldc) if r.id == bid_id] == [bid_id]
