"""Feed health end to end: a good file, a broken one, a silent feed; /healthz and the page."""
from __future__ import annotations

import dataclasses
import shutil
from datetime import timedelta
from pathlib import Path

from callbacks.context import EXTENSION_KEY
from data.domain.feed_health import FeedStatus
from data.models.base import utcnow
from data.pollers.runner import run_source
from data.pollers.sources import build_sources
from data.queries.feed_health import feed_health
from tests.support import post_callback as _post
from tests.support import sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ieso"
TOTALS = "PUB_RealtimeTotals_2026092808_v12.xml"


def _sources(app, tmp_path: Path):  # type: ignore[no-untyped-def]
    ctx = app.server.extensions[EXTENSION_KEY]
    settings = dataclasses.replace(ctx.settings, feed_dir=tmp_path)
    app.server.extensions[EXTENSION_KEY] = dataclasses.replace(ctx, settings=settings)
    return {s.name: s for s in build_sources(settings)}


def test_good_then_broken_file_shows_error_and_keeps_data(app, database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sources = _sources(app, tmp_path)
    totals = sources["ieso_realtime_totals"]
    totals.folder.mkdir(parents=True)
    shutil.copy(FIXTURES / TOTALS, totals.folder / TOTALS)
    assert run_source(database, totals).status.value == "ok"
    with database.session() as s:
        before = {f.name: f for f in feed_health(s, sources.values(), now=utcnow())}
    assert before["ieso_realtime_totals"].status is FeedStatus.OK
    assert before["ieso_demand"].status is FeedStatus.NEVER

    broken = (FIXTURES / TOTALS).read_bytes()[:900]  # a half-written file
    (totals.folder / "PUB_RealtimeTotals_2026092809.xml").write_bytes(broken)
    assert run_source(database, totals).status.value == "error"
    with database.session() as s:
        after = {f.name: f for f in feed_health(s, sources.values(), now=utcnow())}
    row = after["ieso_realtime_totals"]
    assert row.status is FeedStatus.ERROR and row.last_error and row.last_rows == before[
        "ieso_realtime_totals"].last_rows


def test_a_silent_feed_turns_late_then_stale(app, database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sources = _sources(app, tmp_path)
    totals = sources["ieso_realtime_totals"]
    totals.folder.mkdir(parents=True)
    shutil.copy(FIXTURES / TOTALS, totals.folder / TOTALS)
    run_source(database, totals)
    now = utcnow()
    with database.session() as s:
        states = [next(f for f in feed_health(s, [totals], now=now + timedelta(seconds=dt)))
                  for dt in (0, 11 * 60, 25 * 60)]
    assert [f.status for f in states] == [FeedStatus.OK, FeedStatus.LATE, FeedStatus.STALE]


def test_healthz_lists_every_feed(client, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _sources(app, tmp_path)
    body = client.get("/healthz").json
    names = {f["name"] for f in body["pollers"]}
    assert {"ieso_demand", "ieso_realtime_totals", "ldc_adms", "aggregator_telemetry"} <= names
    assert all({"name", "status"} <= set(f) for f in body["pollers"])




def test_health_page_is_for_operators_only(client, app) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "aggregator")
    assert client.get("/health").status_code == 403
    assert _post(client, app, "health-grid.rowData").status_code == 403
    client.get("/logout")
    sign_in(client, "ieso")
    assert client.get("/health").status_code == 200
    r = _post(client, app, "health-grid.rowData")
    assert r.status_code == 200
    assert len(r.json["response"]["health-grid"]["rowData"]) == 12


def test_recent_runs_refuse_unknown_sources(client, app) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "ldc")
    r = _post(client, app, "health-runs.rowData", {"health-grid.selectedRows": [{"name": "../../etc/passwd"}]},
              "health-grid.selectedRows")
    assert r.status_code == 204


def test_a_broken_file_is_not_retried_unchanged_and_good_data_recovers(app, database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    totals = _sources(app, tmp_path)["ieso_realtime_totals"]
    totals.folder.mkdir(parents=True)
    broken = totals.folder / "PUB_RealtimeTotals_2026092808.xml"
    broken.write_bytes((FIXTURES / TOTALS).read_bytes()[:900])
    assert run_source(database, totals).status.value == "error"
    assert run_source(database, totals).status.value == "skipped"  # same bytes: not read again
    shutil.copy(FIXTURES / TOTALS, totals.folder / TOTALS)  # the next good report arrives
    assert run_source(database, totals).status.value == "ok"
    with database.session() as s:
        [row] = feed_health(s, [totals], now=utcnow())
    assert row.status is FeedStatus.OK and row.last_error  # healthy again, the old error still on record


def test_admin_pauses_a_simulated_feed_others_cannot(client, app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from data.pollers.simulator.files import read_paused

    _sources(app, tmp_path)
    sign_in(client, "ldc")
    selected = {"health-grid.selectedRows": [{"name": "ldc_adms"}]}
    assert _post(client, app, "health-pause-message.children", selected, "health-pause.n_clicks").status_code == 403
    client.get("/logout")
    sign_in(client, "admin")
    r = _post(client, app, "health-pause-message.children", selected, "health-pause.n_clicks")
    assert r.status_code == 200 and "paused" in r.get_data(as_text=True)
    assert read_paused(tmp_path) == {"ldc_adms"}
    r = _post(client, app, "health-pause-message.children", selected, "health-pause.n_clicks")
    assert "resumed" in r.get_data(as_text=True) and read_paused(tmp_path) == frozenset()


def test_paused_source_is_not_written_by_the_simulator(database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from data.pollers.simulator import simulate
    from data.pollers.simulator.files import write_paused

    write_paused(tmp_path, frozenset({"ldc_adms"}))
    end = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
    summary = simulate(database, tmp_path, end - timedelta(minutes=10), end)
    assert "ldc_adms" not in summary.by_source and "aggregator_telemetry" in summary.by_source
