"""Selection on both databases: the buyer (IESO for wholesale, the territory's LDC for distribution) decides,
the aggregator is told and acknowledges."""
from __future__ import annotations

import pytest

from data.access import AccessDenied
from data.db import Database
from data.domain.bids import InvalidBid
from data.domain.enums import BidChangeKind, BidStatus, Market, Severity
from data.domain.errors import DomainError, IllegalTransition, StaleEdit
from data.queries.bids import SELECTION_KIND
from data.services.bids import acknowledge_selection, select_bids, submit_bid
from tests.integration.bid_helpers import a_der, bid_request, changes, day2, notes, stored, who


def test_selection_notifies_the_aggregator_which_acknowledges(database: Database) -> None:
    ldc, ieso, agg = who(database, "ldc"), who(database, "ieso"), who(database, "aggregator")
    other = who(database, "mapledr-desk")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("both", "wholesale"))
    day = day2()
    with database.transaction() as s:
        bid = submit_bid(s, agg, bid_request(der, day))
        bid_id, version = bid.id, bid.version
    with pytest.raises(AccessDenied), database.transaction() as s:
        select_bids(s, agg, [(bid_id, version)], True)
    with pytest.raises(InvalidBid, match="decided by the IESO"), database.transaction() as s:
        select_bids(s, ldc, [(bid_id, version)], True)
    with pytest.raises(StaleEdit), database.transaction() as s:
        select_bids(s, ieso, [(bid_id, version + 5)], True)
    with database.transaction() as s:
        (done,) = select_bids(s, ieso, [(bid_id, version)], True)
        version = done.version
    selected = stored(database, bid_id)
    assert selected.status == BidStatus.SELECTED and selected.selected_at is not None
    assert selected.selection_acknowledged_at is None
    note = notes(database, agg.organisation_id, SELECTION_KIND)[-1]
    assert f"#{bid_id}" in note.text and "acknowledge" in note.text and note.severity == Severity.ACTION
    with pytest.raises(InvalidBid, match="only a submitted bid"), database.transaction() as s:
        select_bids(s, ieso, [(bid_id, version)], False)
    with pytest.raises(DomainError, match="among your organisation's"), database.transaction() as s:
        acknowledge_selection(s, other, bid_id, version)
    with database.transaction() as s:
        acknowledge_selection(s, agg, bid_id, version)
    acked = stored(database, bid_id)
    assert acked.selection_acknowledged_at is not None
    assert [c.kind for c in changes(database, bid_id)][-2:] == [BidChangeKind.SELECTED, BidChangeKind.ACKNOWLEDGED]
    assert not any(c.after_close for c in changes(database, bid_id))
    with pytest.raises(IllegalTransition), database.transaction() as s:
        acknowledge_selection(s, agg, bid_id, acked.version)


def test_distribution_bids_are_decided_by_the_ldc_of_the_territory(database: Database) -> None:
    ldc, ieso, agg, far = who(database, "ldc"), who(database, "ieso"), who(database, "aggregator"), who(database,
                                                                                                        "gre-ops")
    der = a_der(database, agg, ldc.territory_ldc_ids, tags=("both", "distribution"))
    day = day2()
    with database.transaction() as s:
        a = submit_bid(s, agg, bid_request(der, day, market=Market.DISTRIBUTION, first=16, last=19))
        b = submit_bid(s, agg, bid_request(der, day, market=Market.DISTRIBUTION, first=20, last=21, price=40))
        pairs = [(a.id, a.version), (b.id, b.version)]
    with pytest.raises(InvalidBid, match="decided by the LDC"), database.transaction() as s:
        select_bids(s, ieso, pairs, True)
    with pytest.raises(InvalidBid, match="not in your territory"), database.transaction() as s:
        select_bids(s, far, pairs, True)
    with database.transaction() as s:
        assert len(select_bids(s, ldc, pairs, False)) == 2
    assert {stored(database, i).status for i, _ in pairs} == {BidStatus.NOT_SELECTED}
    assert len(notes(database, agg.organisation_id, SELECTION_KIND)) >= 2
