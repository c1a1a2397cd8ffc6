"""Automation rules: auto-approve only what every check covers, flag the rest, and say why with numbers."""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from data.domain.enums import LimitType, OutageKind
from data.domain.limits.automation import (
    AutomationAction,
    AutomationOutcome,
    AutomationRules,
    Headroom,
    OutageWindow,
    evaluate,
)
from data.domain.limits.values import HourlyLimit, LimitSchedule
from data.domain.market_time import hour_ending_end_utc, hour_ending_start_utc

DAY = date(2026, 7, 15)
DER = "ON-DER-0001234"
FEEDER = "LSH-TS1-F3"
APPROVE, FLAG, NONE = AutomationAction.AUTO_APPROVE, AutomationAction.FLAG, AutomationAction.NONE
ALL_PASSED = "Every check passed, so the request is approved automatically."


def peak(hours, export_kw=300.0, import_kw=None, day=DAY) -> LimitSchedule:
    return LimitSchedule.peak(DER, day, hours, export_kw, import_kw)


def feeder(capacity, approved=None, name=FEEDER) -> Headroom:
    if isinstance(capacity, int | float):
        capacity = dict.fromkeys(range(1, 25), capacity)
    return Headroom(name, capacity, approved or {})


def he_start(he, day=DAY):
    return hour_ending_start_utc(day, he)


def he_end(he, day=DAY):
    return hour_ending_end_utc(day, he)


def assert_sentences(outcome: AutomationOutcome) -> None:
    for reason in outcome.reasons:
        assert reason[0].isupper() or reason[0].isdigit(), reason
        assert reason.endswith("."), reason
        assert "  " not in reason, reason


# --- hosting capacity ---------------------------------------------------------------------------


def test_covered_single_hour_is_auto_approved_with_the_example_sentence():
    outcome = evaluate(peak([14]), feeder({14: 1240}))
    assert outcome.action is APPROVE
    assert outcome.reasons[0] == ALL_PASSED
    assert outcome.reasons[1] == (
        "Feeder LSH-TS1-F3 has 1,240 kW of hosting capacity left in HE 14 and the request asks 300 kW: covered."
    )
    assert_sentences(outcome)


def test_remaining_capacity_shows_its_arithmetic():
    outcome = evaluate(peak([14]), feeder({14: 2000}, {14: 760}))
    assert outcome.reasons[1] == (
        "Feeder LSH-TS1-F3 has 1,240 kW of hosting capacity left in HE 14 (2,000 kW hosting capacity, "
        "less 760 kW already approved) and the request asks 300 kW: covered."
    )


def test_margin_is_kept_in_reserve_and_cited():
    outcome = evaluate(peak([14]), feeder({14: 2000}, {14: 760}), rules=AutomationRules(margin_percent=10))
    assert outcome.action is APPROVE
    assert outcome.reasons[1] == (
        "Feeder LSH-TS1-F3 has 1,040 kW of hosting capacity left in HE 14 (2,000 kW hosting capacity, "
        "less a 10 % margin of 200 kW, less 760 kW already approved) and the request asks 300 kW: covered."
    )


def test_margin_can_tip_a_request_over():
    request = peak([14], export_kw=1100)
    assert evaluate(request, feeder({14: 2000}, {14: 760})).action is APPROVE
    outcome = evaluate(request, feeder({14: 2000}, {14: 760}), rules=AutomationRules(margin_percent=10))
    assert outcome.action is FLAG
    assert "asks 1,100 kW: not covered, needs an engineer." in outcome.explanation


def test_exactly_the_remaining_capacity_is_covered():
    assert evaluate(peak([14], export_kw=1240), feeder({14: 2000}, {14: 760})).action is APPROVE
    assert evaluate(peak([14], export_kw=1240.1), feeder({14: 2000}, {14: 760})).action is FLAG


def test_each_uncovered_hour_is_named():
    request = LimitSchedule(DER, DAY, LimitType.DYNAMIC, (
        HourlyLimit(13, 300), HourlyLimit(14, 900), HourlyLimit(15, 950), HourlyLimit(16, 100),
    ))
    outcome = evaluate(request, feeder({13: 1000, 14: 800, 15: 800, 16: 800}))
    assert outcome.action is FLAG
    assert outcome.reasons == (
        "2 checks need an engineer, so the request is flagged.",
        "Feeder LSH-TS1-F3 has 800 kW of hosting capacity left in HE 14 and the request asks 900 kW: "
        "not covered, needs an engineer.",
        "Feeder LSH-TS1-F3 has 800 kW of hosting capacity left in HE 15 and the request asks 950 kW: "
        "not covered, needs an engineer.",
        "No outage or constraint on the DER's supply chain overlaps HE 13-16 (none is recorded).",
    )


def test_several_covered_hours_cite_the_tightest():
    request = LimitSchedule(DER, DAY, LimitType.DYNAMIC, tuple(HourlyLimit(he, 300) for he in range(12, 17)))
    outcome = evaluate(request, feeder({12: 3000, 13: 2500, 14: 1240, 15: 2000, 16: 5000}))
    assert outcome.action is APPROVE
    assert outcome.reasons[1] == (
        "Feeder LSH-TS1-F3 has 1,240 kW of hosting capacity left in HE 14 and the request asks 300 kW: "
        "covered, the tightest of the 5 requested hours (HE 12-16)."
    )


def test_over_committed_feeder_has_no_capacity_left():
    outcome = evaluate(peak([14]), feeder({14: 2000}, {14: 2200}))
    assert outcome.action is FLAG
    assert outcome.reasons[1] == (
        "Feeder LSH-TS1-F3 has no hosting capacity left in HE 14 (2,000 kW hosting capacity, less 2,200 kW "
        "already approved) and the request asks 300 kW: not covered, needs an engineer."
    )


def test_zero_export_is_covered_even_on_a_full_feeder():
    assert evaluate(peak([14], export_kw=0), feeder({14: 2000}, {14: 2200})).action is APPROVE


def test_missing_capacity_figures_need_an_engineer():
    outcome = evaluate(peak([14, 15, 16, 18]), feeder({14: 5000}))
    assert outcome.action is FLAG
    assert "Feeder LSH-TS1-F3 has no hosting capacity figure for HE 15-16, 18: needs an engineer." in outcome.reasons


def test_no_feeder_figure_at_all_needs_an_engineer():
    outcome = evaluate(peak([14]), None)
    assert outcome.action is FLAG
    assert "No hosting capacity figure is available for the DER's feeder: needs an engineer." in outcome.reasons


def test_import_only_request_needs_no_hosting_capacity():
    outcome = evaluate(peak([14], export_kw=None, import_kw=50), feeder({}))
    assert outcome.action is APPROVE
    assert outcome.reasons[1] == (
        "The request asks for no export, so the hosting capacity of feeder LSH-TS1-F3 is not needed."
    )
    assert "The request asks up to 50 kW of import (HE 14); import is not a gate in these automation rules." in (
        outcome.reasons
    )


def test_fractional_kw_are_shown():
    outcome = evaluate(peak([14], export_kw=12.5), feeder({14: 20.25}))
    assert "has 20.2 kW of hosting capacity left in HE 14 and the request asks 12.5 kW: covered." in outcome.reasons[1]


# --- station headroom ---------------------------------------------------------------------------


def test_station_headroom_is_checked_too():
    station = Headroom("Leaside TS", {14: 500}, {14: 400})
    outcome = evaluate(peak([14]), feeder({14: 5000}), station=station)
    assert outcome.action is FLAG
    assert (
        "Station Leaside TS has 100 kW of export headroom left in HE 14 (500 kW export headroom, less 400 kW "
        "already approved) and the request asks 300 kW: not covered, needs an engineer."
    ) in outcome.reasons


def test_station_check_can_be_switched_off():
    station = Headroom("Leaside TS", {14: 100})
    outcome = evaluate(peak([14]), feeder({14: 5000}), station=station, rules=AutomationRules(check_station=False))
    assert outcome.action is APPROVE
    assert "Leaside" not in outcome.explanation


def test_station_with_room_is_explained():
    outcome = evaluate(peak([14]), feeder({14: 5000}), station=Headroom("Leaside TS", {14: 5000}))
    assert outcome.action is APPROVE
    assert ("Station Leaside TS has 5,000 kW of export headroom left in HE 14 and the request asks 300 kW: "
            "covered.") in outcome.reasons


# --- outages and constraints ----------------------------------------------------------------------


def test_overlapping_outage_is_flagged_with_its_hours():
    outage = OutageWindow(12, OutageKind.PLANNED, f"feeder {FEEDER}", he_start(16), he_end(18))
    outcome = evaluate(peak(range(14, 19)), feeder(5000), [outage])
    assert outcome.action is FLAG
    assert outcome.reasons == (
        "1 check needs an engineer, so the request is flagged.",
        "Feeder LSH-TS1-F3 has 5,000 kW of hosting capacity left in HE 14 and the request asks 300 kW: covered, "
        "the tightest of the 5 requested hours (HE 14-18).",
        "Planned outage #12 on feeder LSH-TS1-F3 overlaps HE 16-18: needs an engineer.",
    )


def test_touching_outage_does_not_overlap():
    before = OutageWindow(1, OutageKind.PLANNED, "feeder X", he_start(10), he_start(14))
    after = OutageWindow(2, OutageKind.FORCED, "feeder X", he_end(18), he_end(20))
    outcome = evaluate(peak(range(14, 19)), feeder(5000), [before, after])
    assert outcome.action is APPROVE
    assert "No outage or constraint on the DER's supply chain overlaps HE 14-18 (2 checked)." in outcome.reasons


def test_a_few_minutes_inside_an_hour_count():
    blip = OutageWindow(3, OutageKind.FORCED, "station Leaside TS", he_end(15) - timedelta(minutes=5), he_end(15))
    outcome = evaluate(peak(range(14, 19)), feeder(5000), [blip])
    assert "Forced outage #3 on station Leaside TS overlaps HE 15: needs an engineer." in outcome.reasons


def test_open_ended_outage_is_in_force_until_restored():
    open_ended = OutageWindow(4, OutageKind.CONSTRAINT, "host feeder HOST-F1", he_start(1) - timedelta(days=3))
    outcome = evaluate(peak([3, 14, 15]), feeder(5000), [open_ended])
    assert "Constraint #4 on host feeder HOST-F1 overlaps HE 3, 14-15: needs an engineer." in outcome.reasons


def test_outage_on_another_day_does_not_count():
    other_day = OutageWindow(5, OutageKind.PLANNED, "feeder X", he_start(1) - timedelta(days=1), he_start(1))
    assert evaluate(peak([1, 24]), feeder(5000), [other_day]).action is APPROVE


def test_outage_hours_on_spring_forward_day_are_est():
    # Trade date 2026-03-08: HE 3 is 02:00-03:00 EST = 07:00-08:00 UTC, i.e. 03:00-04:00 EDT on the wall clock.
    toronto = ZoneInfo("America/Toronto")
    day = date(2026, 3, 8)
    outage = OutageWindow(6, "transmission", "Leaside TS", datetime(2026, 3, 8, 3, 0, tzinfo=toronto),
                          datetime(2026, 3, 8, 3, 30, tzinfo=toronto))
    outcome = evaluate(peak([2, 3, 4], day=day), feeder(5000), [outage])
    assert "Transmission outage #6 on Leaside TS overlaps HE 3: needs an engineer." in outcome.reasons


def test_each_outage_is_its_own_finding():
    outages = [
        OutageWindow(7, OutageKind.PLANNED, "feeder X", he_start(14), he_end(14)),
        OutageWindow("TX-991", OutageKind.TRANSMISSION, "Leaside TS", he_start(18), he_end(18)),
    ]
    outcome = evaluate(peak(range(14, 19)), feeder(5000), outages)
    assert outcome.reasons[0] == "2 checks need an engineer, so the request is flagged."
    assert "Transmission outage #TX-991 on Leaside TS overlaps HE 18: needs an engineer." in outcome.reasons


def test_unknown_outage_kind_is_labelled_readably():
    outage = OutageWindow(8, "thermal_derate", "feeder X", he_start(14), he_end(14))
    assert "Thermal derate #8 on feeder X overlaps HE 14: needs an engineer." in evaluate(
        peak([14]), feeder(5000), [outage]).reasons


def test_outage_check_can_be_switched_off_and_says_so():
    outage = OutageWindow(12, OutageKind.PLANNED, "feeder X", he_start(14), he_end(14))
    outcome = evaluate(peak([14]), feeder(5000), [outage], rules=AutomationRules(check_outages=False))
    assert outcome.action is APPROVE
    assert "The outage and constraint check is switched off in the automation rules." in outcome.reasons


def test_outage_window_validation():
    with pytest.raises(ValueError, match="ends"):
        OutageWindow(1, OutageKind.PLANNED, "feeder X", he_end(14), he_start(14))
    with pytest.raises(ValueError, match="timezone-aware"):
        OutageWindow(1, OutageKind.PLANNED, "feeder X", datetime(2026, 7, 15, 13))
    empty = OutageWindow(1, OutageKind.PLANNED, "feeder X", he_start(14), he_start(14))
    assert evaluate(peak([14]), feeder(5000), [empty]).action is APPROVE  # an empty window overlaps nothing


# --- ceilings and switches ------------------------------------------------------------------------


def test_export_ceiling():
    rules = AutomationRules(max_auto_export_kw=250)
    outcome = evaluate(peak([14, 15]), feeder(5000), rules=rules)
    assert outcome.action is FLAG
    assert ("The request asks 300 kW of export in HE 14, above the 250 kW automation ceiling: needs an engineer."
            in outcome.reasons)
    outcome = evaluate(peak([14, 15]), feeder(5000), rules=AutomationRules(max_auto_export_kw=300))
    assert outcome.action is APPROVE
    assert "The request's largest export, 300 kW in HE 14, is within the 300 kW automation ceiling." in outcome.reasons


def test_import_ceiling_zero_sends_every_import_to_an_engineer():
    outcome = evaluate(peak([14], import_kw=20), feeder(5000), rules=AutomationRules(max_auto_import_kw=0))
    assert outcome.action is FLAG
    assert ("The request asks 20 kW of import in HE 14, above the 0 kW automation ceiling: needs an engineer."
            in outcome.reasons)


def test_largest_value_cites_its_earliest_hour():
    request = LimitSchedule(DER, DAY, LimitType.DYNAMIC, (HourlyLimit(9, 400), HourlyLimit(10, 500),
                                                          HourlyLimit(11, 500)))
    outcome = evaluate(request, feeder(5000), rules=AutomationRules(max_auto_export_kw=450))
    assert "The request asks 500 kW of export in HE 10, above the 450 kW" in outcome.explanation


def test_auto_approval_switched_off():
    outcome = evaluate(peak([14]), feeder(5000), rules=AutomationRules(auto_approve=False))
    assert outcome.action is NONE
    assert outcome.reasons[0] == "Every check passed, but automatic approval is switched off, so an engineer decides."


def test_auto_flag_switched_off():
    outcome = evaluate(peak([14]), feeder(100), rules=AutomationRules(auto_flag=False))
    assert outcome.action is NONE
    assert outcome.reasons[0] == (
        "1 check needs an engineer; automatic flagging is switched off, so the request waits as it is."
    )


@pytest.mark.parametrize("margin", [-1, 100, 150, float("nan"), True])
def test_bad_margin_refused(margin):
    with pytest.raises(ValueError, match="margin_percent"):
        AutomationRules(margin_percent=margin)


@pytest.mark.parametrize("field", ["max_auto_export_kw", "max_auto_import_kw"])
def test_bad_ceiling_refused(field):
    with pytest.raises(ValueError, match=field):
        AutomationRules(**{field: -5})


def test_headroom_validation():
    with pytest.raises(ValueError, match="capacity_kw for HE 14"):
        Headroom(FEEDER, {14: -1})
    with pytest.raises(ValueError, match="approved_export_kw for HE 3"):
        Headroom(FEEDER, {14: 10}, {3: float("nan")})


# --- the explanation as a whole -------------------------------------------------------------------


def test_every_reason_is_a_sentence_with_numbers_where_it_judges_capacity():
    outages = [OutageWindow(12, OutageKind.PLANNED, "feeder X", he_start(16), he_end(18))]
    station = Headroom("Leaside TS", {he: 200 for he in range(14, 19)})
    request = peak(range(14, 19), import_kw=40)
    outcome = evaluate(request, feeder({14: 250}), outages, station,
                       AutomationRules(margin_percent=5, max_auto_export_kw=1000))
    assert_sentences(outcome)
    for reason in outcome.reasons[1:]:
        if "capacity" in reason or "headroom" in reason or "ceiling" in reason or "overlaps" in reason:
            assert re.search(r"\d", reason), reason
    assert outcome.explanation.startswith(outcome.reasons[0])


def test_the_outcome_is_deterministic():
    args = (peak(range(14, 19)), feeder(5000))
    assert evaluate(*args) == evaluate(*args)
