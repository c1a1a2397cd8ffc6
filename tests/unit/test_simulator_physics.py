"""The simulator's physics and behaviour: sun, PV, weather, batteries, EVs, loads; determinism; DST days."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from data.demo.load_shape import load_shape
from data.domain.market_time import LOCAL_TZ, market_day_bounds_utc, to_market_time
from data.pollers.simulator.behaviour import (
    SLOT_HOURS,
    SLOTS_PER_DAY,
    BatteryPlan,
    battery_day,
    chp_fraction,
    ev_residential_kw,
    ev_workplace_fraction,
    flexible_load_kw,
    hydro_fraction,
    wind_power_fraction,
)
from data.pollers.simulator.ontario import SystemModel, est_hours
from data.pollers.simulator.rng import normal, smooth_normal, unit
from data.pollers.simulator.solar import clear_sky_fraction, pv_fraction, solar_elevation_deg
from data.pollers.simulator.weather import cloudiness, wind_speed

TORONTO = (43.65, -79.38)
SEED = 20261130


def _day_instants(day: date) -> list[datetime]:
    """The 288 interval starts of an EST trade day (via market time)."""
    start, _ = market_day_bounds_utc(day)
    return [start + timedelta(minutes=5 * k) for k in range(SLOTS_PER_DAY)]


def _est(ts: datetime) -> float:
    return est_hours(ts)


# --- sun and PV ---------------------------------------------------------------------------------------


def test_solar_elevation_matches_geometry_at_noon():
    # At solar noon the elevation is 90 - latitude + declination (+23.44 June, -23.44 December).
    june = max(solar_elevation_deg(*TORONTO, ts) for ts in _day_instants(date(2026, 6, 21)))
    december = max(solar_elevation_deg(*TORONTO, ts) for ts in _day_instants(date(2026, 12, 21)))
    assert june == pytest.approx(90 - 43.65 + 23.44, abs=0.3)
    assert december == pytest.approx(90 - 43.65 - 23.44, abs=0.3)


def test_solar_elevation_refuses_naive_times():
    with pytest.raises(ValueError, match="timezone-aware"):
        solar_elevation_deg(*TORONTO, datetime(2026, 6, 21, 12))


def test_pv_is_zero_at_night():
    for ts in _day_instants(date(2026, 6, 21)):
        if solar_elevation_deg(*TORONTO, ts + timedelta(minutes=2.5)) <= 0:
            assert pv_fraction(SEED, "Toronto", *TORONTO, ts + timedelta(minutes=2.5)) == 0.0
    midnight_est = market_day_bounds_utc(date(2026, 6, 21))[0]
    assert pv_fraction(SEED, "Toronto", *TORONTO, midnight_est) == 0.0
    assert pv_fraction(SEED, "Toronto", *TORONTO, midnight_est + timedelta(hours=3)) == 0.0
    assert clear_sky_fraction(-5.0) == 0.0


@pytest.mark.parametrize("day", [date(2026, 3, 20), date(2026, 6, 21), date(2026, 9, 22), date(2026, 12, 21)])
def test_pv_peaks_near_solar_noon(day: date):
    # Toronto (79.38 W) is 0.3 degrees of longitude east of the EST meridian (75 W + 4.38): solar noon is
    # about 12:17 EST, +-16 min of equation of time over the year.
    instants = _day_instants(day)
    peak = max(instants, key=lambda ts: clear_sky_fraction(solar_elevation_deg(*TORONTO, ts)))
    assert 11.7 <= _est(peak) <= 12.9, f"clear-sky peak at {_est(peak):.2f} h EST"


def test_pv_summer_beats_winter():
    june = sum(clear_sky_fraction(solar_elevation_deg(*TORONTO, ts)) for ts in _day_instants(date(2026, 6, 21)))
    december = sum(clear_sky_fraction(solar_elevation_deg(*TORONTO, ts))
                   for ts in _day_instants(date(2026, 12, 21)))
    assert june > 2.5 * december > 0
    # ... and with the weather too, over whole months (cloudy days are drawn for both).
    def month_energy(month: int) -> float:
        total = 0.0
        for day_number in range(1, 29):
            for ts in _day_instants(date(2026, month, day_number))[::3]:
                total += pv_fraction(SEED, "Toronto", *TORONTO, ts)
        return total

    assert month_energy(6) > 2 * month_energy(12)


def test_clear_sky_fraction_is_bounded_and_rises_with_the_sun():
    values = [clear_sky_fraction(e) for e in range(0, 91, 5)]
    assert values == sorted(values)
    assert 0.75 < values[-1] <= 1.0


def test_cloudiness_is_bounded_deterministic_and_seeded():
    instants = [datetime(2026, 5, 1, tzinfo=UTC) + timedelta(minutes=30 * k) for k in range(48 * 10)]
    values = [cloudiness(SEED, "Ottawa", ts) for ts in instants]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert values == [cloudiness(SEED, "Ottawa", ts) for ts in instants]
    assert values != [cloudiness(SEED + 1, "Ottawa", ts) for ts in instants]
    assert values != [cloudiness(SEED, "West", ts) for ts in instants]  # per region
    assert max(abs(a - b) for a, b in zip(values, values[1:], strict=False)) < 0.35  # smooth, no jumps
    assert len({round(v, 1) for v in values}) > 4  # clear and cloudy days both happen


# --- randomness --------------------------------------------------------------------------------------------


def test_draws_depend_only_on_seed_and_keys():
    assert unit(1, "a", 2) == unit(1, "a", 2)
    assert unit(1, "a", 2) != unit(2, "a", 2)
    assert 0.0 <= unit(3, "x") < 1.0
    draws = [normal(7, "n", k) for k in range(4000)]
    mean = sum(draws) / len(draws)
    sd = (sum((d - mean) ** 2 for d in draws) / len(draws)) ** 0.5
    assert abs(mean) < 0.06 and 0.93 < sd < 1.07


def test_smooth_signal_is_continuous():
    values = [smooth_normal(5, t / 12, 2.0, "s") for t in range(24 * 12)]
    assert max(abs(a - b) for a, b in zip(values, values[1:], strict=False)) < 0.3


# --- batteries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("capacity", "energy"), [(5.0, 13.5), (4.0, 5.0), (500.0, 1000.0), (10_000.0, 40_000.0)])
@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_battery_never_exceeds_its_energy_or_power(capacity: float, energy: float, share: float):
    dispatched = [17 * 12 - 30 <= k < 17 * 12 + 6 or 8 * 12 <= k < 9 * 12 for k in range(SLOTS_PER_DAY)]
    for flags in ((), dispatched):
        outputs, stored = battery_day(capacity, energy, share, flags)
        assert len(outputs) == len(stored) == SLOTS_PER_DAY
        assert all(0.0 <= s <= energy + 1e-9 for s in stored)
        assert all(abs(p) <= capacity + 1e-9 for p in outputs)
        # Energy balance: what comes out was stored first (with charging losses).
        charged = -sum(p for p in outputs if p < 0) * SLOT_HOURS * BatteryPlan().charge_efficiency
        discharged = sum(p for p in outputs if p > 0) * SLOT_HOURS
        assert discharged <= charged + 0.1 * energy + 1e-6  # the day starts at the 10% floor


def test_battery_charges_off_peak_and_midday_and_discharges_on_the_evening_peak():
    outputs, _ = battery_day(5.0, 13.5, midday_share=0.6)
    for k, power in enumerate(outputs):
        hour = k * SLOT_HOURS
        if power > 0:
            assert 17.0 <= hour < 21.0
        if power < 0:
            assert 1.0 <= hour < 5.0 or 10.0 <= hour < 15.0
    assert sum(p for p in outputs if p > 0) > 0
    assert any(p < 0 for p in outputs[: 5 * 12]) and any(p < 0 for p in outputs[10 * 12: 15 * 12])


def test_a_dispatched_battery_discharges_while_energy_lasts():
    flags = [12 * 12 <= k < 13 * 12 for k in range(SLOTS_PER_DAY)]
    outputs, stored = battery_day(5.0, 13.5, 0.5, flags)
    assert outputs[12 * 12] == pytest.approx(5.0)
    assert min(stored) >= 0.1 * 13.5 - 1e-9


def test_an_empty_battery_does_nothing():
    outputs, stored = battery_day(0.0, 10.0, 0.5)
    assert set(outputs) == {0.0} and set(stored) == {0.0}


# --- EVs, loads, generation ---------------------------------------------------------------------------------


def test_home_ev_charges_in_its_evening_session_and_across_midnight():
    assert ev_residential_kw(7.2, 19.0, [(18.5, 21.0)]) == -7.2
    assert ev_residential_kw(7.2, 12.0, [(18.5, 21.0)]) == 0.0
    assert ev_residential_kw(7.2, 0.5, [(22.0 - 24, 25.0 - 24)]) == -7.2  # yesterday's, shifted


def test_workplace_ev_charges_in_the_day():
    assert ev_workplace_fraction(11.0, False, 0.8) > 0.5
    assert ev_workplace_fraction(23.0, False, 0.8) < 0.05
    assert ev_workplace_fraction(11.0, True, 0.8) < ev_workplace_fraction(11.0, False, 0.8)


def test_flexible_load_consumes_and_is_curtailed_when_dispatched():
    normal_kw = flexible_load_kw(1000.0, 0.6, 0.9)
    curtailed = flexible_load_kw(1000.0, 0.6, 0.9, curtail=0.7)
    assert -1000.0 <= normal_kw < curtailed < 0.0
    assert curtailed == pytest.approx(normal_kw * 0.3)


def test_generation_profiles_are_shares_of_capacity():
    assert wind_power_fraction(2.0) == 0.0 and wind_power_fraction(30.0) == 0.0
    assert wind_power_fraction(13.0) == 1.0 and 0 < wind_power_fraction(8.0) < 1
    assert all(0.0 < hydro_fraction(d) <= 1.0 for d in range(1, 366))
    assert hydro_fraction(115) > hydro_fraction(230)  # the spring freshet
    assert chp_fraction(12.0, False, False) > chp_fraction(3.0, False, False)
    speeds = [wind_speed(SEED, "Bruce", datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=h)) for h in range(500)]
    assert all(s >= 0 for s in speeds) and 4.0 < sum(speeds) / len(speeds) < 12.0


# --- Ontario demand and the DST days --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def system() -> SystemModel:
    return SystemModel(SEED, load_shape())


@pytest.mark.parametrize("day", [date(2026, 3, 8), date(2026, 11, 1)])  # DST starts / ends in Toronto
def test_dst_days_have_24_market_hours_of_12_intervals(system: SystemModel, day: date):
    intervals = system.day_intervals(day)
    assert len(intervals) == 288
    assert [(i.hour_ending, i.interval) for i in intervals] == [(h, k) for h in range(1, 25) for k in range(1, 13)]
    assert all(i.trade_date == day for i in intervals)
    starts = [i.start_utc for i in intervals]
    assert all(b - a == timedelta(minutes=5) for a, b in zip(starts, starts[1:], strict=False))
    demand = [i.ontario_mw for i in intervals]
    assert all(9_000 < d < 25_000 for d in demand)
    assert max(abs(a - b) for a, b in zip(demand, demand[1:], strict=False)) < 400  # no step at 02:00 local


def test_pv_peak_stays_at_the_same_est_time_across_a_dst_change():
    def peak(day: date) -> datetime:
        return max(_day_instants(day), key=lambda ts: clear_sky_fraction(solar_elevation_deg(*TORONTO, ts)))

    before, after = peak(date(2026, 3, 7)), peak(date(2026, 3, 9))
    assert abs(_est(before) - _est(after)) < 0.2  # the sun ignores daylight saving ...
    local_before, local_after = before.astimezone(LOCAL_TZ), after.astimezone(LOCAL_TZ)
    assert local_after.hour - local_before.hour == 1  # ... the wall clock does not


def test_demand_follows_the_typical_shape(system: SystemModel):
    day = date(2026, 7, 15)  # a summer weekday: afternoon peak above the night
    intervals = system.day_intervals(day)
    night = sum(i.ontario_mw for i in intervals[3 * 12: 5 * 12]) / 24
    afternoon = sum(i.ontario_mw for i in intervals[15 * 12: 18 * 12]) / 36
    assert afternoon > night * 1.2
    for item in intervals[::17]:
        assert sum(item.zones.values()) == pytest.approx(item.ontario_mw, rel=0.04)
        assert item.totals["Total Load"] > item.ontario_mw
        assert item.totals["Total Energy"] == pytest.approx(item.totals["Total Load"] + item.totals["Total Loss"],
                                                            abs=0.2)
        assert to_market_time(item.start_utc).trade_date == day


def test_hourly_demand_is_the_mean_of_its_intervals(system: SystemModel):
    day = date(2026, 2, 3)
    market, ontario = system.hourly(day, 18)
    values = [i.ontario_mw for i in system.day_intervals(day)[17 * 12: 18 * 12]]
    assert ontario == pytest.approx(sum(values) / 12, abs=0.5)
    assert market > ontario


def test_vg_forecast_covers_48_hours_from_the_next_hour(system: SystemModel):
    issued = datetime(2025, 2, 28, 13, 55, tzinfo=UTC)  # 08:55 EST, like the real sample
    series = system.vg_forecast(issued)
    assert {(s.organisation_type, s.fuel) for s in series} == {
        ("MARKET PARTICIPANT", "Solar"), ("MARKET PARTICIPANT", "Wind"), ("EMBEDDED", "Solar"), ("EMBEDDED", "Wind"),
    }
    for item in series:
        assert len(item.points) == 48
        assert item.points[0][:2] == (date(2025, 2, 28), 10)
        assert item.points[-1][:2] == (date(2025, 3, 2), 9)
    embedded_solar = [s for s in series if (s.organisation_type, s.fuel) == ("EMBEDDED", "Solar")]
    total = next(s for s in embedded_solar if s.zone == "OntarioTotal")
    for k, (_, hour, value) in enumerate(total.points):
        parts = sum(s.points[k][2] for s in embedded_solar if s.zone != "OntarioTotal")
        assert value == pytest.approx(parts, abs=0.5)
        if hour in (1, 2, 3, 23, 24):
            assert value == 0.0  # no sun at night


def test_day_ahead_prices_cover_24_hours(system: SystemModel):
    prices = system.da_prices(date(2026, 7, 16))
    assert [p.hour_ending for p in prices] == list(range(1, 25))
    assert max(p.zonal for p in prices[14:19]) > min(p.zonal for p in prices[1:5])
