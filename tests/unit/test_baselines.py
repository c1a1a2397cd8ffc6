"""Customer baselines (DOMAIN.md M&V steps 1-6) against hand-computed worked examples and real IESO load.

Calendar used below (2026): Victoria Day Mon May 18, Canada Day Wed Jul 1, DST starts Sun Mar 8 and ends
Sun Nov 1. Most synthetic histories fill every day with a decoy load of 1000 and give the days that should
be used small loads, so that any day wrongly included shows up as a huge error.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from data.domain.baselines import (
    CAISO_10_IN_10,
    DEFAULT_METHOD_NAME,
    NYISO_5_OF_10,
    PJM_HIGH_4_OF_5,
    PRESETS,
    NoBaselineError,
    adjustment_window,
    compute_baseline,
    day_class,
    get_method,
    hourly_loads_from_utc,
    market_days_touched,
)
from data.domain.market_time import MARKET_TZ

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mv" / "ontario-demand-hourly-20180607-20180716.csv"
DECOY = 1000.0
EVENT = (16, 17, 18, 19)  # HE16-19 -> W = HE12-14 for a 3 h window with a 1 h gap


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def fill(start: date, end: date, value: float = DECOY) -> dict[tuple[date, int], float | None]:
    """Every hour of every EST day in [start, end] at ``value``."""
    loads: dict[tuple[date, int], float | None] = {}
    day = start
    while day <= end:
        for he in range(1, 25):
            loads[(day, he)] = value
        day += timedelta(days=1)
    return loads


def set_day(loads: dict, day: date, value: float, **by_he: float | None) -> None:
    """Flat ``value`` over HE1..24 of ``day``, then per-hour overrides given as he16=..."""
    for he in range(1, 25):
        loads[(day, he)] = value
    for key, v in by_he.items():
        loads[(day, int(key.removeprefix("he")))] = v


def set_window(loads: dict, day: date, hours: tuple[int, ...], value: float) -> None:
    for he in hours:
        loads[(day, he)] = value


# --- presets and method -----------------------------------------------------------------------------


def test_presets_match_domain_table():
    assert set(PRESETS) == {"CAISO 10-in-10", "PJM High 4 of 5", "NYISO 5 of 10"}
    assert DEFAULT_METHOD_NAME == "CAISO 10-in-10" and get_method() is CAISO_10_IN_10

    def row(m: object) -> tuple:
        fields = ("weekday_x", "weekday_y", "weekend_x", "weekend_y", "adjustment", "window_length_h", "window_gap_h")
        return (*(getattr(m, f) for f in fields), m.cap, m.lookback_days)  # type: ignore[attr-defined]

    assert row(CAISO_10_IN_10) == (10, 10, 4, 4, "multiplicative", 3, 1, 0.2, 45)
    assert row(PJM_HIGH_4_OF_5) == (4, 5, 2, 3, "additive", 3, 1, None, 45)
    assert row(NYISO_5_OF_10) == (5, 10, 2, 3, "multiplicative", 2, 2, 0.2, 30)
    assert all(m.civic_holiday for m in PRESETS.values())
    assert PRESETS["PJM High 4 of 5"] is PJM_HIGH_4_OF_5 and get_method("NYISO 5 of 10") is NYISO_5_OF_10
    with pytest.raises(KeyError, match="unknown baseline method"):
        get_method("ERCOT")


def test_method_is_frozen_and_validated():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CAISO_10_IN_10.cap = 0.3  # type: ignore[misc]
    bad = [
        {"weekday_x": 11},  # X > Y
        {"weekend_y": 0},
        {"adjustment": "exponential"},
        {"window_length_h": 0},  # an adjustment needs a window
        {"window_gap_h": -1},
        {"cap": -0.1},
        {"cap": math.inf},
        {"lookback_days": 0},
        {"name": " "},
    ]
    for change in bad:
        with pytest.raises(ValueError):
            dataclasses.replace(CAISO_10_IN_10, **change)
    with pytest.raises(ValueError, match="multiplicative adjustment only"):
        dataclasses.replace(PJM_HIGH_4_OF_5, cap=0.2)  # additive is never capped
    with pytest.raises(TypeError):
        dataclasses.replace(CAISO_10_IN_10, civic_holiday=1)
    assert dataclasses.replace(CAISO_10_IN_10, adjustment="none", cap=None, window_length_h=0).window_length_h == 0


def test_adjustment_window_arithmetic():
    # Event HE16 starts 15:00 EST; 1 h gap -> W ends 14:00; 3 h long -> 11:00-14:00 = HE12, 13, 14.
    assert adjustment_window(16, 3, 1) == (12, 13, 14)
    # NYISO: 2 h ending 2 h before 15:00 -> 11:00-13:00 = HE12, 13.
    assert adjustment_window(16, 2, 2) == (12, 13)
    # Event HE5 starts 04:00; W = 00:00-03:00 = HE1..3: begins exactly at HE1, allowed.
    assert adjustment_window(5, 3, 1) == (1, 2, 3)
    # Event HE4 starts 03:00; W would be 23:00 the day before .. 02:00 -> before HE1.
    assert adjustment_window(4, 3, 1) is None
    # Event HE2 with 3 h + 1 h gap: W would start at -03:00.
    assert adjustment_window(2, 3, 1) is None
    assert adjustment_window(2, 1, 0) == (1,)  # gap 0: W ends at the event start
    assert adjustment_window(1, 1, 0) is None


def test_day_class():
    hol = {d(5, 18)}
    assert day_class(d(5, 18), hol) is None  # holiday: neither class
    assert day_class(d(5, 19), hol) == "weekday"
    assert day_class(d(5, 16), hol) == "weekend" and day_class(d(5, 17), hol) == "weekend"


# --- CAISO 10-in-10: holiday skipped, multiplicative within the cap ----------------------------------


def test_caiso_weekday_skips_victoria_day_and_goes_back_past_it():
    # Event Wed 2026-05-20, HE16-19. Searching back from Tue May 19 over weekdays:
    #   May 19, [May 18 Victoria Day: holiday, skipped], 15, 14, 13, 12, 11, 8, 7, 6, 5  -> Y = 10 found,
    #   the search stops there (Mon May 4 is never looked at: it keeps the decoy 1000).
    # Each used day has a flat load equal to its day of month:
    #   sum = 19+15+14+13+12+11+8+7+6+5 = 110, so B_h = 110 / 10 = 11 for every hour.
    # Event day load over W (HE12-14) = 12.1 each: r = (3 x 12.1) / (3 x 11) = 36.3 / 33 = 1.1 (within
    # [0.8, 1.2]), B'_h = 1.1 x 11 = 12.1.
    loads = fill(d(4, 1), d(5, 20))
    used = [d(5, n) for n in (19, 15, 14, 13, 12, 11, 8, 7, 6, 5)]
    for day in used:
        set_day(loads, day, float(day.day))
    set_day(loads, d(5, 20), 7.0)
    set_window(loads, d(5, 20), (12, 13, 14), 12.1)

    r = compute_baseline(loads, d(5, 20), EVENT, CAISO_10_IN_10)

    assert r.day_class == "weekday" and (r.x, r.y) == (10, 10)
    assert r.eligible_days == tuple(used)
    assert r.selected_days == tuple(used)  # ranked by mean: 19 > 15 > ... > 5
    assert (d(5, 18), "holiday: Victoria Day") in r.skipped_days
    assert not r.reduced_sample
    assert r.unadjusted == pytest.approx({16: 11.0, 17: 11.0, 18: 11.0, 19: 11.0})
    assert r.window_hours == (12, 13, 14)
    assert r.window_baseline == pytest.approx({12: 11.0, 13: 11.0, 14: 11.0})
    assert r.window_load == {12: 12.1, 13: 12.1, 14: 12.1}
    assert r.adjustment_applied and r.adjustment_note is None
    assert r.ratio == pytest.approx(1.1, rel=1e-12) and not r.ratio_clipped
    assert r.adjusted == pytest.approx(dict.fromkeys(EVENT, 12.1), rel=1e-12)
    assert r.baseline is r.adjusted and r.offset is None
    assert r.day_means[d(5, 19)] == 19.0


def test_default_method_is_caiso():
    loads = fill(d(4, 1), d(5, 20), 10.0)
    assert compute_baseline(loads, d(5, 20), EVENT).method is CAISO_10_IN_10


# --- DST: EST days are always 24 h, nothing special -----------------------------------------------


@pytest.mark.parametrize(
    ("event_day", "dst_day"),
    [(d(3, 9), d(3, 8)), (d(11, 2), d(11, 1))],
    ids=["after-spring-forward", "after-fall-back"],
)
def test_event_day_right_after_dst_change(event_day: date, dst_day: date):
    # Hourly readings stamped in UTC (hour start), 25 days back to the event day. The value of every
    # reading is its EST hour-ending, by plain arithmetic: EST = UTC - 5 h, HE = EST hour + 1.
    # Event day loads are 1.1 x HE. Both DST Sundays are weekend days, so the 10 weekdays before the
    # event are used, each with L_h = h -> B_h = h.
    # Event HE8-9 (starts 07:00 EST) -> W = HE4..6: sum_W B = 4+5+6 = 15, sum_W L = 1.1 x 15 = 16.5,
    # r = 1.1, B'_8 = 8.8, B'_9 = 9.9.
    start = datetime.combine(event_day - timedelta(days=25), datetime.min.time(), tzinfo=UTC) + timedelta(hours=5)
    readings = []
    for k in range(26 * 24):
        ts = start + timedelta(hours=k)
        he = (ts.hour - 5) % 24 + 1
        est_date = (ts - timedelta(hours=5)).date()
        readings.append((ts, 1.1 * he if est_date == event_day else float(he)))
    loads = hourly_loads_from_utc(readings)
    # The DST day still has HE1..24, one value each, in EST.
    assert [he for (day, he) in loads if day == dst_day] == list(range(1, 25))
    assert all(loads[(dst_day, he)] == he for he in range(1, 25))

    r = compute_baseline(loads, event_day, (8, 9), CAISO_10_IN_10)

    weekdays_before = []
    day = event_day - timedelta(days=1)
    while len(weekdays_before) < 10:
        if day.weekday() < 5:
            weekdays_before.append(day)
        day -= timedelta(days=1)
    assert r.eligible_days == tuple(weekdays_before)
    assert dst_day not in r.eligible_days
    assert r.unadjusted == {8: 8.0, 9: 9.0}
    assert r.window_hours == (4, 5, 6)
    assert r.ratio == pytest.approx(1.1, rel=1e-12)
    assert r.adjusted == pytest.approx({8: 8.8, 9: 9.9}, rel=1e-12)


def test_event_on_dst_sunday_is_a_24_hour_weekend_day():
    # Whole-day event on Sun 2026-03-08 (23 h in Toronto, 24 h in EST). Weekend 4 of 4: Mar 7, 1, Feb 28,
    # Feb 22 with loads 4, 3, 2, 1 -> B_h = 10 / 4 = 2.5 for all 24 hours. HE1 event -> no adjustment.
    loads = fill(d(2, 1), d(3, 8))
    for day, v in ((d(3, 7), 4.0), (d(3, 1), 3.0), (d(2, 28), 2.0), (d(2, 22), 1.0)):
        set_day(loads, day, v)
    r = compute_baseline(loads, d(3, 8), range(1, 25), CAISO_10_IN_10)
    assert r.day_class == "weekend"
    assert r.eligible_days == (d(3, 7), d(3, 1), d(2, 28), d(2, 22))
    assert r.unadjusted == dict.fromkeys(range(1, 25), 2.5) == r.adjusted
    assert not r.adjustment_applied and "before HE1" in (r.adjustment_note or "")


# --- like-day classes -----------------------------------------------------------------------------


def test_weekend_event_uses_weekend_class():
    # Event Sat 2026-06-13, HE14-15, CAISO weekend 4 of 4. Back from Fri Jun 12 (weekday, ignored):
    # Sun Jun 7 = 40, Sat Jun 6 = 30, Sun May 31 = 20, Sat May 30 = 10 -> B = 100 / 4 = 25.
    # W = HE10-12 (event starts 13:00, 1 h gap -> 09:00-12:00); event day L_W = 25 -> r = 75 / 75 = 1.
    loads = fill(d(4, 20), d(6, 13))
    for day, v in ((d(6, 7), 40.0), (d(6, 6), 30.0), (d(5, 31), 20.0), (d(5, 30), 10.0)):
        set_day(loads, day, v)
    set_day(loads, d(6, 13), 25.0)
    r = compute_baseline(loads, d(6, 13), (14, 15), CAISO_10_IN_10)
    assert r.day_class == "weekend" and (r.x, r.y) == (4, 4)
    assert r.eligible_days == (d(6, 7), d(6, 6), d(5, 31), d(5, 30))
    assert r.unadjusted == {14: 25.0, 15: 25.0}
    assert r.window_hours == (10, 11, 12) and r.ratio == 1.0
    assert r.adjusted == {14: 25.0, 15: 25.0}


def test_holiday_event_uses_weekend_class():
    # Event on Canada Day, Wed 2026-07-01 -> weekend class. Sun Jun 28 = 8, Sat Jun 27 = 6, Sun Jun 21 = 4,
    # Sat Jun 20 = 2 -> B = 20 / 4 = 5. The weekdays in between (decoy 1000) are not used.
    loads = fill(d(5, 1), d(7, 1))
    for day, v in ((d(6, 28), 8.0), (d(6, 27), 6.0), (d(6, 21), 4.0), (d(6, 20), 2.0)):
        set_day(loads, day, v)
    set_day(loads, d(7, 1), 5.0)
    r = compute_baseline(loads, d(7, 1), EVENT, CAISO_10_IN_10)
    assert r.day_class == "weekend" and (r.x, r.y) == (4, 4)
    assert r.eligible_days == (d(6, 28), d(6, 27), d(6, 21), d(6, 20))
    assert r.unadjusted == dict.fromkeys(EVENT, 5.0)
    assert r.ratio == 1.0  # L_W = 15 = sum_W B


def test_holidays_override_and_civic_holiday_setting():
    # Civic Holiday Mon 2026-08-03. Event Tue Aug 4, NYISO 5 of 10 (the 5 highest of 10).
    # Loads: weekday = day of month, so the top 5 are the 5 most recent weekdays used.
    loads = fill(d(6, 1), d(8, 4))
    day = d(8, 3)
    while day >= d(6, 1):
        if day.weekday() < 5:
            set_day(loads, day, float(day.day + 100 * (day.month - 6)))  # Aug 3 = 203, Jul 31 = 131, ...
        day -= timedelta(days=1)
    set_day(loads, d(8, 4), 0.0)
    with_civic = compute_baseline(loads, d(8, 4), EVENT, NYISO_5_OF_10)
    assert d(8, 3) not in with_civic.eligible_days
    assert (d(8, 3), "holiday: Civic Holiday") in with_civic.skipped_days
    without = compute_baseline(loads, d(8, 4), EVENT, dataclasses.replace(NYISO_5_OF_10, civic_holiday=False))
    assert without.eligible_days[0] == d(8, 3) and without.selected_days[0] == d(8, 3)
    # An explicit holiday set replaces the computed one (a Mapping keeps the names).
    custom = compute_baseline(loads, d(8, 4), EVENT, NYISO_5_OF_10, holidays={d(7, 31): "plant shutdown"})
    assert custom.eligible_days[:2] == (d(8, 3), d(7, 30))
    assert (d(7, 31), "holiday: plant shutdown") in custom.skipped_days
    plain = compute_baseline(loads, d(8, 4), EVENT, NYISO_5_OF_10, holidays=[d(7, 31)])
    assert (d(7, 31), "holiday: holiday") in plain.skipped_days


# --- eligible days: exclusions, reduced sample, no baseline ----------------------------------------


def _weekday_day_of_month(start: date, end: date) -> dict:
    loads = fill(start, end)
    day = start
    while day <= end:
        if day.weekday() < 5:
            set_day(loads, day, float(day.day))
        day += timedelta(days=1)
    return loads


def test_reduced_sample_when_lookback_runs_out():
    # Event Fri 2026-06-19, CAISO with L = 14 days: the weekdays within Jun 5..18 are
    # 18, 17, 16, 15, 12, 11, 10, 9, 8, 5 (10). Activation on Jun 17, outages on Jun 10 and Jun 9 ->
    # E = 18, 16, 15, 12, 11, 8, 5 (7 < Y = 10): reduced sample, all 7 selected.
    # B = (18+16+15+12+11+8+5) / 7 = 85 / 7.
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    method = dataclasses.replace(CAISO_10_IN_10, lookback_days=14)
    r = compute_baseline(loads, d(6, 19), EVENT, method, activation_days={d(6, 17)}, outage_days={d(6, 10), d(6, 9)})
    assert r.eligible_days == (d(6, 18), d(6, 16), d(6, 15), d(6, 12), d(6, 11), d(6, 8), d(6, 5))
    assert r.reduced_sample
    assert len(r.selected_days) == 7
    assert r.unadjusted == pytest.approx(dict.fromkeys(EVENT, 85 / 7), rel=1e-15)
    assert (d(6, 17), "activation day") in r.skipped_days
    assert (d(6, 10), "outage or constraint day") in r.skipped_days
    assert (d(6, 9), "outage or constraint day") in r.skipped_days


def test_excluded_days_do_not_count_toward_y():
    # Same exclusions with the full 45-day lookback: the search keeps going back to Jun 4, 3, 2 ->
    # E = 18, 16, 15, 12, 11, 8, 5, 4, 3, 2: B = 94 / 10 = 9.4; not a reduced sample.
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    r = compute_baseline(
        loads, d(6, 19), EVENT, CAISO_10_IN_10, activation_days={d(6, 17)}, outage_days={d(6, 10), d(6, 9)}
    )
    assert r.eligible_days[-3:] == (d(6, 4), d(6, 3), d(6, 2)) and len(r.eligible_days) == 10
    assert not r.reduced_sample
    assert r.unadjusted == pytest.approx(dict.fromkeys(EVENT, 9.4), rel=1e-15)


def test_day_missing_a_needed_hour_is_not_eligible():
    # Event Fri 2026-06-19, CAISO. Jun 18 has no HE17 (event hour) and Jun 16 has NaN at HE13 (a W hour):
    # both skipped. Jun 17 lacks HE3, which is not needed: still eligible.
    # E = 17, 15, 12, 11, 10, 9, 8, 5, 4, 3: B = (17+15+12+11+10+9+8+5+4+3) / 10 = 94 / 10 = 9.4.
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    del loads[(d(6, 18), 17)]
    loads[(d(6, 16), 13)] = math.nan
    loads[(d(6, 17), 3)] = None
    r = compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)
    assert r.eligible_days == tuple(d(6, n) for n in (17, 15, 12, 11, 10, 9, 8, 5, 4, 3))
    assert (d(6, 18), "missing load for HE17") in r.skipped_days
    assert (d(6, 16), "missing load for HE13") in r.skipped_days
    assert r.unadjusted == pytest.approx(dict.fromkeys(EVENT, 9.4), rel=1e-15)
    # Without an adjustment the window hours are not needed, so Jun 16 is eligible again.
    no_adj = dataclasses.replace(CAISO_10_IN_10, adjustment="none", cap=None)
    assert d(6, 16) in compute_baseline(loads, d(6, 19), EVENT, no_adj).eligible_days


def test_no_eligible_day_raises_never_zero():
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    # Event Mon Jun 15 with a 1-day lookback: the only day looked at is Sunday.
    one_day = dataclasses.replace(CAISO_10_IN_10, lookback_days=1)
    with pytest.raises(NoBaselineError, match="no baseline for 2026-06-15"):
        compute_baseline(loads, d(6, 15), EVENT, one_day)
    # Every weekday of a 7-day lookback activated.
    week = dataclasses.replace(CAISO_10_IN_10, lookback_days=7)
    acts = {d(6, n) for n in (12, 11, 10, 9, 8)}
    with pytest.raises(NoBaselineError, match="activation"):
        compute_baseline(loads, d(6, 15), EVENT, week, activation_days=acts)
    # No load data at all.
    with pytest.raises(NoBaselineError, match="missing load"):
        compute_baseline({}, d(6, 15), EVENT, CAISO_10_IN_10)


# --- selection: top X by mean, ties to the more recent day ------------------------------------------


def test_pjm_high_4_of_5_selects_top_4_and_additive_offset_is_negative():
    # Event Fri 2026-06-19, HE16-19, PJM weekday 4 of 5. E = Jun 18, 17, 16, 15, 12 (Y = 5; Jun 11 and
    # earlier keep the decoy and are never reached). Flat loads 10, 50, 20, 40, 30.
    # Top 4 by mean: Jun 17 (50), Jun 15 (40), Jun 12 (30), Jun 16 (20) -> B = 140 / 4 = 35.
    # W = HE12-14, event day L_W = 30: offset = mean(30 - 35) = -5 -> B' = 35 - 5 = 30 (negative offset).
    loads = fill(d(5, 1), d(6, 19))
    for n, v in ((18, 10.0), (17, 50.0), (16, 20.0), (15, 40.0), (12, 30.0)):
        set_day(loads, d(6, n), v)
    set_day(loads, d(6, 19), 0.0)
    set_window(loads, d(6, 19), (12, 13, 14), 30.0)
    r = compute_baseline(loads, d(6, 19), EVENT, PJM_HIGH_4_OF_5)
    assert r.eligible_days == (d(6, 18), d(6, 17), d(6, 16), d(6, 15), d(6, 12))
    assert r.selected_days == (d(6, 17), d(6, 15), d(6, 12), d(6, 16))
    assert r.unadjusted == dict.fromkeys(EVENT, 35.0)
    assert r.offset == -5.0 and r.ratio is None
    assert r.adjusted == dict.fromkeys(EVENT, 30.0)


def test_additive_adjustment_is_not_capped():
    # Same days, event day L_W = 100: offset = 100 - 35 = +65 -> B' = 100 (a 20 % cap would give 42).
    loads = fill(d(5, 1), d(6, 19))
    for n, v in ((18, 10.0), (17, 50.0), (16, 20.0), (15, 40.0), (12, 30.0)):
        set_day(loads, d(6, n), v)
    set_day(loads, d(6, 19), 100.0)
    r = compute_baseline(loads, d(6, 19), EVENT, PJM_HIGH_4_OF_5)
    assert r.offset == 65.0 and r.adjusted == dict.fromkeys(EVENT, 100.0)


def test_ties_go_to_the_more_recent_day():
    # PJM 4 of 5, event Fri 2026-06-19, HE16-17. Event-window means: Jun 18 = 50; Jun 17, 16, 15 = 30;
    # Jun 12 = (20 + 40) / 2 = 30 too. Four days tie at 30 for three places: the recent ones win
    # (17, 16, 15), Jun 12 is dropped. B_16 = (50+30+30+30)/4 = 35 (with Jun 12 instead of Jun 15 it
    # would be (50+30+30+20)/4 = 32.5), B_17 = 35.
    loads = fill(d(5, 1), d(6, 19))
    for n, v in ((18, 50.0), (17, 30.0), (16, 30.0), (15, 30.0)):
        set_day(loads, d(6, n), v)
    set_day(loads, d(6, 12), 30.0, he16=20.0, he17=40.0)
    set_day(loads, d(6, 19), 35.0)
    r = compute_baseline(loads, d(6, 19), (16, 17), PJM_HIGH_4_OF_5)
    assert r.day_means[d(6, 12)] == r.day_means[d(6, 15)] == 30.0
    assert r.selected_days == (d(6, 18), d(6, 17), d(6, 16), d(6, 15))
    assert r.unadjusted == {16: 35.0, 17: 35.0}
    assert r.offset == 0.0  # W = HE12-14, L_W = 35 = B_W


# --- multiplicative adjustment and the cap ----------------------------------------------------------


@pytest.mark.parametrize(
    ("window_load", "cap", "ratio_unclipped", "ratio", "clipped"),
    [
        # B_W = 10 each hour (sum 30). L_W = 12 -> r = 36 / 30 = 1.2 = 1 + cap: inclusive, not clipped.
        (12.0, 0.2, 1.2, 1.2, False),
        # L_W = 13 -> r = 39 / 30 = 1.3 -> clipped to 1 + 0.2 = 1.2.
        (13.0, 0.2, 1.3, 1.2, True),
        # L_W = 8 -> r = 24 / 30 = 0.8 = 1 - cap: inclusive.
        (8.0, 0.2, 0.8, 0.8, False),
        # L_W = 5 -> r = 15 / 30 = 0.5 -> clipped to 0.8.
        (5.0, 0.2, 0.5, 0.8, True),
        # Uncapped: 1.3 stays 1.3.
        (13.0, None, 1.3, 1.3, False),
    ],
)
def test_multiplicative_cap(window_load: float, cap: float | None, ratio_unclipped: float, ratio: float, clipped: bool):
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    for key in list(loads):
        if key[0].weekday() < 5:
            loads[key] = 10.0  # every weekday flat 10 -> B_h = 10
    set_window(loads, d(6, 19), (12, 13, 14), window_load)
    method = dataclasses.replace(CAISO_10_IN_10, cap=cap)
    r = compute_baseline(loads, d(6, 19), EVENT, method)
    assert r.window_baseline == {12: 10.0, 13: 10.0, 14: 10.0}
    assert r.ratio_unclipped == pytest.approx(ratio_unclipped, rel=1e-15)
    assert r.ratio == pytest.approx(ratio, rel=1e-15)
    assert r.ratio_clipped is clipped
    assert r.adjusted == pytest.approx(dict.fromkeys(EVENT, 10.0 * ratio), rel=1e-15)
    if cap is not None and clipped:
        assert r.ratio in (1.0 + cap, 1.0 - cap)  # exactly at the bound


def test_nyiso_window_is_two_hours_two_hours_before():
    # NYISO: W = HE12-13 for an HE16 start. Weekday loads 10 -> B = 10; event day L = 11 at HE12-13 and
    # 50 at HE14-15 (inside the gap, ignored): r = 22 / 20 = 1.1.
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    for key in list(loads):
        if key[0].weekday() < 5:
            loads[key] = 10.0
    set_window(loads, d(6, 19), (12, 13), 11.0)
    set_window(loads, d(6, 19), (14, 15), 50.0)
    r = compute_baseline(loads, d(6, 19), EVENT, NYISO_5_OF_10)
    assert r.window_hours == (12, 13)
    assert r.ratio == pytest.approx(1.1, rel=1e-15)


# --- no adjustment -------------------------------------------------------------------------------


def test_window_before_he1_means_no_adjustment():
    # Event HE2-3, CAISO W = 3 h ending 1 h before 01:00 -> starts at -03:00: before HE1, no adjustment.
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    set_day(loads, d(6, 19), 99.0)
    r = compute_baseline(loads, d(6, 19), (2, 3), CAISO_10_IN_10)
    assert not r.adjustment_applied
    assert "before HE1" in (r.adjustment_note or "")
    assert r.window_hours == () and r.window_baseline == {} and r.window_load == {}
    assert r.ratio is None and r.offset is None
    assert r.adjusted == r.unadjusted
    # HE5 start: W = HE1..3 fits exactly and is applied.
    assert compute_baseline(loads, d(6, 19), (5,), CAISO_10_IN_10).window_hours == (1, 2, 3)


def test_whole_day_event():
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    r = compute_baseline(loads, d(6, 19), range(1, 25), PJM_HIGH_4_OF_5)
    assert sorted(r.unadjusted) == list(range(1, 25)) and not r.adjustment_applied
    # E = 18, 17, 16, 15, 12; top 4 = 18, 17, 16, 15 -> B = 66 / 4 = 16.5.
    assert r.unadjusted == dict.fromkeys(range(1, 25), 16.5)


def test_event_day_window_data_missing_means_no_adjustment_with_reason():
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    del loads[(d(6, 19), 13)]
    r = compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)
    assert not r.adjustment_applied and "HE13" in (r.adjustment_note or "")
    assert r.adjusted == r.unadjusted


def test_zero_window_baseline_means_no_ratio():
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    for key in list(loads):
        if key[1] in (12, 13, 14):
            loads[key] = 0.0
    r = compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)
    assert not r.adjustment_applied and "zero" in (r.adjustment_note or "") and r.ratio is None


def test_method_without_adjustment():
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    method = dataclasses.replace(CAISO_10_IN_10, name="raw", adjustment="none", cap=None)
    r = compute_baseline(loads, d(6, 19), EVENT, method)
    assert not r.adjustment_applied and r.adjustment_note == "method has no adjustment"
    assert r.adjusted == r.unadjusted


def test_bad_inputs_refused():
    loads = _weekday_day_of_month(d(5, 1), d(6, 19))
    with pytest.raises(ValueError):
        compute_baseline(loads, d(6, 19), [], CAISO_10_IN_10)
    with pytest.raises(ValueError):
        compute_baseline(loads, d(6, 19), [0, 1], CAISO_10_IN_10)
    with pytest.raises(ValueError):
        compute_baseline(loads, d(6, 19), [16, 16], CAISO_10_IN_10)
    with pytest.raises(TypeError):
        compute_baseline(loads, datetime(2026, 6, 19, tzinfo=UTC), EVENT, CAISO_10_IN_10)
    loads[(d(6, 18), 16)] = math.inf
    with pytest.raises(ValueError, match="infinite"):
        compute_baseline(loads, d(6, 19), EVENT, CAISO_10_IN_10)


# --- UTC helpers ----------------------------------------------------------------------------------


def test_market_days_touched_uses_est_dates():
    # 2026-06-11 00:30 EDT = 04:30 UTC = Jun 10 23:30 EST: the outage belongs to EST day Jun 10 only.
    assert market_days_touched(datetime(2026, 6, 11, 4, 30, tzinfo=UTC), datetime(2026, 6, 11, 4, 50, tzinfo=UTC)) == {
        d(6, 10)
    }
    # Jun 10 23:00 EST .. Jun 12 00:00 EST (exclusive end at midnight) -> Jun 10, Jun 11.
    start = datetime(2026, 6, 10, 23, tzinfo=MARKET_TZ)
    end = datetime(2026, 6, 12, 0, tzinfo=MARKET_TZ)
    assert market_days_touched(start, end) == {d(6, 10), d(6, 11)}
    assert market_days_touched(start, start) == set()
    with pytest.raises(ValueError):
        market_days_touched(end, start)


def test_hourly_loads_from_utc_validation():
    t = datetime(2026, 6, 10, 5, tzinfo=UTC)  # 00:00 EST -> HE1
    assert hourly_loads_from_utc([(t, 1.0), (t + timedelta(hours=23), 24.0), (t + timedelta(hours=1), None)]) == {
        (d(6, 10), 1): 1.0,
        (d(6, 10), 24): 24.0,
    }
    with pytest.raises(ValueError, match="hour boundary"):
        hourly_loads_from_utc([(t + timedelta(minutes=5), 1.0)])
    with pytest.raises(ValueError, match="two readings"):
        hourly_loads_from_utc([(t, 1.0), (t, 2.0)])


# --- real IESO load ------------------------------------------------------------------------------


def _real_loads() -> dict[tuple[date, int], float]:
    with FIXTURE.open(newline="") as f:
        return {
            (date.fromisoformat(row["Date"]), int(row["Hour"])): float(row["Ontario Demand"])
            for row in csv.DictReader(f)
        }


REAL_EVENT_DAY = date(2018, 7, 16)  # a Monday in a July heat spell
REAL_HOLIDAYS = {date(2018, 7, 1), date(2018, 7, 2)}  # Canada Day (Sunday) and its observed Monday


def test_real_ieso_demand_caiso_against_plain_computation():
    loads = _real_loads()
    assert len(loads) == 40 * 24
    result = compute_baseline(loads, REAL_EVENT_DAY, EVENT, CAISO_10_IN_10)

    # Independent computation, written plainly: the 10 weekdays before the event that are not holidays.
    days = []
    day = REAL_EVENT_DAY - timedelta(days=1)
    while len(days) < 10 and (REAL_EVENT_DAY - day).days <= 45:
        if day.weekday() < 5 and day not in REAL_HOLIDAYS:
            days.append(day)
        day -= timedelta(days=1)
    assert days == [date(2018, 7, n) for n in (13, 12, 11, 10, 9, 6, 5, 4, 3)] + [date(2018, 6, 29)]
    baseline = {h: sum(loads[(x, h)] for x in days) / len(days) for h in (12, 13, 14, 16, 17, 18, 19)}
    ratio = sum(loads[(REAL_EVENT_DAY, h)] for h in (12, 13, 14)) / sum(baseline[h] for h in (12, 13, 14))
    ratio = min(max(ratio, 0.8), 1.2)
    expected = {h: ratio * baseline[h] for h in EVENT}

    assert result.eligible_days == tuple(days)
    assert (date(2018, 7, 2), "holiday: Canada Day (observed)") in result.skipped_days
    assert set(result.selected_days) == set(days)  # 10 of 10: all of E
    assert result.window_hours == (12, 13, 14)
    assert result.ratio == pytest.approx(ratio, rel=1e-12)
    for h in EVENT:
        assert result.unadjusted[h] == pytest.approx(baseline[h], rel=1e-12)
        assert result.adjusted[h] == pytest.approx(expected[h], rel=1e-12)
    # Plausibility: Ontario summer afternoon demand, in MW.
    assert all(15_000 < v < 25_000 for v in result.adjusted.values())


def test_real_ieso_demand_pjm_against_plain_computation():
    loads = _real_loads()
    result = compute_baseline(loads, REAL_EVENT_DAY, EVENT, PJM_HIGH_4_OF_5)
    # The 5 most recent non-holiday weekdays, the 4 with the highest HE16-19 mean, then additive.
    days = [date(2018, 7, n) for n in (13, 12, 11, 10, 9)]
    mean = {x: sum(loads[(x, h)] for h in EVENT) / 4 for x in days}
    top4 = sorted(days, key=lambda x: mean[x], reverse=True)[:4]
    baseline = {h: sum(loads[(x, h)] for x in top4) / 4 for h in (12, 13, 14, 16, 17, 18, 19)}
    offset = sum(loads[(REAL_EVENT_DAY, h)] - baseline[h] for h in (12, 13, 14)) / 3
    assert result.eligible_days == tuple(days)
    assert result.selected_days == tuple(top4)
    assert result.offset == pytest.approx(offset, rel=1e-12)
    for h in EVENT:
        assert result.adjusted[h] == pytest.approx(baseline[h] + offset, rel=1e-12)
