"""The baseline adjustment (M&V step 6): the window W before the event, and the multiplicative or additive
correction to the event-day load in W, or why none is applied."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from data.domain.baselines.loads import LoadHistory, hours_text, load_at, mean
from data.domain.baselines.method import BaselineMethod, require_int
from data.domain.market_time import HOURS_PER_MARKET_DAY


def adjustment_window(event_start_he: int, length_h: int, gap_h: int) -> tuple[int, ...] | None:
    """Hour-endings of W: the ``length_h`` hours ending ``gap_h`` hours before the event start.

    The event starts at the beginning of HE ``s``, i.e. ``s - 1`` h after 00:00 EST; W ends ``gap_h`` h
    earlier, so W = HE ``s - gap - length`` .. ``s - gap - 1``. None when W would begin before HE1 (or is
    empty). Example: event HE16, 3 h, 1 h gap -> HE 12, 13, 14; event HE2, 3 h, 1 h gap -> None.
    """
    require_int(event_start_he, 1, HOURS_PER_MARKET_DAY, "event_start_he")
    first = event_start_he - gap_h - length_h
    last = event_start_he - gap_h - 1
    if length_h < 1 or first < 1:
        return None
    return tuple(range(first, last + 1))


def plan_window(method: BaselineMethod, event_start_he: int) -> tuple[tuple[int, ...], str | None]:
    """W for the method and event start, and why there will be no adjustment (None: there will be one).

    Decided first, because it says which hours an eligible day needs."""
    if method.adjustment == "none":
        return (), "method has no adjustment"
    window = adjustment_window(event_start_he, method.window_length_h, method.window_gap_h)
    if window is None:
        return (), (
            f"adjustment window of {method.window_length_h} h ending {method.window_gap_h} h before the "
            f"event start (HE{event_start_he}) would begin before HE1"
        )
    return window, None


@dataclass(frozen=True)
class AdjustmentOutcome:
    """What the adjustment found and did (no rounding)."""

    adjusted: dict[int, float]  # B'_h (== unadjusted when no adjustment applied)
    window_load: dict[int, float]  # event-day L_h over W (what was found)
    note: str | None  # why no adjustment was applied; None when it was
    ratio: float | None
    ratio_unclipped: float | None
    ratio_clipped: bool
    offset: float | None


def adjust(
    method: BaselineMethod,
    loads: LoadHistory,
    event_date: date,
    window: tuple[int, ...],
    note: str | None,
    unadjusted: dict[int, float],
    window_baseline: dict[int, float],
) -> AdjustmentOutcome:
    """Step 6 over the W and ``note`` of ``plan_window``: no adjustment either when the event day lacks load
    in W or, for multiplicative, when ``sum_W B = 0``."""
    window_load: dict[int, float] = {}
    for he in window:
        value = load_at(loads, event_date, he)
        if value is not None:
            window_load[he] = value
    ratio = ratio_unclipped = offset = None
    clipped = False
    adjusted = dict(unadjusted)
    if window and note is None:
        missing_event = [he for he in window if he not in window_load]
        if missing_event:
            note = f"event-day load missing for {hours_text(missing_event)} in the adjustment window"
        elif method.adjustment == "multiplicative":
            sum_b = math.fsum(window_baseline.values())
            if sum_b == 0:
                note = "baseline sum over the adjustment window is zero: the ratio is undefined"
            else:
                ratio_unclipped = math.fsum(window_load.values()) / sum_b
                ratio = ratio_unclipped
                if method.cap is not None:
                    ratio = min(max(ratio_unclipped, 1.0 - method.cap), 1.0 + method.cap)
                clipped = ratio != ratio_unclipped
                adjusted = {he: ratio * value for he, value in unadjusted.items()}
        else:  # additive
            offset = mean(window_load[he] - window_baseline[he] for he in window)
            adjusted = {he: value + offset for he, value in unadjusted.items()}
    return AdjustmentOutcome(adjusted, window_load, note, ratio, ratio_unclipped, clipped, offset)
