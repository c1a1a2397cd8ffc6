"""The aggregated-resource services on SQLite and PostgreSQL: an aggregator registers, the administrator approves or
rejects with a unique resource ID, the resource list in scope."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from data.access import AccessDenied
from data.db import Database
from data.domain.errors import InvalidEntry, StaleEdit
from data.models import Resource
from data.queries import resources as resource_q
from data.services import resources as resource_svc
from tests.support import principal


def test_resources_pending_then_approved_by_the_administrator_with_a_unique_id(database: Database) -> None:
    agg, admin = principal(database, "aggregator"), principal(database, "admin")
    with database.transaction() as s:
        resource = resource_svc.register_resource(s, agg, name="West flex", zone="West", service_tag="distribution")
        rid, code = resource.id, resource.resource_code
    assert code.startswith("ON-RES-")
    with database.transaction() as s, pytest.raises(InvalidEntry, match="Name: you already have"):
        resource_svc.register_resource(s, agg, name="west  FLEX", zone="West", service_tag="distribution")
    with database.transaction() as s, pytest.raises(InvalidEntry, match="Zone"):
        resource_svc.register_resource(s, agg, name="Other", zone="Mars", service_tag="both")
    for username in ("owner", "ldc"):
        with database.transaction() as s, pytest.raises(AccessDenied):
            resource_svc.register_resource(s, principal(database, username), name="x", zone="West", service_tag="both")
    with database.transaction() as s, pytest.raises(AccessDenied):
        resource_svc.decide_resource(s, agg, rid, approve=True)
    with database.session() as s:
        taken = s.scalar(select(Resource.resource_code).where(Resource.id != rid))
    with database.transaction() as s, pytest.raises(InvalidEntry, match="already used"):
        resource_svc.decide_resource(s, admin, rid, approve=True, new_code=taken.lower())
    with database.transaction() as s:
        resource_svc.decide_resource(s, admin, rid, approve=True, new_code="gpwest-01")
    with database.transaction() as s, pytest.raises(StaleEdit):
        resource_svc.decide_resource(s, admin, rid, approve=False, reason="late")
    with database.transaction() as s:
        resource_svc.update_resource_code(s, admin, rid, "GPWEST-02")
    with database.session() as s:
        r = s.get(Resource, rid)
        assert (r.status, r.resource_code) == ("active", "GPWEST-02")
        assert rid in {x.id for x in resource_q.resources(s, agg)}
        assert rid not in {x.id for x in resource_q.resources(s, principal(database, "mapledr-desk"))}
