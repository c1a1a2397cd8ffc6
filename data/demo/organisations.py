"""Demo organisations and their users, as rows ready for a bulk insert."""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from data.demo.catalogue import (
    AGGREGATORS,
    DEMO_USERS,
    FIRST_NAMES,
    IESO,
    LAST_NAMES,
    OWNERS,
    PLATFORM,
    TRANSMITTER,
)
from data.demo.places import LDCS
from data.domain.enums import OrgKind, OrgStatus, Role, UserStatus
from data.domain.identifiers import user_public_id

Row = dict[str, Any]
APPLICANT_ORG_CODE = "KCSC"
AREA_CODES = ("416", "647", "705", "519", "613", "807", "905")


@dataclass
class DemoOrgs:
    rows: list[Row] = field(default_factory=list)
    id_by_code: dict[str, int] = field(default_factory=dict)
    residential_owner_by_ldc: dict[str, int] = field(default_factory=dict)  # LDC code -> org id
    domain_by_code: dict[str, str] = field(default_factory=dict)

    def add(self, code: str, name: str, kind: OrgKind, domain: str, created_at: datetime,
            host_ldc_id: int | None = None, contact: str | None = "control") -> int:
        org_id = len(self.rows) + 1
        self.rows.append({
            "id": org_id, "code": code, "name": name, "kind": kind.value, "host_ldc_id": host_ldc_id,
            "contact_email": f"{contact}@{domain}" if contact else None, "created_at": created_at,
            "status": OrgStatus.ACTIVE.value,
        })
        self.id_by_code[code] = org_id
        self.domain_by_code[code] = domain
        return org_id


def build_organisations(created_at: datetime) -> DemoOrgs:
    orgs = DemoOrgs()
    orgs.add(IESO.code, IESO.name, OrgKind.ISO, IESO.domain, created_at, contact="controlroom")
    orgs.add(PLATFORM.code, PLATFORM.name, OrgKind.PLATFORM, PLATFORM.domain, created_at, contact="support")
    orgs.add(TRANSMITTER.code, TRANSMITTER.name, OrgKind.TRANSMITTER, TRANSMITTER.domain, created_at)
    for ldc in sorted(LDCS, key=lambda s: s.host is not None):  # hosts first: embedded rows point at them
        host_id = orgs.id_by_code[ldc.host] if ldc.host else None
        orgs.add(ldc.code, ldc.name, OrgKind.LDC, ldc.domain, created_at, host_ldc_id=host_id)
    for agg in AGGREGATORS:
        orgs.add(agg.code, agg.name, OrgKind.AGGREGATOR, agg.domain, created_at, contact="dispatch")
    for owner in OWNERS:
        domain = ascii_slug(owner.short) + ".ca"
        orgs.add(owner.code, owner.name, OrgKind.DER_OWNER, domain, created_at, contact="energy")
    for ldc in LDCS:  # placeholder owners of residential DERs: no users, no contact
        org_id = orgs.add(f"RES-{ldc.code}", f"Residential customers – {ldc.name}", OrgKind.DER_OWNER,
                          ldc.domain, created_at, contact=None)
        orgs.residential_owner_by_ldc[ldc.code] = org_id
    # Named in an application for an account that the administrator has not decided yet.
    orgs.add(APPLICANT_ORG_CODE, "Kawartha Community Solar Co-op", OrgKind.AGGREGATOR, "kawarthasolar.coop",
             created_at, contact="info")
    orgs.rows[-1]["status"] = OrgStatus.PENDING.value
    return orgs


def ascii_slug(text: str, sep: str = "") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join(w for w in "".join(c if c.isalnum() else " " for c in plain.lower()).split())


@dataclass
class DemoUsers:
    rows: list[Row]
    id_by_username: dict[str, int]
    dso_user_by_ldc_id: dict[int, int]  # who approves meters in each LDC


def build_users(rng: random.Random, orgs: DemoOrgs, password_hash: str, created_at: datetime,
                applied_at: datetime | None = None) -> DemoUsers:
    """The demo accounts; the pending applications are dated `applied_at` (default: with the others)."""
    rows: list[Row] = []

    def add(username: str, role: Role, org_code: str, display_name: str) -> None:
        first, _, last = display_name.partition(" ")
        rows.append({
            "id": len(rows) + 1, "public_id": user_public_id(len(rows) + 1), "username": username,
            "display_name": display_name,
            "email": f"{ascii_slug(first, '-')}.{ascii_slug(last, '-')}@{orgs.domain_by_code[org_code]}",
            "phone": f"+1-{rng.choice(AREA_CODES)}-555-{rng.randrange(10_000):04d}",
            "role": role.value, "requested_role": None, "organisation_id": orgs.id_by_code[org_code],
            "password_hash": password_hash, "status": UserStatus.ACTIVE.value, "wall_mode": False,
            "theme": "light", "last_login_at": None, "created_at": created_at,
        })

    for user in DEMO_USERS:
        add(user.username, user.role, user.org, user.display_name)
    # One more operator per LDC and one trader per aggregator, so every organisation can be signed into.
    staffed = {u.org for u in DEMO_USERS}
    for ldc in LDCS:
        if ldc.code not in staffed:
            add(f"{ldc.code.lower()}-ops", Role.DSO_OPERATOR, ldc.code, _person(rng))
    for agg in AGGREGATORS:
        if agg.code not in staffed:
            add(f"{agg.code.lower()}-desk", Role.AGGREGATOR, agg.code, _person(rng))
    add("ieso-shift2", Role.TSO_OPERATOR, IESO.code, _person(rng))
    # Two applications waiting in the administrator's queue (no random draws: the rest of the demo is unchanged).
    for username, role, org_code, name, phone in (
            ("r.okafor", Role.AGGREGATOR, APPLICANT_ORG_CODE, "Rachel Okafor", "+1-705-555-0100"),
            ("l.tremblay", Role.MANAGER, AGGREGATORS[-1].code, "Luc Tremblay", "+1-613-555-0100")):
        add(username, role, org_code, name)
        rows[-1].update(status=UserStatus.PENDING.value, created_at=applied_at or created_at, phone=phone)

    dso_by_ldc: dict[int, int] = {}
    for row in rows:
        if row["role"] == Role.DSO_OPERATOR.value:
            dso_by_ldc.setdefault(row["organisation_id"], row["id"])
    return DemoUsers(rows, {r["username"]: r["id"] for r in rows}, dso_by_ldc)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
