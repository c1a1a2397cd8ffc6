"""Ontario baseline holidays (DOMAIN.md M&V step 2): dates from `holidays`, observance computed by our rule."""

from datetime import date, timedelta

import holidays
import pytest

from data.domain.ontario_holidays import (
    BASELINE_HOLIDAY_NAMES,
    FAMILY_DAY_FIRST_YEAR,
    is_ontario_holiday,
    ontario_holidays,
)


def test_2018_full_list():
    # Canada Day 2018 is a Sunday -> observed Monday Jul 2 (the `holidays` package misses it).
    assert ontario_holidays(2018) == {
        date(2018, 1, 1): "New Year's Day",
        date(2018, 2, 19): "Family Day",
        date(2018, 3, 30): "Good Friday",
        date(2018, 5, 21): "Victoria Day",
        date(2018, 7, 1): "Canada Day",
        date(2018, 7, 2): "Canada Day (observed)",
        date(2018, 8, 6): "Civic Holiday",
        date(2018, 9, 3): "Labour Day",
        date(2018, 10, 8): "Thanksgiving",
        date(2018, 12, 25): "Christmas Day",
        date(2018, 12, 26): "Boxing Day",
    }


def test_2017_full_list():
    # New Year's Day Sunday -> Mon Jan 2; Canada Day Saturday -> Mon Jul 3 (missing from `holidays`).
    assert ontario_holidays(2017) == {
        date(2017, 1, 1): "New Year's Day",
        date(2017, 1, 2): "New Year's Day (observed)",
        date(2017, 2, 20): "Family Day",
        date(2017, 4, 14): "Good Friday",
        date(2017, 5, 22): "Victoria Day",
        date(2017, 7, 1): "Canada Day",
        date(2017, 7, 3): "Canada Day (observed)",
        date(2017, 8, 7): "Civic Holiday",
        date(2017, 9, 4): "Labour Day",
        date(2017, 10, 9): "Thanksgiving",
        date(2017, 12, 25): "Christmas Day",
        date(2017, 12, 26): "Boxing Day",
    }


def test_package_lacks_canada_day_observed_but_we_have_it():
    # The reason observance is computed here: the package's own observed days miss these.
    package = holidays.CA(subdiv="ON", years=[2017, 2018])
    assert date(2017, 7, 3) not in package and date(2018, 7, 2) not in package
    assert ontario_holidays(2017)[date(2017, 7, 3)] == "Canada Day (observed)"
    assert ontario_holidays(2018)[date(2018, 7, 2)] == "Canada Day (observed)"


def test_2020_christmas_friday_boxing_saturday():
    h = ontario_holidays(2020)
    assert h[date(2020, 12, 25)] == "Christmas Day"  # Friday: a weekday, no observance
    assert h[date(2020, 12, 26)] == "Boxing Day"  # Saturday
    assert h[date(2020, 12, 28)] == "Boxing Day (observed)"  # next weekday: Monday
    assert date(2020, 12, 27) not in h and date(2020, 12, 29) not in h


def test_2021_christmas_saturday_boxing_sunday():
    h = ontario_holidays(2021)
    # Christmas Sat 25 -> Mon 27; Boxing Sun 26 -> Mon 27 is taken -> Tue 28.
    assert {d: n for d, n in h.items() if d.month == 12} == {
        date(2021, 12, 25): "Christmas Day",
        date(2021, 12, 26): "Boxing Day",
        date(2021, 12, 27): "Christmas Day (observed)",
        date(2021, 12, 28): "Boxing Day (observed)",
    }


def test_2022_new_year_saturday_and_christmas_sunday():
    h = ontario_holidays(2022)
    assert h[date(2022, 1, 3)] == "New Year's Day (observed)"  # Sat Jan 1 -> Mon Jan 3
    assert date(2022, 1, 2) not in h  # the Sunday in between is just a weekend day
    # Christmas Sun 25 -> Mon 26 is Boxing Day (already a holiday) -> Tue 27.
    assert h[date(2022, 12, 26)] == "Boxing Day"
    assert h[date(2022, 12, 27)] == "Christmas Day (observed)"


def test_2023_new_year_sunday():
    h = ontario_holidays(2023)
    assert h[date(2023, 1, 1)] == "New Year's Day"
    assert h[date(2023, 1, 2)] == "New Year's Day (observed)"  # Sun -> Mon Jan 2
    assert h[date(2023, 7, 3)] == "Canada Day (observed)"  # Sat Jul 1 -> Mon Jul 3


def test_civic_holiday_configurable():
    assert ontario_holidays(2018)[date(2018, 8, 6)] == "Civic Holiday"
    without = ontario_holidays(2018, civic_holiday=False)
    assert date(2018, 8, 6) not in without
    assert set(ontario_holidays(2018)) - set(without) == {date(2018, 8, 6)}
    assert is_ontario_holiday(date(2018, 8, 6)) and not is_ontario_holiday(date(2018, 8, 6), civic_holiday=False)


def test_family_day_only_from_2008():
    assert "Family Day" not in ontario_holidays(FAMILY_DAY_FIRST_YEAR - 1).values()
    assert ontario_holidays(2008)[date(2008, 2, 18)] == "Family Day"


def _nth_monday(year: int, month: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(0 - d.weekday()) % 7)
    return d + timedelta(weeks=n - 1)


@pytest.mark.parametrize("year", range(2010, 2041))
def test_moveable_dates_and_observance_rule(year: int):
    h = ontario_holidays(year)
    actual = {n: d for d, n in h.items() if not n.endswith("(observed)")}
    assert set(actual) == set(BASELINE_HOLIDAY_NAMES)
    # Moveable dates, by rule (independent of the package):
    assert actual["Family Day"] == _nth_monday(year, 2, 3)
    victoria = actual["Victoria Day"]
    assert victoria.weekday() == 0 and date(year, 5, 18) <= victoria <= date(year, 5, 24)
    assert actual["Civic Holiday"] == _nth_monday(year, 8, 1)
    assert actual["Labour Day"] == _nth_monday(year, 9, 1)
    assert actual["Thanksgiving"] == _nth_monday(year, 10, 2)
    gf = actual["Good Friday"]
    assert gf.weekday() == 4 and date(year, 3, 20) <= gf <= date(year, 4, 23)
    # Observance: exactly one observed weekday per weekend holiday, each a weekday, never a duplicate.
    observed = sorted(d for d, n in h.items() if n.endswith("(observed)"))
    weekend_holidays = [d for d, n in h.items() if not n.endswith("(observed)") and d.weekday() >= 5]
    assert len(observed) == len(weekend_holidays)
    assert all(d.weekday() < 5 for d in observed)
    # Every observed day is the first weekday after its holiday that is not already taken.
    taken = set(actual.values())
    for d, n in sorted(h.items()):
        if d.weekday() >= 5 and not n.endswith("(observed)"):
            o = d + timedelta(days=1)
            while o.weekday() >= 5 or o in taken:
                o += timedelta(days=1)
            assert h[o] == n + " (observed)"
            taken.add(o)


def test_rejects_bad_input():
    with pytest.raises(TypeError):
        ontario_holidays("2020")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ontario_holidays(1800)
    with pytest.raises(TypeError):
        ontario_holidays(2020, civic_holiday=None)  # type: ignore[arg-type]


def test_result_is_a_fresh_dict():
    h = ontario_holidays(2020)
    h.clear()
    assert ontario_holidays(2020)
