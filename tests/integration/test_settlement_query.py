"""Settlement queries on the demo with its M&V history (SQLite and PostgreSQL): scope per role, the party filter,
the arithmetic against the stored M&V results, the demo's double payments, the period's EST bounds and annexes.

Expected numbers are recomputed here from the stored rows and the configured rates, never typed in.
"""
from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from config.settings import load_settings
from data.access import GUEST, Principal, territory_of
from data.db import Database
from data.demo.mv_history import ensure_mv_history
from data.domain.baselines import DEFAULT_METHOD_NAME, PRESETS
from data.domain.enums import Market, OrgKind, OutageKind, Role
from data.domain.limits.values import HourlyLimit
from data.domain.market_time import hour_ending_start_utc, trade_date_of
from data.domain.notices import Location, NoticeDraft
from data.domain.settlement import RateCard
from data.models import Der, Feeder, MvEvent, MvResult, Organisation, Program, Resource, User
from data.queries.settlement import (
    SettlementFilters,
    approved_limits,
    notices_and_outages,
    parties_in_view,
    set_points,
    settlement_report,
)
from data.services.accounts import principal_for
from data.services.dispatch import Direction, IssueRequest, issue_instruction
from data.services.limits import decide, request_limit
from data.services.notices import create_draft, publish_notice
from data.services.outages import log_outage
from tests.support import DEMO_SEED

AS_OF = date(2026, 6, 19)
DAYS = 30
PERIOD = SettlementFilters(AS_OF - timedelta(days=DAYS), AS_OF)
RATES = RateCard.from_settings(load_settings(env={}, secret_key="test"))


@pytest.fixture
def mv(database: Database) -> Database:
    summary = ensure_mv_history(database, days=DAYS, seed=DEMO_SEED, as_of=AS_OF)
    assert summary is not None and summary.events > 0
    return database


def who(db: Database, username: str) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def report(db: Database, principal: Principal, filters: SettlementFilters = PERIOD):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return settlement_report(s, principal, RATES, filters)


def event_ids(db: Database, principal: Principal, filters: SettlementFilters = PERIOD) -> set[int]:
    return {line.event.event_id for line in report(db, principal, filters).lines}


def events_of(db: Database, *conds) -> set[int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return set(s.scalars(select(MvEvent.id).join(Resource, Resource.id == MvEvent.resource_id).where(*conds)))


def manager_of(db: Database, code: str) -> Principal:
    """A manager of the organisation with this code (the demo has only the aggregator's manager)."""
    with db.session() as s:
        org = s.scalar(select(Organisation).where(Organisation.code == code))
        kind = OrgKind(org.kind)
        return Principal(Role.MANAGER, user_id=None, username=f"manager-{code}", organisation_id=org.id,
                         organisation_name=org.name, organisation_kind=kind,
                         territory_ldc_ids=territory_of(s, org.id) if kind is OrgKind.LDC else ())


def test_each_role_sees_its_own_payments(mv: Database) -> None:
    everything = events_of(mv)
    assert event_ids(mv, who(mv, "ieso")) == everything == event_ids(mv, who(mv, "admin"))
    assert event_ids(mv, manager_of(mv, "IESO")) == everything
    assert event_ids(mv, GUEST) == set()
    with mv.session() as s:
        assert parties_in_view(s, GUEST) == []

    gridpulse, maple = who(mv, "aggregator"), who(mv, "mapledr-desk")
    mine = events_of(mv, Resource.aggregator_org_id == gridpulse.organisation_id)
    theirs = events_of(mv, Resource.aggregator_org_id == maple.organisation_id)
    assert mine and theirs and not mine & theirs
    assert event_ids(mv, gridpulse) == mine == event_ids(mv, who(mv, "manager"))
    assert event_ids(mv, maple) == theirs
    assert {line.event.seller_id for line in report(mv, gridpulse).lines} == {gridpulse.organisation_id}

    ldc = who(mv, "ldc")
    with mv.session() as s:
        bought = set(s.scalars(select(MvEvent.id).join(Program, Program.id == MvEvent.program_id)
                               .where(Program.operator_org_id.in_(ldc.territory_ldc_ids))))
        territory = set(s.scalars(select(MvEvent.id).where(MvEvent.resource_id.in_(
            select(Der.resource_id).where(Der.ldc_id.in_(ldc.territory_ldc_ids))))))
    # An LDC sees what it buys, not the wholesale payments of aggregators that happen to have DERs on its feeders.
    assert bought and territory - bought and event_ids(mv, ldc) == bought != everything
    assert event_ids(mv, manager_of(mv, "LSH")) == bought
    # A DER owner sees its assets' performance, not the payments between its aggregator and the buyers.
    assert event_ids(mv, who(mv, "owner")) == set()


def test_the_party_filter_only_narrows_the_view(mv: Database) -> None:
    gridpulse, maple, ieso = who(mv, "aggregator"), who(mv, "mapledr-desk"), who(mv, "ieso")
    with mv.session() as s:
        assert [p.id for p in parties_in_view(s, gridpulse)] == [gridpulse.organisation_id]
        assert {p.id for p in parties_in_view(s, ieso)} >= {gridpulse.organisation_id, maple.organisation_id}
    forged = SettlementFilters(PERIOD.first, PERIOD.last, (maple.organisation_id,))
    assert report(mv, gridpulse, forged).lines == []  # never another aggregator's payments
    both = SettlementFilters(PERIOD.first, PERIOD.last, (maple.organisation_id, gridpulse.organisation_id))
    assert event_ids(mv, gridpulse, both) == event_ids(mv, gridpulse)
    assert event_ids(mv, ieso, forged) == event_ids(mv, maple)


def test_payments_follow_the_stored_results_and_the_rates(mv: Database) -> None:
    found = report(mv, who(mv, "ieso"))
    assert found.lines and all(line.measured for line in found.lines)
    with mv.session() as s:
        for line in found.lines[:12]:
            event = s.get(MvEvent, line.event.event_id)
            program = s.get(Program, event.program_id) if event.program_id else None
            method = PRESETS.get(program.baseline_method if program else "", PRESETS[DEFAULT_METHOD_NAME]).name
            rows = s.scalars(select(MvResult).where(MvResult.event_id == event.id, MvResult.method == method)).all()
            market = program.market if program else (Market.REAL_TIME if event.issuer == "ieso" else
                                                      Market.DISTRIBUTION)
            rates = RATES.for_market(market)
            delivered = math.fsum(max(0.0, r.delivered_kw) for r in rows) / 1000
            activated = math.fsum(r.activated_kw for r in rows) / 1000
            within = math.fsum(min(max(0.0, r.delivered_kw), r.activated_kw) for r in rows) / 1000
            charge = RATES.non_performance_per_mwh * max(0.0, RATES.performance_threshold_pct / 100 * activated
                                                         - within)
            expected = (rates.activation_per_mw * event.activated_kw / 1000 + rates.availability_per_mwh * activated
                        + rates.delivery_per_mwh * delivered - charge)
            assert line.delivered_mwh == pytest.approx(delivered, rel=1e-12)
            assert line.total == pytest.approx(expected, rel=1e-9)
            assert line.run_time_h == sum(r.delivered_kw > 0 for r in rows)
            if program:
                assert line.event.buyer_id == program.operator_org_id
    t = found.totals
    assert t.total == pytest.approx(sum(line.total for line in found.lines))
    assert sum(n.events for _, n in found.by_buyer) == sum(n.events for _, n in found.by_service) == t.events


def test_the_demo_has_double_payments_between_the_ieso_and_an_ldc(mv: Database) -> None:
    ieso = who(mv, "ieso")
    flags = report(mv, ieso).flags
    pairs = {(f.first.event.event_id, f.second.event.event_id): f for f in flags}
    assert len(pairs) >= 2
    with mv.session() as s:
        iso_id = s.scalar(select(Organisation.id).where(Organisation.kind == OrgKind.ISO))
        for f in flags:
            a, b = f.first.event, f.second.event
            assert a.buyer_id != b.buyer_id and iso_id in (a.buyer_id, b.buyer_id)
            assert a.start_at < b.end_at and b.start_at < a.end_at and f.overlap_start < f.overlap_end
            assert s.get(Der, f.der_id).resource_id == a.resource_id == b.resource_id
    assert any(f.at_stake_mwh > 0 for f in flags)

    gridpulse = who(mv, "aggregator")
    with mv.session() as s:
        own = set(s.scalars(select(Der.id).where(Der.aggregator_org_id == gridpulse.organisation_id)))
        ldc = who(mv, "ldc")
        territory = set(s.scalars(select(Der.id).where(Der.ldc_id.in_(ldc.territory_ldc_ids))))
    mine = report(mv, gridpulse).flags
    assert mine and {f.der_id for f in mine} <= own
    assert {f.der_id for f in report(mv, ldc).flags} <= territory


def test_the_period_is_by_est_trade_date(mv: Database) -> None:
    """An event at HE24 of a day (04:00 UTC the next day) belongs to that day."""
    ieso = who(mv, "ieso")
    day = AS_OF - timedelta(days=3)
    with mv.transaction() as s:
        resource = s.scalars(select(Resource).order_by(Resource.id)).first()
        start = hour_ending_start_utc(day, 24)
        event = MvEvent(program_id=None, resource_id=resource.id, issuer="ieso", start_at=start,
                        end_at=start + timedelta(hours=1), activated_kw=100.0, direction="reduction")
        s.add(event)
        s.flush()
        event_id = event.id
    assert start.date() == day + timedelta(days=1) and trade_date_of(start) == day
    assert event_id in event_ids(mv, ieso, SettlementFilters(day, day))
    assert event_id not in event_ids(mv, ieso, SettlementFilters(day + timedelta(days=1), day + timedelta(days=1)))
    (line,) = [x for x in report(mv, ieso, SettlementFilters(day, day)).lines if x.event.event_id == event_id]
    assert not line.measured and line.total == 0 and line.event.buyer == ieso.organisation_name


def _ldc_der(db: Database, ldc: Principal, aggregator: Principal) -> Der:
    with db.session() as s:
        der = s.scalars(select(Der).join(Organisation, Organisation.id == Der.ldc_id)
                        .where(Der.ldc_id == ldc.organisation_id, Organisation.host_ldc_id.is_(None),
                               Der.aggregator_org_id == aggregator.organisation_id, Der.platform_id.is_not(None))
                        .order_by(Der.id)).first()
    assert der is not None, "the demo gives the aggregator a DER of the ldc"
    return der


def test_the_period_annexes(mv: Database) -> None:
    """A set point, an approved limit, an outage and a notice in the period, each seen by whom it concerns."""
    ldc, gridpulse, maple = who(mv, "ldc"), who(mv, "aggregator"), who(mv, "mapledr-desk")
    der = _ldc_der(mv, ldc, gridpulse)
    day = AS_OF - timedelta(days=9)
    start = hour_ending_start_utc(day, 15)
    before = start - timedelta(days=1)
    with mv.transaction() as s:
        issue_instruction(s, ldc, IssueRequest("der", der.id, 40, direction=Direction.IMPORT, start=start,
                                               end=start + timedelta(hours=2)), now=before)
        feeder = s.get(Feeder, der.feeder_id)
        log_outage(s, ldc, kind=OutageKind.PLANNED, start=start, estimated_restoration=start + timedelta(hours=4),
                   feeder_ids=[feeder.id], description="Maintenance", now=before)
        draft = create_draft(s, ldc, NoticeDraft("standby", "peak_reduction", "Evening peak", Location(
            feeder_id=feeder.id), 1.5, start, start + timedelta(hours=3), start - timedelta(hours=2)))
        publish_notice(s, ldc, draft.notice_id, draft.version, now=before)
        cutoff_ok = datetime.combine(day - timedelta(days=2), datetime.min.time(), tzinfo=UTC)
        limit = request_limit(s, gridpulse, der_id=der.id, trade_date=day, limit_type="peak",
                              hours=[HourlyLimit(he, 5.0, 1.0) for he in (15, 16)], now=cutoff_ok)
        if limit.status != "approved":
            decide(s, ldc, limit.id, "approve", limit.version, None, now=cutoff_ok)
    window = SettlementFilters(day, day)
    with mv.session() as s:
        for reader in (ldc, gridpulse, manager_of(mv, "LSH")):
            assert [p.target for p in set_points(s, reader, window)] == [der.platform_id]
            assert [(x.target, x.max_export_kw) for x in approved_limits(s, reader, window)] == [(der.platform_id, 5.0)]
            kinds = sorted(n.kind for n in notices_and_outages(s, reader, window))
            assert kinds == ["notice", "outage"]
        # another aggregator with nothing on that feeder sees none of it; the next day is empty
        assert set_points(s, maple, window) == [] and approved_limits(s, maple, window) == []
        later = SettlementFilters(day + timedelta(days=1), day + timedelta(days=1))
        assert set_points(s, ldc, later) == [] and approved_limits(s, ldc, later) == []
        assert set_points(s, GUEST, window) == [] and notices_and_outages(s, GUEST, window) == []
