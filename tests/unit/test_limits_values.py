"""Limit values: hourly maxima are validated once, peak limits stay flat, the latest approval wins per hour."""
from datetime import UTC, date, datetime

import pytest

from data.domain.enums import LimitType
from data.domain.limits.values import HourlyLimit, LimitSchedule, format_hours, format_kw, latest_per_hour

DAY = date(2026, 7, 15)
DER = "ON-DER-0001234"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 7, 14, hour, minute, tzinfo=UTC)


# --- HourlyLimit ----------------------------------------------------------------------------------


@pytest.mark.parametrize("he", [1, 12, 24])
def test_hour_ending_range_accepted(he):
    assert HourlyLimit(he, 10.0).hour_ending == he


@pytest.mark.parametrize("he", [0, 25, -1])
def test_hour_ending_out_of_range_refused(he):
    with pytest.raises(ValueError, match="hour_ending"):
        HourlyLimit(he, 10.0)


@pytest.mark.parametrize("he", [True, 1.0, "1"])
def test_hour_ending_must_be_int(he):
    with pytest.raises(TypeError):
        HourlyLimit(he, 10.0)


@pytest.mark.parametrize("kw", [-0.1, float("nan"), float("inf")])
def test_bad_kw_refused_with_hour_in_message(kw):
    with pytest.raises(ValueError, match="HE 5: export_kw"):
        HourlyLimit(5, export_kw=kw)
    with pytest.raises(ValueError, match="HE 5: import_kw"):
        HourlyLimit(5, import_kw=kw)


def test_kw_must_be_a_number():
    with pytest.raises(TypeError):
        HourlyLimit(5, export_kw="300")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        HourlyLimit(5, export_kw=True)


def test_zero_and_ints_are_fine():
    limit = HourlyLimit(5, export_kw=0, import_kw=250)
    assert (limit.export_kw, limit.import_kw) == (0, 250)


def test_an_hour_needs_at_least_one_direction():
    with pytest.raises(ValueError, match="export limit, an import limit or both"):
        HourlyLimit(5)


# --- LimitSchedule ----------------------------------------------------------------------------------


def test_hours_are_sorted():
    schedule = LimitSchedule(DER, DAY, LimitType.DYNAMIC, (HourlyLimit(18, 5), HourlyLimit(3, 7)))
    assert schedule.hour_endings == (3, 18)


def test_hours_given_as_a_list_become_a_tuple():
    schedule = LimitSchedule(DER, DAY, LimitType.DYNAMIC, [HourlyLimit(3, 7)])  # type: ignore[arg-type]
    assert isinstance(schedule.hours, tuple)


def test_duplicate_hour_refused():
    with pytest.raises(ValueError, match="HE 3 appears twice"):
        LimitSchedule(DER, DAY, LimitType.DYNAMIC, (HourlyLimit(3, 7), HourlyLimit(3, 8)))


def test_empty_schedule_refused():
    with pytest.raises(ValueError, match="at least one hour"):
        LimitSchedule(DER, DAY, LimitType.DYNAMIC, ())


@pytest.mark.parametrize("target", ["", "   ", None])
def test_target_required(target):
    with pytest.raises(ValueError, match="target"):
        LimitSchedule(target, DAY, LimitType.PEAK, (HourlyLimit(3, 7),))


def test_trade_date_must_be_a_date_not_a_datetime():
    with pytest.raises(TypeError):
        LimitSchedule(DER, datetime(2026, 7, 15, tzinfo=UTC), LimitType.PEAK, (HourlyLimit(3, 7),))


def test_limit_type_from_string():
    assert LimitSchedule(DER, DAY, "dynamic", (HourlyLimit(3, 7),)).limit_type is LimitType.DYNAMIC
    with pytest.raises(ValueError):
        LimitSchedule(DER, DAY, "curvy", (HourlyLimit(3, 7),))


def test_peak_limit_is_one_pair_over_all_hours():
    schedule = LimitSchedule.peak(DER, DAY, range(14, 19), 300, 50)
    assert schedule.limit_type is LimitType.PEAK
    assert schedule.hour_endings == (14, 15, 16, 17, 18)
    assert {(h.export_kw, h.import_kw) for h in schedule.hours} == {(300, 50)}


def test_peak_limit_with_an_hourly_curve_refused():
    with pytest.raises(ValueError, match="use a dynamic limit"):
        LimitSchedule(DER, DAY, LimitType.PEAK, (HourlyLimit(3, 7), HourlyLimit(4, 8)))


def test_dynamic_limit_carries_a_curve():
    curve = tuple(HourlyLimit(he, export_kw=100.0 * he) for he in range(1, 25))
    assert len(LimitSchedule(DER, DAY, LimitType.DYNAMIC, curve).hours) == 24


def test_naive_approved_at_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        LimitSchedule.peak(DER, DAY, [3], 7, None, approved_at=datetime(2026, 7, 14, 11))


def test_schedule_is_frozen():
    schedule = LimitSchedule.peak(DER, DAY, [3], 7, None)
    with pytest.raises(AttributeError):
        schedule.target = "other"  # type: ignore[misc]


# --- latest_per_hour --------------------------------------------------------------------------------


def test_later_approval_overrides_only_the_hours_it_covers():
    first = LimitSchedule.peak(DER, DAY, range(10, 15), 500, None, approved_at=at(9), request_id=1)
    second = LimitSchedule.peak(DER, DAY, [12, 13], 200, None, approved_at=at(10), request_id=2)
    merged = latest_per_hour([second, first])  # input order does not matter
    assert list(merged) == [(DER, DAY)]
    assert {he: h.export_kw for he, h in merged[(DER, DAY)].items()} == {10: 500, 11: 500, 12: 200, 13: 200, 14: 500}


def test_unapproved_ranks_below_any_approval():
    approved = LimitSchedule.peak(DER, DAY, [12], 200, None, approved_at=at(10), request_id=1)
    draft = LimitSchedule.peak(DER, DAY, [12], 900, None, request_id=99)
    assert latest_per_hour([approved, draft])[(DER, DAY)][12].export_kw == 200


def test_equal_approval_times_go_to_the_higher_request_id():
    a = LimitSchedule.peak(DER, DAY, [12], 200, None, approved_at=at(10), request_id=7)
    b = LimitSchedule.peak(DER, DAY, [12], 300, None, approved_at=at(10), request_id=8)
    assert latest_per_hour([b, a])[(DER, DAY)][12].export_kw == 300
    assert latest_per_hour([a, b])[(DER, DAY)][12].export_kw == 300


def test_approval_times_compare_as_instants_across_zones():
    from zoneinfo import ZoneInfo

    toronto = ZoneInfo("America/Toronto")
    earlier = LimitSchedule.peak(DER, DAY, [12], 200, None, approved_at=datetime(2026, 7, 14, 6, 30, tzinfo=toronto))
    later = LimitSchedule.peak(DER, DAY, [12], 300, None, approved_at=at(10, 45))  # 06:45 EDT
    assert latest_per_hour([later, earlier])[(DER, DAY)][12].export_kw == 300


def test_keys_sorted_by_date_then_target():
    d2 = date(2026, 7, 16)
    limits = [
        LimitSchedule.peak("ON-DER-0000002", d2, [1], 1, None),
        LimitSchedule.peak("ON-DER-0000002", DAY, [1], 1, None),
        LimitSchedule.peak("ON-DER-0000001", d2, [1], 1, None),
    ]
    assert list(latest_per_hour(limits)) == [("ON-DER-0000002", DAY), ("ON-DER-0000001", d2), ("ON-DER-0000002", d2)]


def test_latest_per_hour_of_nothing():
    assert latest_per_hour([]) == {}


# --- display ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "text"),
    [(1240, "1,240 kW"), (1240.0, "1,240 kW"), (12.5, "12.5 kW"), (0, "0 kW"), (300, "300 kW"),
     (1_250_000, "1,250,000 kW"), (0.04, "0 kW"), (99.96, "100 kW"), (-200, "-200 kW")],
)
def test_format_kw(kw, text):
    assert format_kw(kw) == text


@pytest.mark.parametrize(
    ("hours", "text"),
    [([16, 17, 18], "HE 16-18"), ([3, 16, 17], "HE 3, 16-17"), ([5], "HE 5"), ([18, 16, 17, 17], "HE 16-18"),
     ([1, 3, 5], "HE 1, 3, 5"), (range(1, 25), "HE 1-24"), ([], "no hours")],
)
def test_format_hours(hours, text):
    assert format_hours(hours) == text
