"""After the market close on both databases: bid changes flagged and told to the system operators, resource plans
still editable and logged."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from data.db import Database
from data.domain.bids import InvalidBid
from data.domain.enums import BidChangeKind, Market, Severity
from data.domain.market_time import dam_close_utc, hour_ending_start_utc
from data.models import AuditEntry, Notification, Resource
from data.queries.bid_changes import change_rows
from data.queries.bids import POST_CLOSE_KIND
from data.services.bids import amend_bid, submit_bid, withdraw_bid
from data.services.resource_plans import save_resource_plan
from tests.integration.bid_helpers import a_der, bid_request, changes, day2, notes, who


def test_changes_after_the_close_are_flagged_and_told_to_the_operators(database: Database) -> None:
    ldc, ieso, agg = who(database, "ldc"), who(database, "ieso"), who(database, "aggregator")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("both",))
    day = day2()
    close = dam_close_utc(day)
    with database.transaction() as s:
        bid = submit_bid(s, agg, bid_request(der, day), now=close - timedelta(minutes=5))
        bid_id, version = bid.id, bid.version
    with database.transaction() as s:
        version = amend_bid(s, agg, bid_id, version, quantity_kw=10.0, price_per_mwh=90.0, first_hour_ending=10,
                            last_hour_ending=14, now=close - timedelta(minutes=1)).version
    ieso_before = len(notes(database, ieso.organisation_id, POST_CLOSE_KIND))
    with database.transaction() as s:
        version = amend_bid(s, agg, bid_id, version, quantity_kw=12.0, price_per_mwh=95.0, first_hour_ending=10,
                            last_hour_ending=14, now=close).version  # at the close: closed
    flags = [(c.kind, c.after_close) for c in changes(database, bid_id)]
    assert flags == [(BidChangeKind.SUBMITTED, False), (BidChangeKind.AMENDED, False), (BidChangeKind.AMENDED, True)]
    late = notes(database, ieso.organisation_id, POST_CLOSE_KIND)
    assert len(late) == ieso_before + 1 and f"#{bid_id}" in late[-1].text and "quantity kw 10.0 → 12.0" in late[-1].text
    assert late[-1].severity == Severity.ACTION
    with database.session() as s:
        assert [r.bid_id for r in change_rows(s, ieso, after_close=True)].count(bid_id) == 1
    # a distribution bid closes when its first hour starts; the LDC is told
    with database.transaction() as s:
        dist = submit_bid(s, agg, bid_request(der, day, market=Market.DISTRIBUTION, first=18, last=20),
                          now=close)
        dist_id, dist_version = dist.id, dist.version
    assert not changes(database, dist_id)[0].after_close
    with database.transaction() as s:
        withdraw_bid(s, agg, dist_id, dist_version, "crew unavailable",
                     now=hour_ending_start_utc(day, 18) + timedelta(minutes=10))
    assert changes(database, dist_id)[-1].after_close
    assert f"#{dist_id}" in notes(database, ldc.organisation_id, POST_CLOSE_KIND)[-1].text


def test_resource_plans_are_editable_and_logged_after_the_close(database: Database) -> None:
    agg, other = who(database, "aggregator"), who(database, "mapledr-desk")
    with database.session() as s:
        resource_id = s.scalar(select(Resource.id).where(Resource.aggregator_org_id == agg.organisation_id)
                               .order_by(Resource.id))
    day = day2()
    close = dam_close_utc(day)
    with pytest.raises(InvalidBid, match="resource"), database.transaction() as s:
        save_resource_plan(s, other, resource_id=resource_id, trade_date=day, intends_to_offer=True,
                           first_hour_ending=7, last_hour_ending=20)
    with pytest.raises(InvalidBid, match="first hour-ending"), database.transaction() as s:
        save_resource_plan(s, agg, resource_id=resource_id, trade_date=day, intends_to_offer=True)
    with database.transaction() as s:
        plan, late = save_resource_plan(s, agg, resource_id=resource_id, trade_date=day, intends_to_offer=True,
                                        first_hour_ending=7, last_hour_ending=20, note="peak",
                                        now=close - timedelta(hours=1))
        plan_id = plan.id
    assert not late
    with database.transaction() as s:
        again, late = save_resource_plan(s, agg, resource_id=resource_id, trade_date=day, intends_to_offer=False,
                                         note="maintenance", now=close + timedelta(minutes=1))
    assert late and again.id == plan_id and again.first_hour_ending is None
    with database.session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "resource_plan",
                                                             AuditEntry.entity_id == str(plan_id))
                            .order_by(AuditEntry.id)).all()
        ieso_org = who(database, "ieso").organisation_id
        told = s.scalars(select(Notification.text).where(Notification.organisation_id == ieso_org,
                                                         Notification.kind == POST_CLOSE_KIND)).all()
    assert actions == ["resource_plan_saved", "resource_plan_after_close"]
    assert any("resource plan" in t and str(day) in t for t in told)
