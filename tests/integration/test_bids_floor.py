"""Distributors' floor-price bids on both databases: quantity automation on outage start and end, overrides
respected and cleared, who may submit them and for which DERs."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.access import AccessDenied
from data.db import Database
from data.domain.bids import InvalidBid
from data.domain.enums import BidChangeKind, BidStatus, DerStatus, Market, OutageKind, OutageState
from data.domain.market_time import hour_ending_start_utc
from data.models import Der, Enrolment
from data.queries.bid_changes import change_rows
from data.queries.bids import FLOOR_KIND
from data.services.floor_bids import clear_floor_override, override_floor, submit_floor_bids
from tests.integration.bid_helpers import (
    a_floor_bid,
    changes,
    day2,
    floor_der,
    notes,
    outage_on,
    set_outage_state,
    stored,
    who,
)


def test_floor_bid_quantity_is_zero_during_an_outage_and_restored_after(database: Database) -> None:
    ldc, day = who(database, "ldc"), day2()
    der, bid_id, _ = a_floor_bid(database, ldc, day)
    first = stored(database, bid_id)
    assert first.is_floor_price and first.price_per_mwh == 0 and first.quantity_kw == der.capacity_kw
    assert first.market == Market.DISTRIBUTION and first.base_quantity_kw is None
    outage_id = outage_on(database, ldc, der, hour_ending_start_utc(day, 12))
    during = stored(database, bid_id)
    assert during.quantity_kw == 0 and during.base_quantity_kw == der.capacity_kw
    assert during.status == BidStatus.SUBMITTED  # a floor bid is reduced, never blocked
    auto = changes(database, bid_id)[-1]
    assert auto.kind == BidChangeKind.FLOOR_AUTOMATIC and auto.user_id is None and f"#{outage_id}" in auto.detail
    assert auto.before["quantity_kw"] == der.capacity_kw and auto.after["quantity_kw"] == 0
    assert f"#{bid_id}" in notes(database, ldc.organisation_id, FLOOR_KIND)[-1].text
    set_outage_state(database, ldc, outage_id, OutageState.CANCELLED)
    after = stored(database, bid_id)
    assert after.quantity_kw == der.capacity_kw and after.base_quantity_kw is None
    # a constraint leaves capacity x (1 - de-rate)
    outage_on(database, ldc, der, hour_ending_start_utc(day, 15), kind=OutageKind.CONSTRAINT, derate_pct=40.0)
    assert stored(database, bid_id).quantity_kw == pytest.approx(der.capacity_kw * 0.6, abs=1e-3)
    with database.session() as s:
        floor_log = change_rows(s, ldc, kinds=[BidChangeKind.FLOOR_AUTOMATIC])
    assert sum(r.bid_id == bid_id for r in floor_log) == 3


def test_floor_override_is_respected_and_can_be_cleared(database: Database) -> None:
    ldc, day = who(database, "ldc"), day2()
    der, bid_id, version = a_floor_bid(database, ldc, day)
    with pytest.raises(InvalidBid), database.transaction() as s:
        override_floor(s, ldc, bid_id, version, der.capacity_kw + 1)
    with database.transaction() as s:
        version = override_floor(s, ldc, bid_id, version, 12.5, note="feeder study").version
    outage_on(database, ldc, der, hour_ending_start_utc(day, 12))
    kept = stored(database, bid_id)
    assert kept.quantity_kw == 12.5 and kept.floor_override and kept.version == version
    last = changes(database, bid_id)[-1]
    assert last.kind == BidChangeKind.FLOOR_AUTOMATIC and "overridden by hand" in last.detail
    with database.transaction() as s:
        cleared = clear_floor_override(s, ldc, bid_id, version)
        assert cleared.quantity_kw == 0 and cleared.base_quantity_kw == der.capacity_kw
    kinds = [c.kind for c in changes(database, bid_id)]
    assert kinds.count(BidChangeKind.FLOOR_OVERRIDE) == 2


def test_who_may_submit_floor_bids_and_for_which_ders(database: Database) -> None:
    ldc, other_ldc, agg = who(database, "ldc"), who(database, "gre-ops"), who(database, "aggregator")
    der = floor_der(database, ldc)
    day = day2()
    with pytest.raises(AccessDenied), database.transaction() as s:
        submit_floor_bids(s, agg, [der.id], day, 8, 20)
    with pytest.raises(InvalidBid, match="not in your territory"), database.transaction() as s:
        submit_floor_bids(s, other_ldc, [der.id], day, 8, 20)
    with database.session() as s:
        plain = s.scalar(select(Der.id).where(Der.ldc_id == ldc.organisation_id, Der.status == DerStatus.ACTIVE,
                                              Der.id.not_in(select(Enrolment.der_id))).order_by(Der.id))
    with pytest.raises(InvalidBid, match="not selected for distribution services"), database.transaction() as s:
        submit_floor_bids(s, ldc, [plain], day, 8, 20)
    with database.transaction() as s:
        submit_floor_bids(s, ldc, [der.id], day, 8, 20)
    with pytest.raises(InvalidBid, match="already has a floor-price bid"), database.transaction() as s:
        submit_floor_bids(s, ldc, [der.id], day, 12, 22)
