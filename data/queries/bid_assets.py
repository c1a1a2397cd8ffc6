"""The DERs behind bids: what an aggregator or distributor may pick in the forms, which DERs are selected for
distribution services, and the loaders the bid services use after their own checks (``der_infos``,
``contributors``, ``ders_of_bids``, ``live_outage_windows``: they read the whole grid, unscoped)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from data.access import Permission, Principal, der_scope
from data.domain.bid_availability import OutageWindow
from data.domain.enums import BidStatus, DerStatus, Market, OutageState, Role
from data.domain.outages import Element
from data.models import Bid, Der, Enrolment, Outage, OutageElement, Program, Resource
from data.queries.outages import element_labels

__all__ = [
    "DerInfo", "contributors", "der_choices", "der_infos", "ders_of_bids", "distribution_program_ders",
    "floor_candidates", "live_outage_windows", "resource_choices", "selected_distribution_ders",
]

_CONTRIBUTING = (DerStatus.ACTIVE.value, DerStatus.INACTIVE.value)


# --- form choices and eligibility -----------------------------------------------------------------------------


def resource_choices(session: Session, principal: Principal) -> list[tuple[int, str, float]]:
    """(id, label, capacity kW) of the aggregator's own active resources (capacity: active and inactive
    contributor DERs)."""
    if not principal.can(Permission.SUBMIT_BIDS) or principal.organisation_id is None:
        return []
    capacity = (select(Der.resource_id, func.sum(Der.capacity_kw).label("kw"))
                .where(Der.status.in_(_CONTRIBUTING)).group_by(Der.resource_id).subquery())
    rows = session.execute(
        select(Resource.id, Resource.resource_code, Resource.name, func.coalesce(capacity.c.kw, 0.0))
        .outerjoin(capacity, capacity.c.resource_id == Resource.id)
        .where(Resource.aggregator_org_id == principal.organisation_id, Resource.status == DerStatus.ACTIVE)
        .order_by(Resource.resource_code))
    return [(i, f"{code} · {name}", float(kw)) for i, code, name, kw in rows]


def der_choices(session: Session, principal: Principal) -> list[tuple[int, str, str]]:
    """(id, label, status) of the principal's own approved DERs that are active or reported unavailable
    (an aggregator: those it aggregates; an owner: those it owns)."""
    role = principal.acts_as
    if principal.organisation_id is None or role not in (Role.AGGREGATOR, Role.DER_OWNER):
        return []
    rows = session.execute(
        select(Der.id, Der.platform_id, Der.name, Der.capacity_kw, Der.status)
        .where(der_scope(principal), Der.status.in_(_CONTRIBUTING), Der.platform_id.is_not(None))
        .order_by(Der.platform_id))
    return [(i, f"{pid} · {name} · {kw:,.0f} kW" + (" · unavailable" if st == DerStatus.INACTIVE else ""), st)
            for i, pid, name, kw, st in rows]


def distribution_program_ders(session: Session, der_ids: Sequence[int], trade_date: date) -> set[int]:
    """DERs enrolled on ``trade_date`` in a distribution program."""
    if not der_ids:
        return set()
    rows = session.scalars(
        select(Enrolment.der_id).join(Program, Program.id == Enrolment.program_id)
        .where(Enrolment.der_id.in_(list(der_ids)), Program.market == Market.DISTRIBUTION.value,
               Enrolment.start_date <= trade_date,
               or_(Enrolment.end_date.is_(None), Enrolment.end_date > trade_date)))
    return set(rows)


def selected_distribution_ders(session: Session, der_ids: Sequence[int], trade_date: date) -> set[int]:
    """DERs with a selected distribution bid on ``trade_date`` (a DER bid, or a resource bid they contribute to)."""
    if not der_ids:
        return set()
    selected = [Bid.market == Market.DISTRIBUTION.value, Bid.status == BidStatus.SELECTED.value,
                Bid.trade_date == trade_date, Bid.is_floor_price.is_(False)]
    direct = set(session.scalars(select(Bid.der_id).where(*selected, Bid.der_id.in_(list(der_ids)))))
    via_resource = set(session.scalars(
        select(Der.id).join(Bid, Bid.resource_id == Der.resource_id)
        .where(*selected, Der.id.in_(list(der_ids)))))
    return direct | via_resource


def floor_candidates(session: Session, principal: Principal, trade_date: date) -> list[tuple[int, str, float]]:
    """(id, label, capacity kW) of the DERs a distributor may put a floor-price bid on for ``trade_date``:
    active DERs of its territory registered for distribution, selected for distribution services (enrolled
    in a distribution program on that date, or with a selected distribution bid)."""
    if not principal.can(Permission.SUBMIT_FLOOR_BIDS) or not principal.territory_ldc_ids:
        return []
    rows = session.execute(
        select(Der.id, Der.platform_id, Der.name, Der.capacity_kw)
        .where(Der.ldc_id.in_(principal.territory_ldc_ids), Der.status == DerStatus.ACTIVE,
               Der.platform_id.is_not(None), Der.service_tag.in_(("distribution", "both")))
        .order_by(Der.platform_id)).all()
    ids = [r[0] for r in rows]
    eligible = distribution_program_ders(session, ids, trade_date) | selected_distribution_ders(session, ids,
                                                                                                trade_date)
    return [(i, f"{pid} · {name} · {kw:,.0f} kW", float(kw)) for i, pid, name, kw in rows if i in eligible]


# --- loaders for the service (whole grid) ---------------------------------------------------------------------


@dataclass(frozen=True)
class DerInfo:
    id: int
    platform_id: str | None
    name: str
    status: str
    status_reason: str | None
    capacity_kw: float
    feeder_id: int
    station_id: int
    ldc_id: int
    aggregator_org_id: int | None
    owner_org_id: int
    resource_id: int | None
    service_tag: str

    @property
    def label(self) -> str:
        return self.platform_id or f"DER #{self.id}"


_DER_COLUMNS = (Der.id, Der.platform_id, Der.name, Der.status, Der.status_reason, Der.capacity_kw, Der.feeder_id,
                Der.station_id, Der.ldc_id, Der.aggregator_org_id, Der.owner_org_id, Der.resource_id,
                Der.service_tag)


def der_infos(session: Session, der_ids: Iterable[int]) -> dict[int, DerInfo]:
    ids = list(dict.fromkeys(der_ids))
    if not ids:
        return {}
    return {row[0]: DerInfo(*row) for row in session.execute(select(*_DER_COLUMNS).where(Der.id.in_(ids)))}


def contributors(session: Session, resource_ids: Iterable[int]) -> dict[int, list[DerInfo]]:
    """The contributor DERs of each resource: active or reported unavailable (pending, rejected and deactivated
    DERs contribute nothing)."""
    ids = list(dict.fromkeys(resource_ids))
    out: dict[int, list[DerInfo]] = {i: [] for i in ids}
    if not ids:
        return out
    for row in session.execute(select(*_DER_COLUMNS).where(Der.resource_id.in_(ids), Der.status.in_(_CONTRIBUTING))
                               .order_by(Der.id)):
        info = DerInfo(*row)
        out[info.resource_id].append(info)  # type: ignore[index]
    return out


def ders_of_bids(session: Session, bids: Sequence[Bid]) -> dict[int, list[DerInfo]]:
    """Bid id -> its DERs: the DER of a DER bid, the contributor DERs of a resource bid."""
    singles = der_infos(session, [b.der_id for b in bids if b.der_id is not None])
    groups = contributors(session, [b.resource_id for b in bids if b.resource_id is not None])
    return {b.id: ([singles[b.der_id]] if b.der_id in singles else []) if b.der_id is not None
            else groups.get(b.resource_id or -1, []) for b in bids}


def live_outage_windows(session: Session, now: datetime) -> list[tuple[OutageWindow, tuple[Element, ...]]]:
    """Every planned or active outage or constraint (and any restored after ``now``), with its elements, as
    plain windows: [start, restored_at or estimated restoration or until restored)."""
    outages = session.scalars(select(Outage).where(or_(
        Outage.state.in_((OutageState.PLANNED.value, OutageState.ACTIVE.value)),
        and_(Outage.state == OutageState.RESTORED.value, Outage.restored_at > now))).order_by(Outage.id)).all()
    if not outages:
        return []
    ids = [o.id for o in outages]
    elements: dict[int, list[Element]] = defaultdict(list)
    for outage_id, station_id, feeder_id in session.execute(
            select(OutageElement.outage_id, OutageElement.station_id, OutageElement.feeder_id)
            .where(OutageElement.outage_id.in_(ids)).order_by(OutageElement.id)):
        elements[outage_id].append(Element(station_id=station_id, feeder_id=feeder_id))
    labels = element_labels(session, ids)
    return [(OutageWindow(o.id, o.kind, o.state, o.start_at, o.restored_at or o.estimated_restoration_at,
                          o.derate_pct, o.max_kw, ", ".join(labels.get(o.id, [])[:3])[:200]),
             tuple(elements.get(o.id, ()))) for o in outages]
