"""M&V service, queries and page callbacks on the demo (SQLite and PostgreSQL).

Expected numbers are recomputed here independently from the stored readings with ``compute_baseline`` and
``data.domain.delivery`` (DOMAIN.md, "M&V formulas"), never typed in.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from data.db import Database
from data.demo.mv_history import ensure_mv_history, load_mv_history
from data.domain.baselines import PRESETS, compute_baseline, hourly_loads_from_utc, market_days_touched
from data.domain.delivery import delivered_by_hour, energy, percent_delivered
from data.domain.enums import DerStatus, Issuer, OutageKind, OutageState, SeriesKind
from data.domain.market_time import MARKET_TZ, hour_ending_start_utc, to_market_time, trade_date_of
from data.models import (
    AuditEntry,
    Der,
    MvEvent,
    MvResult,
    Organisation,
    Outage,
    OutageElement,
    Reading,
    Resource,
    Series,
    Station,
    User,
)
from data.queries.mv import event_detail, event_rows, league_table, monthly_trends
from data.services.accounts import principal_for
from data.services.mv import LOAD_REDUCTION, compute_event_results, evaluate_event, recompute_all
from tests.support import DEMO_SEED, callback_payload, find_output_key, sign_in

AS_OF = date(2026, 6, 19)
DAYS = 30


@pytest.fixture
def mv(database: Database) -> Database:
    summary = ensure_mv_history(database, days=DAYS, seed=DEMO_SEED, as_of=AS_OF)
    assert summary is not None and summary.events > 0 and summary.results is not None
    return database


def principal(db: Database, username: str):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


def independent(s, event: MvEvent, method_name: str):  # type: ignore[no-untyped-def]
    """The event's baseline and delivery from the raw reads, by the domain functions alone."""
    reads = s.execute(select(Reading.ts, Reading.value).join(Series, Series.id == Reading.series_id).where(
        Series.resource_id == event.resource_id, Series.kind == SeriesKind.RESOURCE_METER.value)).all()
    loads = hourly_loads_from_utc([(ts, -value) for ts, value in reads])  # meter kW is + export: load = -read
    others = s.scalars(select(MvEvent).where(MvEvent.resource_id == event.resource_id, MvEvent.id != event.id))
    activation_days = set().union(*(market_days_touched(o.start_at, o.end_at) for o in others))
    n_hours = int((event.end_at - event.start_at) / timedelta(hours=1))
    hours = [to_market_time(event.start_at + timedelta(hours=k)).hour_ending for k in range(n_hours)]
    day = trade_date_of(event.start_at)
    result = compute_baseline(loads, day, hours, PRESETS[method_name], activation_days=activation_days)
    actual = {he: loads[(day, he)] for he in hours}
    delivered = delivered_by_hour(result.adjusted, actual)
    activated = dict.fromkeys(hours, event.activated_kw)
    return result, actual, delivered, percent_delivered(delivered, activated), energy(delivered)


def test_demo_history_shape(mv: Database) -> None:
    with mv.session() as s:
        resources = s.scalar(select(func.count()).select_from(Resource))
        events = s.scalars(select(MvEvent)).all()
        reads = s.scalar(select(func.count()).select_from(Reading).join(Series, Series.id == Reading.series_id)
                         .where(Series.kind == SeriesKind.RESOURCE_METER.value))
        values = s.scalars(select(Reading.value).join(Series, Series.id == Reading.series_id).limit(500)).all()
    assert reads == resources * DAYS * 24
    assert all(v < 0 for v in values)  # consumption, signed + export
    per_resource: dict[int, int] = {}
    for e in events:
        per_resource[e.resource_id] = per_resource.get(e.resource_id, 0) + 1
        assert 1 <= (e.end_at - e.start_at) / timedelta(hours=1) <= 4 and e.activated_kw > 0
        assert e.issuer in (Issuer.IESO, Issuer.DSO) and trade_date_of(e.start_at) < AS_OF
    assert len(per_resource) == resources and all(2 <= n <= 4 for n in per_resource.values())
    assert sum(trade_date_of(e.start_at).weekday() < 5 for e in events) > len(events) / 2


@pytest.mark.parametrize("method_name", list(PRESETS))
def test_stored_results_match_an_independent_calculation(mv: Database, method_name: str) -> None:
    checked = with_activation_skip = 0
    with mv.session() as s:
        for event in s.scalars(select(MvEvent).order_by(MvEvent.id)):
            result, actual, delivered, percent, kwh = independent(s, event, method_name)
            rows = s.scalars(select(MvResult).where(MvResult.event_id == event.id, MvResult.method == method_name)
                             .order_by(MvResult.hour_start)).all()
            hours = sorted(actual)
            assert [r.hour_start for r in rows] == [hour_ending_start_utc(result.event_date, he) for he in hours]
            for r, he in zip(rows, hours, strict=True):
                assert r.baseline_kw == pytest.approx(result.unadjusted[he], rel=1e-12)
                assert r.adjusted_baseline_kw == pytest.approx(result.adjusted[he], rel=1e-12)
                assert r.actual_kw == pytest.approx(actual[he], rel=1e-12)
                assert r.delivered_kw == pytest.approx(delivered[he], rel=1e-12, abs=1e-9)
                assert r.activated_kw == event.activated_kw and r.reduced_sample == result.reduced_sample
            assert rows[0].parameters["selected_days"] == [d.isoformat() for d in result.selected_days]
            summary = evaluate_event(s, event, method_name).summary
            assert summary.percent == pytest.approx(percent, rel=1e-12)
            assert summary.energy_kwh == pytest.approx(kwh, rel=1e-12)
            checked += 1
            with_activation_skip += any(why == "activation day" for _, why in result.skipped_days)
    assert checked > 20 and with_activation_skip > 0  # other events' days really were excluded


def test_recompute_is_idempotent(mv: Database) -> None:
    def snapshot():  # type: ignore[no-untyped-def]
        with mv.session() as s:
            rows = s.execute(select(MvResult.id, MvResult.event_id, MvResult.method, MvResult.hour_start,
                                    MvResult.delivered_kw, MvResult.computed_at).order_by(MvResult.id)).all()
            return rows, s.scalar(select(func.count()).select_from(AuditEntry))

    before, audits = snapshot()
    with mv.transaction() as s:
        again = recompute_all(s)
        event_id = s.scalars(select(MvEvent.id)).first()
        single = compute_event_results(s, event_id)
    assert again.changed == 0 and again.computations == again.events * len(PRESETS)
    assert single.changed == 0 and single.message is None
    assert snapshot() == (before, audits)  # nothing rewritten, nothing audited
    assert ensure_mv_history(mv, days=DAYS, seed=DEMO_SEED, as_of=AS_OF) is None
    with pytest.raises(RuntimeError):
        load_mv_history(mv, days=DAYS, seed=DEMO_SEED, as_of=AS_OF)


def test_compute_restores_missing_rows_and_audits(mv: Database) -> None:
    with mv.transaction() as s:
        event = s.scalars(select(MvEvent).order_by(MvEvent.id)).first()
        method = "PJM High 4 of 5"
        s.execute(delete(MvResult).where(MvResult.event_id == event.id, MvResult.method == method))
        summary = compute_event_results(s, event.id, method)
        n_hours = s.scalar(select(func.count()).select_from(MvResult).where(
            MvResult.event_id == event.id, MvResult.method == method))
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "mv_compute")).all()
    assert summary.changed == summary.hours == n_hours > 0
    assert len(audit) == 1 and audit[0].entity_id == str(event.id) and audit[0].after["method"] == method


@pytest.mark.parametrize("where", ["feeder", "connection point"])
def test_an_outage_day_is_not_a_baseline_day(mv: Database, where: str) -> None:
    method = "CAISO 10-in-10"
    with mv.transaction() as s:
        event = s.scalars(select(MvEvent).order_by(MvEvent.start_at.desc())).first()
        before = s.scalars(select(MvResult).where(MvResult.event_id == event.id, MvResult.method == method)).first()
        eligible_before = list(before.parameters["eligible_days"])
        hit = date.fromisoformat(before.parameters["selected_days"][0])
        der = s.scalars(select(Der).where(Der.resource_id == event.resource_id)).first()
        element = OutageElement(feeder_id=der.feeder_id) if where == "feeder" else OutageElement(
            station_id=s.get(Station, der.station_id).connection_point_id or der.station_id)
        start = hour_ending_start_utc(hit, 3)
        s.add(Outage(kind=OutageKind.FORCED.value, state=OutageState.RESTORED.value, reporter_org_id=der.ldc_id,
                     start_at=start, restored_at=start + timedelta(hours=2), elements=[element]))
        s.flush()
        summary = compute_event_results(s, event.id, method)
        after = s.scalars(select(MvResult).where(MvResult.event_id == event.id, MvResult.method == method)).first()
    assert summary.changed > 0
    assert hit.isoformat() not in after.parameters["eligible_days"]
    assert hit.isoformat() in eligible_before


def test_no_baseline_is_a_message_not_a_crash(mv: Database) -> None:
    with mv.transaction() as s:
        resource_id = s.scalars(select(Resource.id)).first()
        early = hour_ending_start_utc(AS_OF - timedelta(days=DAYS + 3), 15)  # before any reading
        event = MvEvent(resource_id=resource_id, issuer=Issuer.IESO.value, start_at=early,
                        end_at=early + timedelta(hours=2), activated_kw=100.0, direction=LOAD_REDUCTION)
        s.add(event)
        s.flush()
        summary = compute_event_results(s, event.id)
        stored = s.scalar(select(func.count()).select_from(MvResult).where(MvResult.event_id == event.id))
    assert summary.message and summary.message.startswith("No baseline")
    assert summary.percent is None and summary.percent_text == "n/a" and stored == 0


def test_a_partial_hour_is_activated_pro_rata(mv: Database) -> None:
    with mv.transaction() as s:
        resource_id = s.scalars(select(Resource.id)).first()
        start = hour_ending_start_utc(AS_OF - timedelta(days=2), 15)
        event = MvEvent(resource_id=resource_id, issuer=Issuer.DSO.value, start_at=start,
                        end_at=start + timedelta(minutes=90), activated_kw=200.0, direction=LOAD_REDUCTION)
        s.add(event)
        s.flush()
        evaluation = evaluate_event(s, event, "PJM High 4 of 5")
    assert [(h.hour_ending, h.activated_kw) for h in evaluation.hours] == [(15, 200.0), (16, 100.0)]
    delivered = {h.hour_ending: h.delivered_kw for h in evaluation.hours}
    assert evaluation.summary.percent == pytest.approx(percent_delivered(delivered, {15: 200.0, 16: 100.0}))


def test_each_role_sees_only_its_events(mv: Database) -> None:
    with mv.session() as s:
        everything = {e.id for e in event_rows(s, principal(mv, "ieso"))}
        total = s.scalar(select(func.count()).select_from(MvEvent))
        manager = principal(mv, "manager")
        mine = set(s.scalars(select(MvEvent.id).join(Resource, Resource.id == MvEvent.resource_id)
                             .where(Resource.aggregator_org_id == manager.organisation_id)))
        seen = event_rows(s, manager)
        ldc = principal(mv, "ldc")
        ldc_resources = set(s.scalars(select(Der.resource_id).where(Der.ldc_id.in_(ldc.territory_ldc_ids))))
        owner = principal(mv, "owner")
        owner_resources = set(s.scalars(select(Der.resource_id).where(Der.owner_org_id == owner.organisation_id)))
        ldc_seen, owner_seen = event_rows(s, ldc), event_rows(s, owner)
    assert len(everything) == total
    assert {r.id for r in seen} == mine and 0 < len(mine) < total
    assert {r.aggregator_id for r in seen} == {manager.organisation_id}
    assert ldc_seen and {r.resource_id for r in ldc_seen} <= ldc_resources
    assert owner_seen and {r.resource_id for r in owner_seen} <= owner_resources


def test_trends_and_league_pool_the_event_hours(mv: Database) -> None:
    with mv.session() as s:
        rows = event_rows(s, principal(mv, "ieso"), "NYISO 5 of 10")
    league = league_table(rows, "aggregator")
    assert [r.rank for r in league] == list(range(1, len(league) + 1))
    percents = [r.totals.percent for r in league if r.totals.percent is not None]
    assert percents == sorted(percents, reverse=True)
    for row in league:
        mine = [r for r in rows if r.aggregator_id == row.key]
        delivered = {(r.id, h): v for r in mine for h, v in r.delivered.items()}
        activated = {(r.id, h): v for r in mine for h, v in r.activated.items()}
        assert row.totals.percent == pytest.approx(percent_delivered(delivered, activated))
        assert row.totals.energy_kwh == pytest.approx(energy(delivered)) and row.totals.events == len(mine)
    trends = monthly_trends(rows, "resource")
    assert sum(p.totals.events for p in trends) == len(rows)
    assert {p.month for p in trends} == {f"{r.start_at.astimezone(MARKET_TZ):%Y-%m}" for r in rows}


# --- through the page callbacks ---------------------------------------------------------------------------


def post(client, app, fragment: str, values=None, triggered=None):  # type: ignore[no-untyped-def]
    body = callback_payload(app, find_output_key(app, fragment), values, triggered)
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def _detail(client, app, event_id: int, method: str = "CAISO 10-in-10"):  # type: ignore[no-untyped-def]
    return post(client, app, "performance-chart.figure",
                {"performance-events.selectedRows": [{"event": str(event_id)}], "performance-method.value": method},
                triggered="performance-events.selectedRows")


def test_aggregator_cannot_read_another_aggregators_event(client, app, mv) -> None:  # type: ignore[no-untyped-def]
    with mv.session() as s:
        own = s.scalar(select(User.organisation_id).where(User.username == "aggregator"))
        other = s.scalars(select(MvEvent).join(Resource, Resource.id == MvEvent.resource_id)
                          .where(Resource.aggregator_org_id != own)).first()
        code = s.scalar(select(Resource.resource_code).where(Resource.id == other.resource_id))
    sign_in(client, "aggregator")
    r = _detail(client, app, other.id)
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "not in your view" in text
    assert code not in text and f"{other.activated_kw:,.1f}" not in text
    listed = post(client, app, "performance-events.rowData", {"performance-method.value": "CAISO 10-in-10"})
    assert str(other.id) not in {row["event"] for row in listed.json["response"]["performance-events"]["rowData"]}


def test_manager_gets_its_event_with_numbers(client, app, mv) -> None:  # type: ignore[no-untyped-def]
    manager = principal(mv, "manager")
    with mv.session() as s:
        event = event_rows(s, manager)[0]
        expected = event_detail(s, manager, event.id).percent_text
    sign_in(client, "manager")
    r = _detail(client, app, event.id)
    assert r.status_code == 200
    response = r.json["response"]
    assert expected in json.dumps(response["performance-kpis"])
    traces = response["performance-chart"]["figure"]["data"]
    assert any(t.get("name") == "Adjusted baseline" and t["y"] for t in traces)


@pytest.mark.parametrize("fragment", ["performance-events.rowData", "performance-chart.figure",
                                      "performance-trend.figure", "performance-events.exportDataAsCsv"])
def test_guest_is_refused_every_performance_callback(client, app, fragment: str) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert post(client, app, fragment, {"performance-method.value": "CAISO 10-in-10"}).status_code == 403


def test_guest_cannot_open_the_page(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert client.get("/performance").status_code == 403


@pytest.mark.parametrize("values", [
    {"performance-method.value": "'; DROP TABLE mv_event; --", "performance-events.selectedRows": {"ids": ["x"]}},
    {"performance-method.value": None, "performance-events.selectedRows": [{"event": "9" * 500}, 7, None]},
    {"performance-method.value": ["CAISO 10-in-10"], "performance-events.selectedRows": "<script>"},
])
def test_hostile_values_get_an_answer_not_a_500(client, app, mv, values) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ieso")
    assert post(client, app, "performance-chart.figure", values, "performance-events.selectedRows").status_code == 200
    assert post(client, app, "performance-trend.figure", {**values, "performance-group-by.value": 5}).status_code == 200


def test_no_events_in_view_is_said_not_drawn_empty(client, app, database) -> None:  # type: ignore[no-untyped-def]
    with database.session() as s:  # no M&V history loaded in this database
        assert s.scalar(select(func.count()).select_from(MvEvent)) == 0
        assert s.scalar(select(func.count()).select_from(Organisation)) > 0
        assert s.scalar(select(func.count()).select_from(Der).where(Der.status == DerStatus.ACTIVE.value)) > 0
    sign_in(client, "ieso")
    chart = post(client, app, "performance-chart.figure", {"performance-method.value": "CAISO 10-in-10"})
    trend = post(client, app, "performance-trend.figure", {"performance-method.value": "CAISO 10-in-10"})
    for r, output in ((chart, "performance-chart"), (trend, "performance-trend")):
        figure = r.json["response"][output]["figure"]
        assert figure["data"] == [] and "No M&V events" in json.dumps(figure["layout"]["annotations"])
