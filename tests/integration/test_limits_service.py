"""The limits service and queries on SQLite and PostgreSQL: automation, the tri-level chain, scope, locking, expiry.

Every test runs on a fresh copy of the demo grid with a frozen clock; DERs are picked by their place in the grid
(an aggregator's DER on the embedded LDC, one on the host LDC, another aggregator's), never by hard-coded ids.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from data.access import AccessDenied, Principal
from data.db import Database
from data.domain.enums import DerStatus, LimitStatus, OutageKind, OutageState, Severity
from data.domain.errors import IllegalTransition, StaleEdit
from data.domain.limits.automation import AutomationRules
from data.domain.limits.state_machine import Decision
from data.domain.limits.values import HourlyLimit
from data.domain.market_time import hour_ending_start_utc
from data.models import (
    AuditEntry,
    Der,
    Feeder,
    LimitDecision,
    LimitRequest,
    Notification,
    Organisation,
    Outage,
    OutageElement,
    Station,
)
from data.queries.limits import CutoffRule, View, approved_hours, decision_history, limit_request, limit_requests
from data.services.limits import (
    InvalidLimitRequest,
    bulk_approve,
    decide,
    expire_due,
    request_limit,
    withdraw,
)
from tests.browser.helpers import principal

TRADE = date(2026, 6, 3)
CUTOFF = datetime(2026, 6, 2, 12, 0, tzinfo=UTC)  # 07:00 EST the day before
NOW = CUTOFF - timedelta(hours=20)
MANUAL = AutomationRules(auto_approve=False)  # automation explains but leaves the decision to engineers


def aggregator_der(db: Database, username: str = "aggregator", embedded: bool | None = True) -> Der:
    """An active DER of the user's aggregator, on an embedded LDC (True), a host LDC (False) or any (None)."""
    who = principal(db, username)
    with db.session() as s:
        q = (select(Der).join(Organisation, Organisation.id == Der.ldc_id)
             .where(Der.aggregator_org_id == who.organisation_id, Der.status == DerStatus.ACTIVE)
             .order_by(Der.id))
        if embedded is not None:
            q = q.where(Organisation.host_ldc_id.is_not(None) if embedded else Organisation.host_ldc_id.is_(None))
        der = s.scalars(q).first()
    assert der is not None, f"the demo has no such DER for {username}"
    return der


def submit(db: Database, who: Principal, der: Der, export_kw: float = 5.0, *, hours=range(12, 15),
           rules: AutomationRules | None = MANUAL, now: datetime = NOW, trade_date: date = TRADE) -> LimitRequest:
    with db.transaction() as s:
        return request_limit(s, who, der_id=der.id, trade_date=trade_date, limit_type="peak",
                             hours=[HourlyLimit(he, export_kw, None) for he in hours], now=now, automation=rules)


def status_of(db: Database, request_id: int) -> tuple[str, int]:
    with db.session() as s:
        r = s.get(LimitRequest, request_id)
        return r.status, r.version


def decide_now(db: Database, who: Principal, request_id: int, decision: Decision = Decision.APPROVE,
               reason: str | None = None, hours: list[HourlyLimit] | None = None) -> LimitRequest:
    _, version = status_of(db, request_id)
    with db.transaction() as s:
        return decide(s, who, request_id, decision, version, reason, hours, now=NOW + timedelta(hours=1))


# --- automation -------------------------------------------------------------------------------------------


def test_small_request_is_approved_automatically_with_its_explanation(database: Database) -> None:
    agg = principal(database, "aggregator")
    der = aggregator_der(database, embedded=False)
    request = submit(database, agg, der, rules=None)
    assert request.status == LimitStatus.APPROVED and request.approved_at == NOW
    assert request.automation_note.startswith("Every check passed, so the request is approved automatically.")
    with database.session() as s:
        feeder = s.get(Feeder, der.feeder_id)
        decision = s.scalar(select(LimitDecision).where(LimitDecision.request_id == request.id))
    assert feeder.code in request.automation_note and "No outage or constraint" in request.automation_note
    assert decision.automatic and decision.decision == Decision.APPROVE and decision.reason == request.automation_note
    assert decision.level == "host" and decision.user_id is None


def test_outage_on_the_host_feeder_flags_an_embedded_ders_request(database: Database) -> None:
    agg = principal(database, "aggregator")
    der = aggregator_der(database, embedded=True)
    with database.transaction() as s:
        station = s.get(Station, der.station_id)
        assert station.supply_feeder_id is not None, "an embedded LDC's station hangs from a host feeder"
        host_feeder = s.get(Feeder, station.supply_feeder_id)
        outage = Outage(kind=OutageKind.PLANNED, state=OutageState.PLANNED, reporter_org_id=host_feeder.ldc_id,
                        start_at=hour_ending_start_utc(TRADE, 13),
                        estimated_restoration_at=hour_ending_start_utc(TRADE, 15),
                        elements=[OutageElement(feeder_id=host_feeder.id)])
        s.add(outage)
        s.flush()
        outage_id, host_code = outage.id, host_feeder.code
    request = submit(database, agg, der, rules=None)
    assert request.status == LimitStatus.FLAGGED
    assert request.automation_note.startswith("1 check needs an engineer, so the request is flagged.")
    assert f"Planned outage #{outage_id} on feeder {host_code} overlaps HE 13-14: needs an engineer." in \
        request.automation_note
    with database.session() as s:
        flag = s.scalar(select(LimitDecision).where(LimitDecision.request_id == request.id))
    assert flag.decision == Decision.FLAG and flag.automatic and flag.level == "embedded"


def test_bad_values_are_refused_row_by_row_and_nothing_is_saved(database: Database) -> None:
    agg = principal(database, "aggregator")
    der = aggregator_der(database, embedded=False)
    too_much = der.capacity_kw + 1
    with database.transaction() as s, pytest.raises(InvalidLimitRequest) as caught:
        request_limit(s, agg, der_id=der.id, trade_date=TRADE, limit_type="peak",
                      hours=[HourlyLimit(5, too_much, None), HourlyLimit(6, too_much, None)], now=NOW)
    assert [p.split(":")[0] for p in caught.value.problems] == ["HE 5", "HE 6"]
    assert "above the rated capacity" in caught.value.problems[0]
    with database.transaction() as s, pytest.raises(InvalidLimitRequest, match="cut-off for trade date"):
        request_limit(s, agg, der_id=der.id, trade_date=TRADE, limit_type="peak",
                      hours=[HourlyLimit(5, 1.0, None)], now=CUTOFF)
    with database.transaction() as s, pytest.raises(InvalidLimitRequest, match="one export/import pair"):
        request_limit(s, agg, der_id=der.id, trade_date=TRADE, limit_type="peak",
                      hours=[HourlyLimit(5, 1.0, None), HourlyLimit(6, 2.0, None)], now=NOW)
    with database.session() as s:
        assert s.scalar(select(LimitRequest)) is None


# --- the tri-level chain ----------------------------------------------------------------------------------


def test_embedded_then_host_approval_reaches_approved(database: Database) -> None:
    agg, embedded, host = (principal(database, u) for u in ("aggregator", "ldc-embedded", "ldc"))
    request = submit(database, agg, aggregator_der(database, embedded=True))
    assert request.status == LimitStatus.SUBMITTED and request.ldc_id == embedded.organisation_id

    with database.session() as s:
        queue = {r.id for r in limit_requests(s, host, NOW, View.QUEUE)}
    assert request.id not in queue, "the host sees it once the embedded LDC has approved"
    assert decide_now(database, embedded, request.id).status == LimitStatus.EMBEDDED_APPROVED
    with database.session() as s:
        assert request.id in {r.id for r in limit_requests(s, host, NOW, View.QUEUE)}
        assert request.id not in {r.id for r in limit_requests(s, embedded, NOW, View.QUEUE)}
    done = decide_now(database, host, request.id, Decision.MODIFY, "Host feeder limit 4 kW.",
                      [HourlyLimit(he, 4.0, None) for he in (12, 13)])
    assert done.status == LimitStatus.APPROVED
    with database.session() as s:
        history = decision_history(s, principal(database, "ieso"), request.id)
        in_force = approved_hours(s, principal(database, "ieso"), TRADE)
    assert [(d.level, d.decision) for d in history] == [("embedded", "approve"), ("host", "modify")]
    assert [(h.hour_ending, h.export_kw) for h in in_force if h.request_id == request.id] == [(12, 4.0), (13, 4.0)]


def test_host_cannot_decide_before_the_embedded_level(database: Database) -> None:
    agg, host = principal(database, "aggregator"), principal(database, "ldc")
    request = submit(database, agg, aggregator_der(database, embedded=True))
    with pytest.raises(IllegalTransition, match="waits for the embedded LDC's decision"):
        decide_now(database, host, request.id)
    assert status_of(database, request.id) == (LimitStatus.SUBMITTED, request.version)


def test_reject_and_modify_need_a_reason_and_modify_only_narrows(database: Database) -> None:
    agg, host = principal(database, "aggregator"), principal(database, "ldc")
    request = submit(database, agg, aggregator_der(database, embedded=False))
    with pytest.raises(IllegalTransition, match="needs a reason"):
        decide_now(database, host, request.id, Decision.REJECT, "  ")
    with pytest.raises(InvalidLimitRequest, match="above the 5 kW requested"):
        decide_now(database, host, request.id, Decision.MODIFY, "more", [HourlyLimit(12, 6.0, None)])
    with pytest.raises(InvalidLimitRequest, match="HE 20 was not requested"):
        decide_now(database, host, request.id, Decision.MODIFY, "later", [HourlyLimit(20, 1.0, None)])
    assert decide_now(database, host, request.id, Decision.REJECT, "Feeder work.").status == LimitStatus.REJECTED


# --- who may do and see what ------------------------------------------------------------------------------


def test_aggregator_cannot_approve(database: Database) -> None:
    agg = principal(database, "aggregator")
    request = submit(database, agg, aggregator_der(database, embedded=False))
    with pytest.raises(AccessDenied):
        decide_now(database, agg, request.id)
    with database.transaction() as s, pytest.raises(AccessDenied):
        bulk_approve(s, agg, [(request.id, request.version)], now=NOW)


def test_aggregator_cannot_see_another_aggregators_requests(database: Database) -> None:
    mine, theirs = principal(database, "aggregator"), principal(database, "mapledr-desk")
    other = submit(database, theirs, aggregator_der(database, "mapledr-desk", embedded=None))
    own = submit(database, mine, aggregator_der(database, embedded=False))
    with database.session() as s:
        for view in View:
            seen = {r.id for r in limit_requests(s, mine, NOW, view)}
            assert other.id not in seen
        assert own.id in {r.id for r in limit_requests(s, mine, NOW, View.MINE)}
        assert limit_request(s, mine, other.id, NOW) is None
        assert decision_history(s, mine, other.id) == []
        assert other.id in {r.id for r in limit_requests(s, principal(database, "ieso"), NOW, View.ALL)}


def test_requester_may_not_ask_for_a_der_outside_its_portfolio(database: Database) -> None:
    other_der = aggregator_der(database, "mapledr-desk", embedded=None)
    with pytest.raises(AccessDenied):
        submit(database, principal(database, "aggregator"), other_der)


# --- optimistic locking -----------------------------------------------------------------------------------


def test_concurrent_approval_one_wins_the_other_is_told(database: Database) -> None:
    agg, host = principal(database, "aggregator"), principal(database, "ldc")
    request = submit(database, agg, aggregator_der(database, embedded=False))
    first, second = database.sessions(), database.sessions()
    try:
        assert first.get(LimitRequest, request.id).version == second.get(LimitRequest, request.id).version
        version = request.version
        decide(first, host, request.id, Decision.APPROVE, version, None, now=NOW)
        first.commit()
        with pytest.raises(StaleEdit, match=rf"#{request.id} was changed by .*Marie-Claude Tremblay.*: reload"):
            decide(second, host, request.id, Decision.REJECT, version, "too late", now=NOW)
        second.rollback()
    finally:
        first.close()
        second.close()
    with database.session() as s:
        decisions = s.scalars(select(LimitDecision.decision).where(LimitDecision.request_id == request.id)).all()
    assert status_of(database, request.id)[0] == LimitStatus.APPROVED and decisions == ["approve"]


def test_a_stale_version_from_the_page_is_refused(database: Database) -> None:
    agg, embedded = principal(database, "aggregator"), principal(database, "ldc-embedded")
    request = submit(database, agg, aggregator_der(database, embedded=True))
    seen = request.version
    decide_now(database, embedded, request.id)
    with database.transaction() as s, pytest.raises(StaleEdit, match="Jason Whitfield .* at 2026-.* EST: reload"):
        decide(s, principal(database, "ldc"), request.id, Decision.APPROVE, seen, None, now=NOW)


def test_bulk_approve_reports_each_request(database: Database) -> None:
    agg, host = principal(database, "aggregator"), principal(database, "ldc")
    der = aggregator_der(database, embedded=False)
    a, b = submit(database, agg, der), submit(database, agg, der, hours=[20])
    embedded_one = submit(database, agg, aggregator_der(database, embedded=True))
    with database.transaction() as s:
        items = [(a.id, a.version), (b.id, b.version + 1), (embedded_one.id, embedded_one.version)]
        results = bulk_approve(s, host, items, now=NOW)
    assert [r.ok for r in results] == [True, False, False]
    assert "changed by" in results[1].message and "embedded LDC" in results[2].message
    assert status_of(database, a.id)[0] == LimitStatus.APPROVED
    assert status_of(database, b.id)[0] == status_of(database, embedded_one.id)[0] == LimitStatus.SUBMITTED


# --- expiry, withdrawal, notifications, audit -------------------------------------------------------------


def test_open_requests_expire_at_the_cut_off(database: Database) -> None:
    agg, embedded = principal(database, "aggregator"), principal(database, "ldc-embedded")
    waiting = submit(database, agg, aggregator_der(database, embedded=True))
    half = submit(database, agg, aggregator_der(database, embedded=True), hours=[3])
    decide_now(database, embedded, half.id)
    later_day = submit(database, agg, aggregator_der(database, embedded=False), trade_date=TRADE + timedelta(days=1))
    with database.transaction() as s:
        assert expire_due(s, CUTOFF - timedelta(seconds=1)) == []
    with database.transaction() as s:
        assert expire_due(s, CUTOFF) == [waiting.id, half.id]
    assert status_of(database, waiting.id)[0] == status_of(database, half.id)[0] == LimitStatus.EXPIRED
    assert status_of(database, later_day.id)[0] == LimitStatus.SUBMITTED
    with database.session() as s:
        row = limit_request(s, agg, waiting.id, CUTOFF)
        expiry = s.scalar(select(LimitDecision).where(LimitDecision.request_id == waiting.id))
        texts = s.scalars(select(Notification.text).where(Notification.organisation_id == embedded.organisation_id,
                                                          Notification.severity == Severity.ALARM)).all()
    assert row.status == LimitStatus.EXPIRED and expiry.level == "system" and "2026-06-02 07:00 EST" in expiry.reason
    assert any(f"#{waiting.id}" in t and "expired" in t for t in texts)
    with pytest.raises(IllegalTransition, match="final status"):
        decide_now(database, embedded, waiting.id)


def test_withdraw_by_the_requester_only(database: Database) -> None:
    agg, other = principal(database, "aggregator"), principal(database, "mapledr-desk")
    request = submit(database, agg, aggregator_der(database, embedded=False))
    with database.transaction() as s, pytest.raises(AccessDenied):
        withdraw(s, other, request.id, request.version, now=NOW)
    with database.transaction() as s:
        assert withdraw(s, agg, request.id, request.version, now=NOW).status == LimitStatus.WITHDRAWN


def test_every_transition_notifies_and_is_audited(database: Database) -> None:
    agg, embedded, host = (principal(database, u) for u in ("aggregator", "ldc-embedded", "ldc"))
    request = submit(database, agg, aggregator_der(database, embedded=True))
    decide_now(database, embedded, request.id)
    decide_now(database, host, request.id)
    with database.session() as s:
        def texts(org_id: int) -> list[str]:
            return list(s.scalars(select(Notification.text).where(Notification.organisation_id == org_id,
                                                                  Notification.link == f"/limits?request={request.id}")
                                  .order_by(Notification.id)))

        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "limit_request",
                                                            AuditEntry.entity_id == str(request.id))
                            .order_by(AuditEntry.id)).all()
        last = s.scalar(select(AuditEntry).where(AuditEntry.action == "limit_request.approve",
                                                 AuditEntry.user_id == host.user_id))
    assert actions == ["limit_request.submit", "limit_request.approve", "limit_request.approve"]
    assert last.before["status"] == "embedded_approved" and last.after["status"] == "approved"
    assert "waits for your decision" in texts(embedded.organisation_id)[0]
    assert any("approved by the embedded LDC" in t and "waits for your decision" in t
               for t in texts(host.organisation_id))
    requester = texts(agg.organisation_id)
    assert any("embedded LDC" in t for t in requester) and requester[-1].endswith("was approved.")


def test_cut_off_follows_the_settings(database: Database) -> None:
    agg = principal(database, "aggregator")
    rule = CutoffRule(hours_before_close=1, close_hour_est=10)
    with database.transaction() as s:
        request = request_limit(s, agg, der_id=aggregator_der(database, embedded=False).id, trade_date=TRADE,
                                limit_type="peak", hours=[HourlyLimit(1, 1.0, 1.0)], now=CUTOFF, rule=rule,
                                automation=MANUAL)
    with database.session() as s:
        assert limit_request(s, agg, request.id, CUTOFF, rule).countdown == "2 h 0 min"


def test_the_leaders_expiry_job_expires_what_is_past_its_cut_off(database: Database, tmp_path) -> None:  # type: ignore
    from config.settings import load_settings
    from data.domain.market_time import trade_date_of
    from data.models.base import utcnow
    from data.pollers.scheduler import LIMIT_EXPIRY_JOB, PollerService

    today = trade_date_of(utcnow())  # its cut-off was yesterday 07:00 EST
    request = submit(database, principal(database, "aggregator"), aggregator_der(database, embedded=False),
                     trade_date=today, now=CutoffRule().cutoff(today) - timedelta(hours=1))
    settings = load_settings(env={}, database_url="sqlite://", instance_dir=tmp_path, demo=False, scheduler=False,
                             simulator=False, secret_key="test")
    service = PollerService(database, settings)
    service._schedule_feeds()  # noqa: SLF001 - what a new leader schedules (the scheduler is not started)
    assert service.scheduler.get_job(LIMIT_EXPIRY_JOB) is not None
    service.expire_limits()
    assert status_of(database, request.id)[0] == LimitStatus.EXPIRED


def test_the_ieso_sees_the_approved_limit_summed_at_the_connection_point(database: Database) -> None:
    """The end of the tri-level chain: what both LDCs approved is in the IESO's connection-point view."""
    EVE = CUTOFF - timedelta(hours=1)  # noqa: N806 - on the day before TRADE, so TRADE is "next trade day"
    from data.models import Der, Station
    from data.queries.connection_points import connection_points

    agg, embedded, host, ieso = (principal(database, u) for u in ("aggregator", "ldc-embedded", "ldc", "ieso"))
    der = aggregator_der(database, embedded=True)
    with database.session() as s:
        cp_id = s.scalar(select(Station.connection_point_id).join(Der, Der.station_id == Station.id)
                         .where(Der.id == der.id))
        before = connection_points(s, ieso, now=EVE, station_id=cp_id)[0].next_export_limit_mw or 0.0
    request = submit(database, agg, der)
    decide_now(database, embedded, request.id)
    assert decide_now(database, host, request.id).status == LimitStatus.APPROVED
    with database.session() as s:
        [row] = connection_points(s, ieso, now=EVE, station_id=cp_id)
        approved_kw = max(h.export_kw or 0.0 for h in approved_hours(s, ieso, TRADE) if h.request_id == request.id)
    assert row.next_export_limit_mw == pytest.approx(before + approved_kw / 1000)
