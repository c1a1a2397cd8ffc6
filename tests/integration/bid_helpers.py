"""Shared steps of the bid service tests (tests/integration/test_bids_*.py): the demo's users, DERs and resources
they act on, outages logged on a DER's feeder, and reads of what was stored."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from data.access import Principal
from data.db import Database
from data.domain.enums import DerStatus, Market, OutageKind
from data.domain.market_time import trade_date_of
from data.models import Bid, BidChange, Der, Enrolment, Notification, Outage, Program, Resource, User
from data.models.base import utcnow
from data.queries.outages import ders_reached, outage_elements, supply_tree
from data.services.accounts import principal_for
from data.services.bids import BidRequest
from data.services.floor_bids import submit_floor_bids
from data.services.outages import change_state, log_outage


def who(db: Database, username: str) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def day2() -> date:
    """Two trade dates ahead: its DAM closes tomorrow at 10:00 EST, so it is always open now."""
    return trade_date_of(utcnow()) + timedelta(days=2)


def a_der(db: Database, aggregator: Principal, ldc_ids: tuple[int, ...], tags=("both",)) -> Der:  # type: ignore[no-untyped-def]
    """The aggregator's largest active DER in the LDC territory with one of these service tags."""
    with db.session() as s:
        query = select(Der).where(Der.aggregator_org_id == aggregator.organisation_id, Der.ldc_id.in_(ldc_ids),
                                  Der.status == DerStatus.ACTIVE, Der.service_tag.in_(tags),
                                  Der.platform_id.is_not(None))
        der = s.scalars(query.order_by(Der.capacity_kw.desc(), Der.id)).first()
        assert der is not None, "the demo has such a DER"
        s.expunge(der)
        return der


def bid_request(der: Der, day: date, market: str = Market.DAM, first: int = 10, last: int = 14,
                quantity: float | None = None, price: float = 85.0) -> BidRequest:
    return BidRequest(market=market, trade_date=day, first_hour_ending=first, last_hour_ending=last,
                      quantity_kw=quantity if quantity is not None else round(der.capacity_kw / 2, 1),
                      price_per_mwh=price, der_id=der.id)


def outage_on(db: Database, ldc: Principal, der: Der, start: datetime, hours: float | None = 3.0,
              kind: str = OutageKind.PLANNED, now: datetime | None = None, **extra) -> int:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return log_outage(s, ldc, kind=kind, start=start, feeder_ids=[der.feeder_id],
                          estimated_restoration=start + timedelta(hours=hours) if hours else None,
                          description="test", now=now, **extra).outage_id


def set_outage_state(db: Database, ldc: Principal, outage_id: int, state: str, **extra) -> None:  # type: ignore[no-untyped-def]
    """The LDC moves its outage to ``state`` (cancelled, restored...), from the version stored now."""
    with db.session() as s:
        version = s.get(Outage, outage_id).version
    with db.transaction() as s:
        change_state(s, ldc, outage_id, state, version, **extra)


def a_floor_bid(db: Database, ldc: Principal, day: date) -> tuple[Der, int, int]:
    """(DER, bid id, version) of a floor-price bid of the LDC on ``floor_der``, HE8-20 of ``day``."""
    der = floor_der(db, ldc)
    with db.transaction() as s:
        (bid,) = submit_floor_bids(s, ldc, [der.id], day, 8, 20)
        return der, bid.id, bid.version


def stored(db: Database, bid_id: int) -> Bid:
    with db.session() as s:
        bid = s.get(Bid, bid_id)
        s.expunge(bid)
        return bid


def changes(db: Database, bid_id: int) -> list[BidChange]:
    with db.session() as s:
        rows = list(s.scalars(select(BidChange).where(BidChange.bid_id == bid_id).order_by(BidChange.id)))
        for r in rows:
            s.expunge(r)
        return rows


def notes(db: Database, org_id: int, kind: str) -> list[Notification]:
    with db.session() as s:
        rows = list(s.scalars(select(Notification).where(Notification.organisation_id == org_id,
                                                          Notification.kind == kind).order_by(Notification.id)))
        for r in rows:
            s.expunge(r)
        return rows


def bid_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Bid))


def floor_der(db: Database, ldc: Principal) -> Der:
    with db.session() as s:
        der = s.scalars(select(Der).join(Enrolment, Enrolment.der_id == Der.id)
                        .join(Program, Program.id == Enrolment.program_id)
                        .where(Program.market == Market.DISTRIBUTION, Enrolment.end_date.is_(None),
                               Der.ldc_id == ldc.organisation_id, Der.status == DerStatus.ACTIVE)
                        .order_by(Der.capacity_kw.desc(), Der.id)).first()
        assert der is not None, "the demo enrols DERs of the ldc in its flexibility program"
        s.expunge(der)
        return der


def a_spread_resource(db: Database, aggregator: Principal, ldc_ids: tuple[int, ...]) -> tuple[int, str, list[Der]]:
    """(id, code, active contributor DERs) of the aggregator's wholesale resource with the most contributors, on
    at least two feeders, the first of them in the LDC's territory."""
    with db.session() as s:
        best = None
        for resource in s.scalars(select(Resource).where(Resource.aggregator_org_id == aggregator.organisation_id,
                                                         Resource.status == DerStatus.ACTIVE,
                                                         Resource.service_tag != "distribution")
                                  .order_by(Resource.id)):
            ders = list(s.scalars(select(Der).where(Der.resource_id == resource.id, Der.status == DerStatus.ACTIVE)
                                  .order_by(Der.id)))
            ders.sort(key=lambda d: d.ldc_id not in ldc_ids)
            if ders and ders[0].ldc_id in ldc_ids and len({d.feeder_id for d in ders}) > 1 and \
                    (best is None or len(ders) > len(best[2])):
                best = (resource.id, resource.resource_code, ders)
        assert best is not None, "the demo has such a resource"
        for der in best[2]:
            s.expunge(der)
        return best


def reached_ids(db: Database, outage_id: int) -> set[int]:
    with db.session() as s:
        return {d.id for d in ders_reached(s, outage_elements(s, outage_id), supply_tree(s))}
