"""Who may do what, and which rows they may see: the one module for roles and scope.

Every query takes a `Principal` and filters with the conditions built here
(DESIGN.md, roles and scope); every service re-checks `require()` before it writes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session, aliased

from data.domain.enums import OrgKind, Role
from data.models import Der, Feeder, Organisation, Station

# A guest never sees an aggregate built from fewer DERs than this (re-identification risk).
GUEST_MIN_AGGREGATE = 5


class Permission(StrEnum):
    VIEW_MAP = "view_map"
    VIEW_DER_DETAIL = "view_der_detail"
    VIEW_TIMELINE = "view_timeline"
    VIEW_CONNECTION_POINTS = "view_connection_points"
    VIEW_LIMITS = "view_limits"
    REQUEST_LIMITS = "request_limits"
    DECIDE_LIMITS = "decide_limits"
    VIEW_NOTICES = "view_notices"
    PUBLISH_NOTICES = "publish_notices"
    VIEW_DISPATCH = "view_dispatch"
    ISSUE_DISPATCH = "issue_dispatch"
    ACKNOWLEDGE_DISPATCH = "acknowledge_dispatch"
    VIEW_CONFLICTS = "view_conflicts"
    WORK_CONFLICTS = "work_conflicts"
    VIEW_OUTAGES = "view_outages"
    LOG_OUTAGES = "log_outages"
    VIEW_PERFORMANCE = "view_performance"
    VIEW_SETTLEMENT = "view_settlement"
    VIEW_FEED_HEALTH = "view_feed_health"
    MANAGE_USERS = "manage_users"  # approve applications and profile changes, disable accounts
    MANAGE_RESOURCES = "manage_resources"  # approve aggregated resources, update resource IDs
    EDIT_PROFILE = "edit_profile"  # ask for an organisation or role change (an administrator approves)
    VIEW_REGISTRY = "view_registry"
    REGISTER_ASSETS = "register_assets"  # DERs, resources and meters of one's own organisation
    UPLOAD_CONTRIBUTORS = "upload_contributors"  # an aggregator's contributor DER list
    APPROVE_ASSETS = "approve_assets"  # the host / embedded LDC approves DERs and meters in its territory
    VIEW_BIDS = "view_bids"
    SUBMIT_BIDS = "submit_bids"  # resource plans, bids/offers, acknowledging a selection
    SELECT_BIDS = "select_bids"  # the buyer (IESO wholesale, LDC distribution) selects or not
    SUBMIT_FLOOR_BIDS = "submit_floor_bids"  # a distributor's floor-price bids and their overrides
    OPERATE_SIMULATOR = "operate_simulator"  # pause a simulated feed (demo and training installs)
    EDIT_PREFERENCES = "edit_preferences"


_P = Permission
_READ_OPERATIONS = {
    _P.VIEW_MAP, _P.VIEW_DER_DETAIL, _P.VIEW_TIMELINE, _P.VIEW_LIMITS, _P.VIEW_NOTICES,
    _P.VIEW_DISPATCH, _P.VIEW_CONFLICTS, _P.VIEW_OUTAGES, _P.VIEW_PERFORMANCE, _P.VIEW_SETTLEMENT,
    _P.EDIT_PREFERENCES, _P.EDIT_PROFILE, _P.VIEW_REGISTRY, _P.VIEW_BIDS,
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.GUEST: frozenset({_P.VIEW_MAP}),
    # An owner sees its assets and their performance; payments are between its aggregator and the buyers.
    Role.DER_OWNER: frozenset(_READ_OPERATIONS - {_P.VIEW_CONFLICTS, _P.VIEW_SETTLEMENT}
                              | {_P.REQUEST_LIMITS, _P.REGISTER_ASSETS}),
    Role.AGGREGATOR: frozenset(
        _READ_OPERATIONS | {_P.VIEW_CONNECTION_POINTS, _P.REQUEST_LIMITS, _P.ACKNOWLEDGE_DISPATCH,
                            _P.WORK_CONFLICTS, _P.REGISTER_ASSETS, _P.UPLOAD_CONTRIBUTORS, _P.SUBMIT_BIDS}
    ),
    Role.DSO_OPERATOR: frozenset(
        _READ_OPERATIONS | {_P.VIEW_CONNECTION_POINTS, _P.DECIDE_LIMITS, _P.PUBLISH_NOTICES,
                            _P.ISSUE_DISPATCH, _P.WORK_CONFLICTS, _P.LOG_OUTAGES, _P.VIEW_FEED_HEALTH,
                            _P.APPROVE_ASSETS, _P.SELECT_BIDS, _P.SUBMIT_FLOOR_BIDS}
    ),
    Role.TSO_OPERATOR: frozenset(
        _READ_OPERATIONS | {_P.VIEW_CONNECTION_POINTS, _P.WORK_CONFLICTS, _P.VIEW_FEED_HEALTH, _P.SELECT_BIDS}
    ),
    # Managers read performance and settlement of their own organisation, and the map.
    Role.MANAGER: frozenset({_P.VIEW_MAP, _P.VIEW_DER_DETAIL, _P.VIEW_TIMELINE, _P.VIEW_PERFORMANCE,
                             _P.VIEW_SETTLEMENT, _P.EDIT_PREFERENCES, _P.EDIT_PROFILE}),
    # The administrator runs the platform; the operational decisions belong to the parties.
    Role.ADMIN: frozenset(set(Permission) - {_P.REQUEST_LIMITS, _P.DECIDE_LIMITS, _P.ACKNOWLEDGE_DISPATCH,
                                             _P.ISSUE_DISPATCH, _P.PUBLISH_NOTICES, _P.LOG_OUTAGES,
                                             _P.REGISTER_ASSETS, _P.UPLOAD_CONTRIBUTORS, _P.APPROVE_ASSETS,
                                             _P.SUBMIT_BIDS, _P.SELECT_BIDS, _P.SUBMIT_FLOOR_BIDS}),
}


class AccessDenied(PermissionError):
    """Raised by services and guards; the web layer answers 403 and logs it."""


@dataclass(frozen=True)
class Principal:
    """The signed-in party, as every query and service sees it."""

    role: Role
    user_id: int | None = None
    username: str = "guest"
    display_name: str = "Guest"
    organisation_id: int | None = None
    organisation_name: str = ""
    organisation_kind: OrgKind | None = None
    # The LDC territory: its own organisation plus the embedded LDCs it hosts.
    territory_ldc_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def is_guest(self) -> bool:
        return self.role is Role.GUEST

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise AccessDenied(f"{self.role.value} may not {permission.value.replace('_', ' ')}")

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.TSO_OPERATOR, Role.ADMIN) or (
            self.role is Role.MANAGER and self.organisation_kind in (OrgKind.ISO, OrgKind.PLATFORM)
        )

    @property
    def acts_as(self) -> Role:
        """A manager sees what its organisation's operational role sees (read-only)."""
        if self.role is not Role.MANAGER:
            return self.role
        return {
            OrgKind.LDC: Role.DSO_OPERATOR,
            OrgKind.AGGREGATOR: Role.AGGREGATOR,
            OrgKind.DER_OWNER: Role.DER_OWNER,
        }.get(self.organisation_kind, Role.TSO_OPERATOR if self.sees_everything else Role.MANAGER)


GUEST = Principal(role=Role.GUEST)


def territory_of(session: Session, organisation_id: int) -> tuple[int, ...]:
    """An LDC's own id plus the embedded LDCs it hosts."""
    hosted = session.scalars(select(Organisation.id).where(Organisation.host_ldc_id == organisation_id))
    return (organisation_id, *sorted(hosted))


def der_scope(principal: Principal) -> ColumnElement[bool]:
    """Rows of `der` the principal may see individually (a guest: none)."""
    if principal.sees_everything:
        return true()
    role = principal.acts_as
    if role is Role.DSO_OPERATOR:
        return Der.ldc_id.in_(principal.territory_ldc_ids)
    if role is Role.AGGREGATOR:
        return Der.aggregator_org_id == principal.organisation_id
    if role is Role.DER_OWNER:
        return Der.owner_org_id == principal.organisation_id
    return false()


def feeder_scope(principal: Principal) -> ColumnElement[bool]:
    """Feeders shown on the map. Guests see the grid itself (not confidential)."""
    if principal.sees_everything or principal.is_guest:
        return true()
    role = principal.acts_as
    if role is Role.DSO_OPERATOR:
        return Feeder.ldc_id.in_(principal.territory_ldc_ids)
    if role in (Role.AGGREGATOR, Role.DER_OWNER):
        return Feeder.id.in_(select(Der.feeder_id).where(der_scope(principal)))
    return false()


def station_scope(principal: Principal) -> ColumnElement[bool]:
    if principal.sees_everything or principal.is_guest:
        return true()
    role = principal.acts_as
    if role is Role.DSO_OPERATOR:
        own = aliased(Station)
        return or_(
            Station.owner_org_id.in_(principal.territory_ldc_ids),
            Station.id.in_(select(Feeder.station_id).where(feeder_scope(principal))),
            # and the T/D connection points that supply its own stations
            Station.id.in_(select(own.connection_point_id).where(own.owner_org_id.in_(principal.territory_ldc_ids))),
        )
    if role in (Role.AGGREGATOR, Role.DER_OWNER):
        return Station.id.in_(select(Der.station_id).where(der_scope(principal)))
    return false()


def _ders_in_scope(principal: Principal):  # type: ignore[no-untyped-def]
    return select(Der.id).where(der_scope(principal))


def _own_organisations(principal: Principal) -> tuple[int, ...]:
    """The organisations whose records are the principal's own (an LDC: its whole territory)."""
    return principal.territory_ldc_ids or (principal.organisation_id or -1,)


def outage_scope(principal: Principal) -> ColumnElement[bool]:
    """Outages on any station or feeder the principal may see (a guest: none)."""
    from data.models import Outage, OutageElement

    if principal.sees_everything:
        return true()
    if principal.is_guest:
        return false()
    visible = select(OutageElement.outage_id).where(
        or_(OutageElement.feeder_id.in_(select(Feeder.id).where(feeder_scope(principal))),
            OutageElement.station_id.in_(select(Station.id).where(station_scope(principal))))
    )
    mine = Outage.reporter_org_id.in_(_own_organisations(principal))
    return or_(Outage.id.in_(visible), mine)


def dispatch_scope(principal: Principal) -> ColumnElement[bool]:
    """Instructions issued by the principal's organisation or aimed at what it may see."""
    from data.models import DispatchInstruction as D

    if principal.sees_everything:
        return true()
    if principal.is_guest:
        return false()
    own_orgs = _own_organisations(principal)
    return or_(
        D.issuer_org_id.in_(own_orgs),
        D.der_id.in_(_ders_in_scope(principal)),
        D.resource_id.in_(select(Der.resource_id).where(der_scope(principal))),
        D.feeder_id.in_(select(Feeder.id).where(feeder_scope(principal))),
        D.station_id.in_(select(Station.id).where(station_scope(principal))),
    )


def notice_scope(principal: Principal) -> ColumnElement[bool]:
    from data.domain.enums import NoticeStatus
    from data.models import Notice, NoticeRecipient

    if principal.sees_everything:
        return true()
    if principal.is_guest:
        return false()
    own_orgs = _own_organisations(principal)
    published = Notice.status.in_((NoticeStatus.PUBLISHED, NoticeStatus.AMENDED, NoticeStatus.CLOSED))
    return or_(
        Notice.publisher_org_id.in_(own_orgs),
        Notice.id.in_(select(NoticeRecipient.notice_id).where(NoticeRecipient.organisation_id.in_(own_orgs))),
        and_(published, or_(Notice.feeder_id.in_(select(Feeder.id).where(feeder_scope(principal))),
                            Notice.station_id.in_(select(Station.id).where(station_scope(principal))))),
    )


def limit_scope(principal: Principal) -> ColumnElement[bool]:
    from data.models import LimitRequest

    if principal.sees_everything:
        return true()
    if principal.is_guest:
        return false()
    own_orgs = _own_organisations(principal)
    return or_(
        LimitRequest.requester_org_id == principal.organisation_id,
        LimitRequest.ldc_id.in_(own_orgs),
        LimitRequest.der_id.in_(_ders_in_scope(principal)),
    )
