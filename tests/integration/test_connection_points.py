"""Aggregated load at T/D connection points, on SQLite and PostgreSQL: the SQL against independent sums.

Readings and approved limits are written here by hand (through `upsert_measurements` and the limit models), and
every expectation is computed in plain Python from the grid rows: a supply tree of our own (the domain's
`SupplyTree`, not the denormalised `connection_point_id`), a recursive walk for the ADMS rule, and
`data/domain/limits/aggregation.py` for the limits.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from data.access import AccessDenied, Principal
from data.db import Database
from data.domain.enums import DerStatus, LimitStatus, LimitType, StationKind
from data.domain.grid_state import loading_state
from data.domain.limits.aggregation import daily_maxima, sum_by_connection_point
from data.domain.limits.values import HourlyLimit, LimitSchedule
from data.domain.market_time import trade_date_of
from data.domain.supply_chain import FeederNode, StationNode, SupplyTree
from data.models import Der, Feeder, LimitInterval, LimitRequest, Organisation, Resource, Station, User
from data.pollers.parsers.ldc_records import Measurement
from data.queries.connection_points import (
    approved_limit_hours,
    connection_point_detail,
    connection_points,
    der_output_by_hour,
)
from data.services.accounts import principal_for
from data.services.ingest import upsert_measurements
from tests.support import callback_payload, find_output_key, sign_in

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
NOW = NOW - timedelta(minutes=NOW.minute % 5)
LAST = NOW - timedelta(minutes=5)  # the interval that has just ended
CONNECTED = (DerStatus.ACTIVE, DerStatus.INACTIVE)
TOL = 1e-6


def principal(db: Database, username: str) -> Principal:
    with db.session() as s:
        return principal_for(s, s.scalar(select(User).where(User.username == username)))


@dataclass
class Grid:
    """The grid as plain dicts, and the supply tree built from the supply columns (not connection_point_id)."""

    stations: dict[int, Station]
    feeders: dict[int, Feeder]
    ders: dict[int, Der]
    tree: SupplyTree = field(init=False)

    def __post_init__(self) -> None:
        self.tree = SupplyTree(
            [StationNode(s.id, s.kind, s.supply_station_id, s.supply_feeder_id) for s in self.stations.values()],
            [FeederNode(f.id, f.station_id) for f in self.feeders.values()],
        )
        self.feeders_of: dict[int, list[int]] = defaultdict(list)
        for f in self.feeders.values():
            self.feeders_of[f.station_id].append(f.id)
        self.below_station: dict[int, list[int]] = defaultdict(list)
        self.below_feeder: dict[int, list[int]] = defaultdict(list)
        for s in self.stations.values():
            if s.supply_station_id:
                self.below_station[s.supply_station_id].append(s.id)
            if s.supply_feeder_id:
                self.below_feeder[s.supply_feeder_id].append(s.id)

    def cp_of_der(self, der: Der) -> int:
        return self.tree.connection_point(self.tree.feeder_station[der.feeder_id])

    @property
    def cps(self) -> list[int]:
        return [s.id for s in self.stations.values() if s.kind == StationKind.TS]

    def adms_rule(self, cp: int, station_mw: dict[int, float], feeder_mw: dict[int, float],
                  telemetry_kw_by_feeder: dict[int, float]) -> float:
        """The documented rule, written independently: a figure covers its subtree; below silence, go down."""
        def station(sid: int) -> float:
            if sid in station_mw:
                return station_mw[sid]
            return sum(feeder(f) for f in self.feeders_of[sid]) + sum(station(c) for c in self.below_station[sid])

        def feeder(fid: int) -> float:
            if fid in feeder_mw:
                return feeder_mw[fid]
            return telemetry_kw_by_feeder.get(fid, 0.0) / 1000 + sum(station(c) for c in self.below_feeder[fid])

        return station(cp)


def load_grid(db: Database) -> Grid:
    with db.session() as s:
        return Grid({x.id: x for x in s.scalars(select(Station))}, {x.id: x for x in s.scalars(select(Feeder))},
                    {x.id: x for x in s.scalars(select(Der))})


def write(db: Database, measurements: list[Measurement]) -> None:
    with db.transaction() as s:
        upsert_measurements(s, measurements, "test_feed", warnings=[])


def telemetry(pid: str, kw: float | None, ts: datetime = LAST) -> Measurement:
    return Measurement("der", pid, "output_kw", ts, 300, kw, "kW")


def adms(kind: str, code: str, quantity: str, mw: float | None, ts: datetime = LAST) -> Measurement:
    return Measurement(kind, code, quantity, ts, 300, mw, "MW")


def kw_of(der: Der) -> float:
    return float(der.id % 7) * 10 + 1.5


def embedded_der(db: Database, g: Grid) -> Der:
    """A DER of the embedded LDC (PCE, hosted by LSH) with a platform id."""
    with db.session() as s:
        pce = s.scalar(select(Organisation.id).where(Organisation.code == "PCE"))
    der = next(d for d in sorted(g.ders.values(), key=lambda d: d.id) if d.ldc_id == pce and d.platform_id)
    station = g.stations[g.feeders[der.feeder_id].station_id]
    assert station.kind != StationKind.TS and station.owner_org_id == pce
    return der


def with_telemetry(db: Database, g: Grid) -> dict[int, float]:
    """Telemetry for every registered DER: newest reading just now; returns kW by DER id (what counts)."""
    counted: dict[int, float] = {}
    batch = []
    ordered = [d for d in sorted(g.ders.values(), key=lambda d: d.id) if d.platform_id]
    for n, d in enumerate(ordered):
        if n % 11 == 3:  # newest value blank: the previous non-blank one counts
            batch += [telemetry(d.platform_id, kw_of(d), LAST - timedelta(minutes=5)), telemetry(d.platform_id, None)]
        elif n % 13 == 5:  # stale (older than 30 min): not current, not counted
            batch.append(telemetry(d.platform_id, 999.0, NOW - timedelta(hours=2)))
            continue
        else:
            batch.append(telemetry(d.platform_id, kw_of(d)))
        counted[d.id] = kw_of(d)
    write(db, batch)
    return counted


def by_id(rows):  # type: ignore[no-untyped-def]
    return {r.id: r for r in rows}


# --- DER output, load, capacity ---------------------------------------------------------------------------------


def test_telemetry_only_sums_every_der_at_its_ts_including_an_embedded_ldcs(database: Database) -> None:
    g = load_grid(database)
    counted = with_telemetry(database, g)
    expected: dict[int, float] = defaultdict(float)
    for der_id, kw in counted.items():
        expected[g.cp_of_der(g.ders[der_id])] += kw / 1000
    emb = embedded_der(database, g)
    host_ts = g.cp_of_der(emb)
    assert g.stations[host_ts].kind == StationKind.TS and emb.id in counted

    with database.session() as s:
        rows = by_id(connection_points(s, principal(database, "ieso"), NOW))
    assert set(rows) == set(g.cps)
    for cp, row in rows.items():
        if cp in expected:
            assert row.der_output_mw == pytest.approx(expected[cp], abs=TOL), row.code
            assert row.der_output_source == "telemetry"
        else:
            assert row.der_output_mw is None and row.der_output_source is None
    assert rows[host_ts].der_output_mw >= kw_of(emb) / 1000  # the embedded DER counts at its host's TS


def test_adms_figures_count_once_at_the_highest_level_that_reported(database: Database) -> None:
    g = load_grid(database)
    counted = with_telemetry(database, g)
    emb_station = g.stations[g.feeders[embedded_der(database, g).feeder_id].station_id]
    host_ts = g.tree.connection_point(emb_station.id)
    # One TS reports its own figure (and its feeders report too: they must not be added on top).
    own = next(cp for cp in sorted(g.cps) if cp != host_ts and len(g.feeders_of[cp]) >= 2)
    station_mw = {own: 7.25, emb_station.id: 2.0}
    feeder_mw = {f: 1.0 for f in g.feeders_of[own]}
    # Under the embedded LDC's host TS: the embedded station and one other feeder report, the rest is silent.
    other = next(f for f in sorted(g.feeders_of[host_ts]) if f != emb_station.supply_feeder_id)
    feeder_mw[other] = 1.5
    writes = [adms("station", g.stations[k].code, "der_output_mw", v) for k, v in station_mw.items()]
    writes += [adms("feeder", g.feeders[k].code, "der_output_mw", v) for k, v in feeder_mw.items()]
    writes += [adms("station", g.stations[own].code, "load_mw", -3.0),
               adms("station", g.stations[host_ts].code, "load_mw", 40.0)]
    write(database, writes)
    tele_by_feeder: dict[int, float] = defaultdict(float)
    for der_id, kw in counted.items():
        tele_by_feeder[g.ders[der_id].feeder_id] += kw

    with database.session() as s:
        rows = by_id(connection_points(s, principal(database, "ieso"), NOW))
    for cp in (own, host_ts):
        assert rows[cp].der_output_mw == pytest.approx(
            g.adms_rule(cp, station_mw, feeder_mw, tele_by_feeder), abs=TOL), g.stations[cp].code
    assert rows[own].der_output_mw == pytest.approx(7.25) and rows[own].der_output_source == "ADMS"
    assert rows[host_ts].der_output_source in ("ADMS + telemetry", "ADMS")
    # Load at the TS is the net load; load = net + DER output; reverse flow and traffic light.
    r = rows[own]
    assert r.load_mw == r.net_load_mw == -3.0 and r.reverse_flow is True
    assert r.gross_load_mw == pytest.approx(-3.0 + 7.25)
    assert r.loading_pct == pytest.approx(-300.0 / g.stations[own].rated_mw)
    assert r.loading_state == loading_state(r.loading_pct)
    assert rows[host_ts].reverse_flow is False and rows[host_ts].net_load_mw == 40.0

    # The last-24-h chart uses the same sources: the current hour's mean is the same figure here.
    with database.session() as s:
        detail = connection_point_detail(s, principal(database, "ieso"), own, NOW)
        hourly = der_output_by_hour(s, principal(database, "ieso"), NOW - timedelta(hours=2), NOW, NOW)
    last = detail.history[-1] if detail.history[-1].der_output_mw is not None else detail.history[-2]
    assert last.der_output_mw == pytest.approx(7.25) and last.net_load_mw == pytest.approx(-3.0)
    assert sum(hourly[own].values()) == pytest.approx(7.25)
    assert {f.id for f in detail.feeders} == {f.id for f in g.feeders.values()
                                             if g.tree.connection_point(f.station_id) == own}
    assert all(f.der_output_mw == pytest.approx(1.0) for f in detail.feeders if f.id in feeder_mw)


def test_capacity_by_technology_counts_connected_ders_at_their_ts(database: Database) -> None:
    g = load_grid(database)
    expected: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    for d in g.ders.values():
        if d.status in CONNECTED:
            n, kw = expected[g.cp_of_der(d)].get(d.technology, (0, 0.0))
            expected[g.cp_of_der(d)][d.technology] = (n + 1, kw + d.capacity_kw)
    with database.session() as s:
        rows = connection_points(s, principal(database, "ieso"), NOW)
    for row in rows:
        got = {t.technology: (t.count, t.capacity_kw) for t in row.technologies}
        assert got.keys() == expected[row.id].keys()
        for tech, (n, kw) in expected[row.id].items():
            assert got[tech][0] == n and got[tech][1] == pytest.approx(kw)
        assert row.der_count == sum(n for n, _ in expected[row.id].values())
    assert sum(r.der_count for r in rows) == sum(1 for d in g.ders.values() if d.status in CONNECTED)


# --- scope ------------------------------------------------------------------------------------------------------


def test_ldc_sees_only_the_connection_points_supplying_its_territory(database: Database) -> None:
    g = load_grid(database)
    for username in ("ldc", "ldc-embedded"):
        p = principal(database, username)
        territory = set(p.territory_ldc_ids)
        expected = {g.tree.connection_point(s.id) for s in g.stations.values() if s.owner_org_id in territory}
        expected |= {g.tree.connection_point(f.station_id) for f in g.feeders.values() if f.ldc_id in territory}
        with database.session() as s:
            rows = connection_points(s, p, NOW)
        assert {r.id for r in rows} == expected and 0 < len(expected) < len(g.cps), username
        assert all(r.load_visible for r in rows)


def test_aggregator_sees_only_its_own_ders_contribution(database: Database) -> None:
    g = load_grid(database)
    counted = with_telemetry(database, g)
    ts_codes = [g.stations[cp].code for cp in g.cps]
    write(database, [adms("station", code, "load_mw", 55.0) for code in ts_codes]
          + [adms("station", code, "der_output_mw", 9.0) for code in ts_codes])
    agg = principal(database, "aggregator")
    mine = [d for d in g.ders.values() if d.aggregator_org_id == agg.organisation_id]
    assert mine and len(mine) < len(g.ders)
    output: dict[int, float] = defaultdict(float)
    capacity: dict[int, float] = defaultdict(float)
    for d in mine:
        output[g.cp_of_der(d)] += counted.get(d.id, 0.0) / 1000
        if d.status in CONNECTED:
            capacity[g.cp_of_der(d)] += d.capacity_kw
    with database.session() as s:
        rows = connection_points(s, agg, NOW)
        detail = connection_point_detail(s, agg, rows[0].id, NOW)
        other_cp = next(cp for cp in g.cps if cp not in {g.cp_of_der(d) for d in mine})
        assert connection_point_detail(s, agg, other_cp, NOW) is None
    assert {r.id for r in rows} == {g.cp_of_der(d) for d in mine}
    for r in rows:
        assert not r.load_visible and r.load_mw is None and r.net_load_mw is None and r.gross_load_mw is None
        assert r.reverse_flow is None and r.loading_pct is None and r.loading_state is None
        assert r.der_capacity_kw == pytest.approx(capacity[r.id])
        assert (r.der_output_mw or 0.0) == pytest.approx(output[r.id], abs=TOL)  # never the station's 9 MW
    assert all(p.net_load_mw is None and p.gross_load_mw is None for p in detail.history)
    assert {f.id for f in detail.feeders} <= {d.feeder_id for d in mine}
    assert all(f.load_mw is None for f in detail.feeders)


def test_a_role_without_the_permission_is_refused_by_the_query(database: Database) -> None:
    with database.session() as s, pytest.raises(AccessDenied):
        connection_points(s, principal(database, "owner"), NOW)


# --- approved limits --------------------------------------------------------------------------------------------


def _request(s, target: Der | Resource, day, status: str, hours: list[HourlyLimit],  # type: ignore[no-untyped-def]
             approved_at: datetime | None) -> None:
    is_der = isinstance(target, Der)
    ldc = target.ldc_id if is_der else s.scalar(select(Der.ldc_id).where(Der.resource_id == target.id).limit(1))
    requester = (target.aggregator_org_id or target.owner_org_id) if is_der else target.aggregator_org_id
    s.add(LimitRequest(
        der_id=target.id if is_der else None, resource_id=None if is_der else target.id, requester_org_id=requester,
        ldc_id=ldc, trade_date=day, limit_type=LimitType.DYNAMIC.value, status=status, approved_at=approved_at,
        intervals=[LimitInterval(hour_ending=h.hour_ending, export_kw=h.export_kw, import_kw=h.import_kw)
                   for h in hours],
    ))


def test_approved_limits_agree_with_the_domain_reference(database: Database) -> None:
    g = load_grid(database)
    today = trade_date_of(NOW)
    tomorrow = today + timedelta(days=1)
    agg = principal(database, "aggregator")
    emb = embedded_der(database, g)
    host_ts = g.cp_of_der(emb)
    registered = sorted((d for d in g.ders.values() if d.platform_id), key=lambda d: d.id)
    host = next(d for d in registered if g.cp_of_der(d) == host_ts and d.id != emb.id)
    mine = next(d for d in registered if d.aggregator_org_id == agg.organisation_id and d.id not in (emb.id, host.id))
    other = next(d for d in registered if d.aggregator_org_id not in (None, agg.organisation_id)
                 and g.cp_of_der(d) != host_ts)
    t0 = NOW - timedelta(hours=6)
    with database.transaction() as s:
        resources = list(s.scalars(select(Resource).order_by(Resource.id)))
        members = {r.id: [d for d in g.ders.values() if d.resource_id == r.id and d.status in CONNECTED]
                   for r in resources}
        single = next(r for r in resources if len({g.cp_of_der(d) for d in members[r.id]}) == 1)
        spread = next(r for r in resources if len({g.cp_of_der(d) for d in members[r.id]}) > 1)
        _request(s, emb, today, LimitStatus.APPROVED, [HourlyLimit(h, 300, 50) for h in (14, 15, 16)], t0)
        _request(s, emb, today, LimitStatus.APPROVED, [HourlyLimit(15, 100, None)], t0 + timedelta(hours=1))
        _request(s, host, today, LimitStatus.APPROVED, [HourlyLimit(h, 200, None) for h in (15, 16)], t0)
        _request(s, host, tomorrow, LimitStatus.SUBMITTED, [HourlyLimit(17, 9999, 9999)], None)
        _request(s, host, tomorrow, LimitStatus.APPROVED, [HourlyLimit(17, 250, 40)], t0)
        _request(s, other, tomorrow, LimitStatus.APPROVED, [HourlyLimit(h, 500, 500) for h in range(1, 25)], t0)
        _request(s, mine, tomorrow, LimitStatus.APPROVED, [HourlyLimit(17, 75, None)], t0)
        _request(s, single, tomorrow, LimitStatus.APPROVED, [HourlyLimit(17, 1000, None)], t0)
        _request(s, spread, tomorrow, LimitStatus.APPROVED, [HourlyLimit(18, 600, 120)], t0)
        s.flush()
        approved = list(s.scalars(select(LimitRequest).where(LimitRequest.status == LimitStatus.APPROVED)))
        codes = {r.id: r.resource_code for r in resources}
        owners = {r.resource_code: r.aggregator_org_id for r in resources}
        schedules = [LimitSchedule(g.ders[r.der_id].platform_id if r.der_id else codes[r.resource_id], r.trade_date,
                                   LimitType(r.limit_type), tuple(HourlyLimit(i.hour_ending, i.export_kw, i.import_kw)
                                                                  for i in r.intervals),
                                   approved_at=r.approved_at, request_id=r.id)
                     for r in approved if r.resource_id != spread.id]
    owners.update({d.platform_id: d.aggregator_org_id for d in registered})
    cp_of = {d.platform_id: g.cp_of_der(d) for d in registered}
    cp_of[single.resource_code] = g.cp_of_der(members[single.id][0])
    # A resource spread over several CPs is shared by connected capacity among them (our rule, by hand here).
    spread_cap: dict[int, float] = defaultdict(float)
    for d in members[spread.id]:
        spread_cap[g.cp_of_der(d)] += d.capacity_kw
    share = {cp: kw / sum(spread_cap.values()) for cp, kw in spread_cap.items()}

    def expected(owner: int | None = None) -> dict[tuple, list[float]]:
        keep = [x for x in schedules if owner is None or owners[x.target] == owner]
        cells = {(r.connection_point, r.trade_date, r.hour_ending): [r.export_kw, r.import_kw, r.export_count]
                 for r in sum_by_connection_point(keep, cp_of)}
        if owner is None or spread.aggregator_org_id == owner:
            for cp, f in share.items():
                cell = cells.setdefault((cp, tomorrow, 18), [0.0, 0.0, 0])
                cell[0], cell[1], cell[2] = cell[0] + 600 * f, cell[1] + 120 * f, cell[2] + 1
        return cells

    def check(got: dict[int, list], want: dict[tuple, list[float]]) -> None:
        cells = {(cp, h.trade_date, h.hour_ending): h for cp, hs in got.items() for h in hs}
        assert cells.keys() == want.keys()
        for key, (exp_kw, imp_kw, n) in want.items():
            h = cells[key]
            assert (h.export_mw * 1000, h.import_mw * 1000) == (pytest.approx(exp_kw), pytest.approx(imp_kw)), key
            assert h.export_count == n, key

    ieso = principal(database, "ieso")
    with database.session() as s:
        check(approved_limit_hours(s, ieso, (today, tomorrow)), expected())
        check(approved_limit_hours(s, agg, (today, tomorrow)), expected(agg.organisation_id))
        rows = by_id(connection_points(s, ieso, NOW))
    # The embedded DER counts at its host's TS: HE 15 = its later approval (100) + the host LDC's DER (200).
    want = expected()
    assert want[(host_ts, today, 15)][0] == pytest.approx(300) and want[(host_ts, today, 14)][1] == pytest.approx(50)
    # Tomorrow HE 18: `other` (500) and the spread resource's shares (adding up to 600).
    assert sum(v[0] for (_, day, he), v in want.items() if (day, he) == (tomorrow, 18)) == pytest.approx(1100)
    # The page rows carry the largest hourly sum of each day, as the reference's daily maxima.
    for day in daily_maxima(sum_by_connection_point(schedules, cp_of)):
        if day.trade_date == today:
            assert rows[day.connection_point].export_limit_mw * 1000 == pytest.approx(day.max_export_kw)
            assert rows[day.connection_point].import_limit_mw * 1000 == pytest.approx(day.max_import_kw)
    for cp, row in rows.items():
        tomorrow_cells = [v for (c, day, _), v in want.items() if c == cp and day == tomorrow]
        assert row.next_export_limit_mw == (pytest.approx(max(v[0] for v in tomorrow_cells) / 1000)
                                            if tomorrow_cells else None)


# --- the page callbacks through HTTP ----------------------------------------------------------------------------


def post_table(client, app):  # type: ignore[no-untyped-def]
    body = callback_payload(app, find_output_key(app, "connection-points-grid.rowData"))
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def test_guest_and_der_owner_are_refused_the_page_callback(client, app) -> None:  # type: ignore[no-untyped-def]
    client.get("/guest")
    assert post_table(client, app).status_code == 403
    assert client.get("/connection-points").status_code == 403
    client.get("/logout")
    sign_in(client, "owner")
    assert post_table(client, app).status_code == 403
    assert client.get("/connection-points").status_code == 403


def test_ieso_gets_every_connection_point_through_the_callback(client, app, database) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ieso")
    r = post_table(client, app)
    assert r.status_code == 200
    rows = r.json["response"]["connection-points-grid"]["rowData"]
    assert len(rows) == len(load_grid(database).cps)
    assert client.get("/connection-points").status_code == 200


@pytest.mark.parametrize("selected", [None, [], "x", [{"id": "1; DROP TABLE der"}], [{"id": 10**12}], [{"id": -1}],
                                      [{"id": 99999}], [{"nope": 1}]])
def test_hostile_selection_gets_an_answer_not_a_500(client, app, selected) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ieso")
    key = find_output_key(app, "connection-points-detail-title.children")
    body = callback_payload(app, key, {"connection-points-grid.selectedRows": selected},
                            triggered="connection-points-grid.selectedRows")
    r = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert r.status_code in (200, 204)
