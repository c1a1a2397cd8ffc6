"""The meter services on SQLite and PostgreSQL: a meter change for an approved DER, the LDC's approval or rejection,
duplicates, scope and the history kept."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from data.access import AccessDenied
from data.db import Database
from data.domain.enums import MeterStatus
from data.domain.errors import IllegalTransition, InvalidEntry, StaleEdit
from data.models import Der, Meter
from data.queries import meters as meter_q
from data.services import meters as meter_svc
from data.services.registry_common import DuplicateRegistration
from tests.support import principal

TODAY = date(2026, 11, 30)


def test_meter_change_keeps_the_history(database: Database) -> None:
    agg, host = principal(database, "aggregator"), principal(database, "ldc")
    with database.session() as s:
        d = s.scalars(select(Der).where(Der.aggregator_org_id == agg.organisation_id, Der.status == "active",
                                        Der.ldc_id == host.organisation_id, Der.meter_id.is_not(None))
                      .order_by(Der.id)).first()
        taken = s.scalar(select(Der.meter_id).where(Der.id != d.id, Der.meter_id.is_not(None)))
        other_platform = s.scalar(select(Der.platform_id).where(Der.meter_id == taken))
    old = d.meter_id
    with database.transaction() as s, pytest.raises(DuplicateRegistration) as caught:
        meter_svc.submit_meter(s, agg, d.id, taken.lower(), TODAY.isoformat(), today=TODAY)
    assert caught.value.problems == [f"Meter ID: meter ID already registered to {other_platform}"]
    with database.transaction() as s, pytest.raises(InvalidEntry, match="already this DER's meter"):
        meter_svc.submit_meter(s, agg, d.id, old, TODAY.isoformat(), today=TODAY)
    with database.transaction() as s, pytest.raises(AccessDenied):
        meter_svc.submit_meter(s, principal(database, "mapledr-desk"), d.id, "NEW-MTR-1", TODAY.isoformat(),
                               today=TODAY)
    with database.transaction() as s:
        meter_id = meter_svc.submit_meter(s, agg, d.id, "new-mtr-1", TODAY.isoformat(), today=TODAY).id
    with database.transaction() as s, pytest.raises(IllegalTransition, match="already waits"):
        meter_svc.submit_meter(s, agg, d.id, "NEW-MTR-2", TODAY.isoformat(), today=TODAY)
    with database.transaction() as s, pytest.raises(AccessDenied):
        meter_svc.approve_meter(s, principal(database, "dsp-ops"), meter_id)
    with database.transaction() as s:
        meter_svc.approve_meter(s, host, meter_id)
    with database.transaction() as s, pytest.raises(StaleEdit):
        meter_svc.reject_meter(s, host, meter_id, "late")
    with database.session() as s:
        history = meter_q.meter_history(s, agg, d.id)
        assert s.get(Der, d.id).meter_id == "NEW-MTR-1"
    assert [m.meter_code for m in history][:2] == ["NEW-MTR-1", old]
    assert history[0].status == MeterStatus.APPROVED and history[0].valid_to is None
    assert history[1].status == MeterStatus.RETIRED and history[1].valid_to == TODAY
    # a change that the LDC rejects leaves the DER's meter alone
    with database.transaction() as s:
        second = meter_svc.submit_meter(s, agg, d.id, "NEW-MTR-3", (TODAY + timedelta(days=3)).isoformat(),
                                        today=TODAY).id
    with database.transaction() as s, pytest.raises(InvalidEntry, match="Reason"):
        meter_svc.reject_meter(s, host, second, "")
    with database.transaction() as s:
        meter_svc.reject_meter(s, host, second, "Wrong meter type")
    with database.session() as s:
        assert s.get(Der, d.id).meter_id == "NEW-MTR-1"
        assert s.get(Meter, second).status_reason == "Wrong meter type"
