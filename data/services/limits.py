"""DER operating limits: request, decide along the tri-level chain, withdraw, expire at the cut-off.

The caller opens the transaction (`db.transaction()`) and passes it in as `session`. Every function checks the
principal's permission first and changes state only through `next_status` (data/domain/limits/state_machine.py).
Each transition writes a `LimitDecision`, an audit row and notifications in the same transaction: the requester's
organisation always; the host LDC when the embedded LDC has approved; the LDC on a new request and on expiry.

Concurrent decisions use the request's version column: a decision made on an outdated version is refused with
`StaleEdit` naming who changed it and when, never merged.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.access import AccessDenied, Permission, Principal, der_scope, limit_scope
from data.domain.enums import DerStatus, LimitStatus, LimitType, Role, Severity
from data.domain.errors import DomainError, StaleEdit
from data.domain.limits.automation import AutomationAction, AutomationRules, evaluate
from data.domain.limits.state_machine import OPEN_STATUSES, Chain, Decision, Level, next_status, pending_level
from data.domain.limits.values import HourlyLimit, LimitSchedule, format_hours, format_kw
from data.domain.market_time import _require_aware, format_market, trade_date_of
from data.models import Der, LimitDecision, LimitInterval, LimitRequest, Notification, Organisation, Resource
from data.queries.limits import CutoffRule, automation_inputs, last_change
from data.services import audit

MAX_DAYS_AHEAD = 60
MAX_BULK = 200
MAX_TEXT = 1000
ENTITY = "limit_request"
NOTIFICATION_KIND = "limit_request"
_NO_FEEDER_SENTENCE = "No hosting capacity figure"


class InvalidLimitRequest(DomainError):
    """The request's values are refused; `problems` lists every one, row by row."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class ConcurrentChange(StaleEdit):
    """Lost a true race at write time: the transaction is spoilt and must be rolled back as a whole."""


@dataclass(frozen=True)
class BulkResult:
    request_id: int
    ok: bool
    message: str


# --- validation -------------------------------------------------------------------------------------------


def _schedule(target: str, trade_date: date, limit_type: Any, hours: Any, capacity_kw: float | None
              ) -> LimitSchedule:
    """The hours as a valid schedule, or InvalidLimitRequest listing every problem, row by row."""
    problems: list[str] = []
    if limit_type not in set(LimitType):
        raise InvalidLimitRequest([f"Limit type must be one of {', '.join(LimitType)}"])
    if not isinstance(hours, list | tuple) or not hours:
        raise InvalidLimitRequest(["Give at least one hour"])
    for n, hour in enumerate(hours, 1):
        if not isinstance(hour, HourlyLimit):
            problems.append(f"Row {n}: not an hourly limit")
            continue
        for direction in ("export", "import"):
            kw = getattr(hour, f"{direction}_kw")
            if capacity_kw is not None and kw is not None and kw > capacity_kw:
                problems.append(f"HE {hour.hour_ending}: {direction} {format_kw(kw)} is above the rated capacity "
                                f"{format_kw(capacity_kw)} of {target}")
    if problems:
        raise InvalidLimitRequest(problems)
    try:
        return LimitSchedule(target, trade_date, LimitType(limit_type), tuple(hours))
    except ValueError as exc:
        raise InvalidLimitRequest([str(exc)]) from None


def _check_trade_date(trade_date: Any, now: datetime, rule: CutoffRule) -> date:
    if isinstance(trade_date, datetime) or not isinstance(trade_date, date):
        raise InvalidLimitRequest(["Choose a trade date"])
    cutoff = rule.cutoff(trade_date)
    if now >= cutoff:
        raise InvalidLimitRequest([f"The approval cut-off for trade date {trade_date} ({format_market(cutoff)}) has "
                                   "passed: choose a later trade date"])
    if trade_date > trade_date_of(now) + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidLimitRequest([f"Trade date {trade_date} is more than {MAX_DAYS_AHEAD} days ahead"])
    return trade_date


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# --- shared steps of every transition ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What a transition needs to know about its request: the LDCs of the chain and the target's label."""

    request: LimitRequest
    ldc: Organisation
    target: str
    rule: CutoffRule

    @property
    def cutoff(self) -> datetime:
        return self.rule.cutoff(self.request.trade_date)

    @property
    def chain(self) -> Chain:
        return Chain.for_ldc(self.ldc.host_ldc_id is not None)

    def org_of(self, level: Level | None) -> int:
        if level is Level.HOST and self.ldc.host_ldc_id is not None:
            return self.ldc.host_ldc_id
        return self.ldc.id

    @property
    def label(self) -> str:
        r = self.request
        return f"Limit request #{r.id} ({self.target}, trade date {r.trade_date})"


def _context(session: Session, request: LimitRequest, rule: CutoffRule) -> _Context:
    ldc = session.get(Organisation, request.ldc_id)
    assert ldc is not None
    if request.der_id is not None:
        target = session.scalar(select(Der.platform_id).where(Der.id == request.der_id)) or f"DER #{request.der_id}"
    else:
        target = session.scalar(select(Resource.resource_code).where(Resource.id == request.resource_id)) or ""
    return _Context(request, ldc, target, rule)


def _notify(session: Session, org_id: int, severity: Severity, text: str, request_id: int) -> None:
    session.add(Notification(organisation_id=org_id, kind=NOTIFICATION_KIND, severity=severity, text=_clip(text),
                             link=f"/limits?request={request_id}"))


def _state(request: LimitRequest) -> dict[str, Any]:
    return {"status": request.status, "version": request.version,
            "hours": [[i.hour_ending, i.export_kw, i.import_kw] for i in request.intervals]}


def _stale(session: Session, request_id: int, race: bool) -> StaleEdit:
    """The refusal naming the last change; after a lost race the session is spoilt, so a fresh one reads it."""
    try:
        if race:
            with Session(bind=session.get_bind()) as fresh:
                change = last_change(fresh, request_id)
        else:
            change = last_change(session, request_id)
    except Exception:  # noqa: BLE001 - naming who changed it is a courtesy; the refusal stands without it
        change = None
    who = f"{change[0]} at {format_market(change[1])}" if change else "someone else"
    cls = ConcurrentChange if race else StaleEdit
    return cls(f"Limit request #{request_id} was changed by {who}: reload and decide again.")


def _transition(session: Session, ctx: _Context, principal: Principal | None, *, decision: Decision, level: Level,
                reason: str | None, automatic: bool, now: datetime, new_hours: Sequence[HourlyLimit] | None = None
                ) -> None:
    """Apply an allowed decision: status, values, version bump (refused if stale), decision, audit, notices."""
    request = ctx.request
    before = _state(request)
    waiting_org = ctx.org_of(pending_level(request.status, ctx.chain))
    target = next_status(request.status, decision, level, ctx.chain, automatic=automatic, reason=reason, now=now,
                         cutoff=ctx.cutoff)
    request.status = target
    if target is LimitStatus.APPROVED:
        request.approved_at = now
    if new_hours is not None:
        _replace_hours(request, new_hours)
    try:
        session.flush()
    except StaleDataError:
        raise _stale(session, request.id, race=True) from None
    org_id = {Level.REQUESTER: request.requester_org_id, Level.SYSTEM: waiting_org}.get(level) or ctx.org_of(level)
    session.add(LimitDecision(request_id=request.id, level=level, organisation_id=org_id,
                              user_id=principal.user_id if principal else None, decision=decision,
                              reason=_clip(reason) if reason else None, automatic=automatic, decided_at=now))
    audit.record(session, principal, f"{ENTITY}.{decision.value}", ENTITY, request.id, before, _state(request))
    _notify_transition(session, ctx, decision, target, level, reason, waiting_org)


def _replace_hours(request: LimitRequest, hours: Sequence[HourlyLimit]) -> None:
    """Update rows in place and delete dropped hours (never delete and re-insert one hour in a flush)."""
    wanted = {h.hour_ending: h for h in hours}
    for interval in list(request.intervals):
        hour = wanted.pop(interval.hour_ending, None)
        if hour is None:
            request.intervals.remove(interval)
        else:
            interval.export_kw, interval.import_kw = hour.export_kw, hour.import_kw
    for he, hour in sorted(wanted.items()):
        request.intervals.append(LimitInterval(hour_ending=he, export_kw=hour.export_kw, import_kw=hour.import_kw))


def _notify_transition(session: Session, ctx: _Context, decision: Decision, target: LimitStatus, level: Level,
                       reason: str | None, waiting_org: int) -> None:
    request, label = ctx.request, ctx.label
    because = f": {reason}" if reason else "."
    if target is LimitStatus.EMBEDDED_APPROVED:
        host = ctx.org_of(Level.HOST)
        cutoff = format_market(ctx.cutoff)
        _notify(session, request.requester_org_id, Severity.INFORMATION,
                f"{label} was approved by the embedded LDC {ctx.ldc.name}; it now waits for the host LDC.", request.id)
        _notify(session, host, Severity.ACTION,
                f"{label} was approved by the embedded LDC {ctx.ldc.name} and waits for your decision "
                f"(cut-off {cutoff}).", request.id)
        return
    texts = {
        LimitStatus.APPROVED: (Severity.COMPLIANT, f"{label} was approved"
                               + (" with changed values" if decision is Decision.MODIFY else "") + because),
        LimitStatus.REJECTED: (Severity.ACTION, f"{label} was rejected{because}"),
        LimitStatus.FLAGGED: (Severity.INFORMATION, f"{label} was flagged for an engineer{because}"),
        LimitStatus.WITHDRAWN: (Severity.INFORMATION, f"{label} was withdrawn by the requester."),
        LimitStatus.EXPIRED: (Severity.ALARM, f"{label} expired: it was not decided by the approval cut-off."),
    }
    severity, text = texts[target]
    _notify(session, request.requester_org_id, severity, text, request.id)
    if target in (LimitStatus.WITHDRAWN, LimitStatus.EXPIRED):
        for org in sorted({waiting_org, ctx.ldc.id} - {request.requester_org_id}):
            _notify(session, org, severity, text, request.id)


def _scoped_request(session: Session, principal: Principal, request_id: Any) -> LimitRequest:
    if isinstance(request_id, bool) or not isinstance(request_id, int):
        raise InvalidLimitRequest(["Choose a request"])
    request = session.scalar(select(LimitRequest).where(LimitRequest.id == request_id, limit_scope(principal)))
    if request is None:
        raise AccessDenied(f"limit request #{request_id} does not exist or is not in your view")
    return request


def _check_version(session: Session, request: LimitRequest, expected_version: Any) -> None:
    if isinstance(expected_version, bool) or expected_version != request.version:
        raise _stale(session, request.id, race=False)


# --- the operations ---------------------------------------------------------------------------------------


def _target_of(session: Session, principal: Principal, der_id: Any, resource_id: Any
               ) -> tuple[Der | Resource, list[Der]]:
    """The DER or resource asked for, in the requester's portfolio, with its active DERs."""
    if (der_id is None) == (resource_id is None):
        raise InvalidLimitRequest(["Choose one DER or one resource"])
    ident = der_id if resource_id is None else resource_id
    if isinstance(ident, bool) or not isinstance(ident, int):
        raise InvalidLimitRequest(["Choose a DER or resource from the list"])
    if der_id is not None:
        der = session.scalar(select(Der).where(Der.id == der_id, der_scope(principal)))
        if der is None:
            raise AccessDenied(f"DER #{der_id} is not in your portfolio")
        if der.status != DerStatus.ACTIVE or not der.platform_id:
            raise InvalidLimitRequest([f"DER {der.platform_id or der.name} is {der.status}: only active DERs get "
                                       "limits"])
        return der, [der]
    resource = session.get(Resource, resource_id)
    if (resource is None or principal.acts_as is not Role.AGGREGATOR
            or resource.aggregator_org_id != principal.organisation_id):
        raise AccessDenied(f"resource #{resource_id} is not in your portfolio")
    ders = list(session.scalars(select(Der).where(Der.resource_id == resource.id, Der.status == DerStatus.ACTIVE)
                                .order_by(Der.id)))
    if not ders:
        raise InvalidLimitRequest([f"Resource {resource.resource_code} has no active DER"])
    ldcs = {d.ldc_id for d in ders}
    if len(ldcs) > 1:
        raise InvalidLimitRequest([f"The DERs of resource {resource.resource_code} sit on {len(ldcs)} LDCs: request "
                                   "limits per DER, so each LDC decides its own"])
    return resource, ders


def request_limit(
    session: Session,
    principal: Principal,
    *,
    der_id: int | None = None,
    resource_id: int | None = None,
    trade_date: date,
    limit_type: LimitType | str,
    hours: Sequence[HourlyLimit],
    now: datetime,
    rule: CutoffRule = CutoffRule(),
    automation: AutomationRules | None = None,
) -> LimitRequest:
    """Submit a limit for one DER or resource and run the automation rules at once.

    The request goes to the DER's LDC (the embedded LDC where there is one). Automation acts at the first level
    of the chain: it approves there when every check passes, else it flags; each automatic decision is stored
    with its explanation, which also becomes the request's automation note.
    """
    principal.require(Permission.REQUEST_LIMITS)
    _require_aware(now, "now")
    target, ders = _target_of(session, principal, der_id, resource_id)
    trade_date = _check_trade_date(trade_date, now, rule)
    label = target.platform_id if isinstance(target, Der) else target.resource_code
    capacity = sum(d.capacity_kw for d in ders)
    schedule = _schedule(label or "", trade_date, limit_type, list(hours), capacity)
    inputs = automation_inputs(session, der_ids=[d.id for d in ders], trade_date=trade_date)
    outcome = evaluate(schedule, inputs.feeder, inputs.outages, rules=automation)
    reasons = list(outcome.reasons)
    if len(inputs.feeder_codes) > 1:
        spread = (f"Resource {label} has DERs on {len(inputs.feeder_codes)} feeders "
                  f"({', '.join(inputs.feeder_codes[:5])}{', …' if len(inputs.feeder_codes) > 5 else ''}): "
                  "no single feeder's hosting capacity covers it, so it needs an engineer.")
        reasons = [spread if r.startswith(_NO_FEEDER_SENTENCE) else r for r in reasons]
    note = _clip(" ".join(reasons))
    request = LimitRequest(
        der_id=der_id, resource_id=resource_id, requester_org_id=principal.organisation_id,
        requested_by_user_id=principal.user_id, ldc_id=ders[0].ldc_id, trade_date=trade_date,
        limit_type=schedule.limit_type, status=LimitStatus.SUBMITTED, automation_note=note,
        intervals=[LimitInterval(hour_ending=h.hour_ending, export_kw=h.export_kw, import_kw=h.import_kw)
                   for h in schedule.hours],
    )
    session.add(request)
    session.flush()
    ctx = _context(session, request, rule)
    audit.record(session, principal, f"{ENTITY}.submit", ENTITY, request.id, None, _state(request))
    decision = {AutomationAction.AUTO_APPROVE: Decision.APPROVE, AutomationAction.FLAG: Decision.FLAG}.get(
        outcome.action)
    first = ctx.org_of(ctx.chain.levels[0])
    if decision is not None:
        _transition(session, ctx, None, decision=decision, level=ctx.chain.levels[0], reason=note, automatic=True,
                    now=now)
    if request.status in (LimitStatus.SUBMITTED, LimitStatus.FLAGGED):
        _notify(session, first, Severity.INFORMATION if request.status == LimitStatus.SUBMITTED else Severity.ACTION,
                f"New {ctx.label}: {format_hours(schedule.hour_endings)} waits for your decision "
                f"(cut-off {format_market(ctx.cutoff)}).", request.id)
    elif request.status == LimitStatus.APPROVED:
        _notify(session, first, Severity.INFORMATION, f"{ctx.label} was approved by your automation rules.",
                request.id)
    session.flush()
    return request


def _check_modification(ctx: _Context, hours: Any) -> list[HourlyLimit]:
    """A modification narrows the request: only requested hours, no value above what was asked, something changed."""
    request = ctx.request
    asked = {i.hour_ending: i for i in request.intervals}
    schedule = _schedule(ctx.target, request.trade_date, request.limit_type, hours, None)
    problems = []
    for hour in schedule.hours:
        original = asked.get(hour.hour_ending)
        if original is None:
            problems.append(f"HE {hour.hour_ending} was not requested: a modification may only narrow the request")
            continue
        for direction in ("export", "import"):
            new, old = getattr(hour, f"{direction}_kw"), getattr(original, f"{direction}_kw")
            if new is not None and old is not None and new > old:
                problems.append(f"HE {hour.hour_ending}: {direction} {format_kw(new)} is above the "
                                f"{format_kw(old)} requested")
    if problems:
        raise InvalidLimitRequest(problems)
    unchanged = {he: (i.export_kw, i.import_kw) for he, i in asked.items()} == {
        h.hour_ending: (h.export_kw, h.import_kw) for h in schedule.hours}
    if unchanged:
        raise InvalidLimitRequest(["The values are the ones requested: approve instead of modify"])
    return list(schedule.hours)


def _decider_level(ctx: _Context, principal: Principal) -> Level:
    """The level of the chain the principal's LDC stands at for this request."""
    if principal.organisation_id == ctx.ldc.id:
        return ctx.chain.levels[0]
    if principal.organisation_id is not None and principal.organisation_id == ctx.ldc.host_ldc_id:
        return Level.HOST
    raise AccessDenied(f"{principal.organisation_name or 'your organisation'} does not decide {ctx.label}")


def decide(
    session: Session,
    principal: Principal,
    request_id: int,
    decision: Decision | str,
    expected_version: int,
    reason: str | None,
    modified_hours: Sequence[HourlyLimit] | None = None,
    *,
    now: datetime,
    rule: CutoffRule = CutoffRule(),
) -> LimitRequest:
    """Approve, reject or modify (approve with narrowed values) a request at the principal's level of the chain."""
    principal.require(Permission.DECIDE_LIMITS)
    _require_aware(now, "now")
    if decision not in (Decision.APPROVE, Decision.REJECT, Decision.MODIFY):
        raise InvalidLimitRequest(["An LDC approves, rejects or modifies a request"])
    decision = Decision(decision)
    request = _scoped_request(session, principal, request_id)
    _check_version(session, request, expected_version)
    ctx = _context(session, request, rule)
    level = _decider_level(ctx, principal)
    reason = reason.strip() if isinstance(reason, str) else None
    # Check the transition before the values, so "not your turn" is said first.
    next_status(request.status, decision, level, ctx.chain, reason=reason, now=now, cutoff=ctx.cutoff)
    new_hours = _check_modification(ctx, modified_hours) if decision is Decision.MODIFY else None
    _transition(session, ctx, principal, decision=decision, level=level, reason=reason, automatic=False, now=now,
                new_hours=new_hours)
    return request


def bulk_approve(
    session: Session,
    principal: Principal,
    items: Iterable[tuple[int, int]],
    reason: str | None = None,
    *,
    now: datetime,
    rule: CutoffRule = CutoffRule(),
) -> list[BulkResult]:
    """Approve several requests in one transaction, one result per request; a refused one does not stop the rest.

    Every check happens before a request is touched, so a refusal leaves nothing behind; only a race lost at write
    time (`ConcurrentChange`) spoils the transaction, and then nothing is approved.
    """
    principal.require(Permission.DECIDE_LIMITS)
    results = []
    for request_id, version in list(items)[:MAX_BULK]:
        try:
            decide(session, principal, request_id, Decision.APPROVE, version, reason, now=now, rule=rule)
        except ConcurrentChange:
            raise
        except (DomainError, AccessDenied) as exc:
            results.append(BulkResult(request_id, False, str(exc)))
        else:
            results.append(BulkResult(request_id, True, f"Limit request #{request_id} approved."))
    return results


def withdraw(session: Session, principal: Principal, request_id: int, expected_version: int, *, now: datetime,
             rule: CutoffRule = CutoffRule()) -> LimitRequest:
    """The requesting organisation takes back an open request."""
    principal.require(Permission.REQUEST_LIMITS)
    _require_aware(now, "now")
    request = _scoped_request(session, principal, request_id)
    if request.requester_org_id != principal.organisation_id:
        raise AccessDenied(f"limit request #{request_id} was made by another organisation")
    _check_version(session, request, expected_version)
    ctx = _context(session, request, rule)
    _transition(session, ctx, principal, decision=Decision.WITHDRAW, level=Level.REQUESTER, reason=None,
                automatic=False, now=now)
    return request


def expire_due(session: Session, now: datetime, rule: CutoffRule = CutoffRule()) -> list[int]:
    """The system's job: every open request whose cut-off has passed becomes expired (ids returned)."""
    _require_aware(now, "now")
    horizon = trade_date_of(now) + timedelta(days=2)  # no later trade date can have reached its cut-off
    candidates = session.scalars(select(LimitRequest).where(LimitRequest.status.in_(tuple(OPEN_STATUSES)),
                                                            LimitRequest.trade_date <= horizon)
                                 .order_by(LimitRequest.trade_date, LimitRequest.id))
    expired = []
    for request in list(candidates):
        ctx = _context(session, request, rule)
        if now < ctx.cutoff:
            continue
        reason = f"Not decided by the approval cut-off {format_market(ctx.cutoff)}: expired."
        _transition(session, ctx, None, decision=Decision.EXPIRE, level=Level.SYSTEM, reason=reason, automatic=True,
                    now=now)
        expired.append(request.id)
    return expired
