"""M&V customer baselines: the exact steps 1-6 of DOMAIN.md, "M&V formulas".

A baseline is computed per resource on EST market days (``Etc/GMT+5``): every day has HE 1..24, DST-change
days included, and the day type comes from the EST date. Loads are keyed by ``(EST date, hour-ending)``;
baselines come out in the same unit. Nothing is rounded on the way (sums use ``math.fsum``).

1. Like-days: weekdays (Mon-Fri) and weekend days (Sat + Sun pooled). Holidays (``ontario_holidays``)
   belong to neither class and are never eligible; an event on a holiday uses the weekend class.
2. Holidays: see ``data.domain.ontario_holidays``.
3. Eligible days E: search back day by day from the day before the event, over the ``lookback_days``
   calendar days before it, taking like-days that are not holidays, not activation days and not outage or
   constraint days (the caller passes those as EST date sets: a day counts if it was affected at any time
   of the day; ``market_days_touched`` turns a UTC span into those dates). Stop when Y days are found or
   the lookback is exhausted. Fewer than Y: use those found, ``reduced_sample=True``; none: raise
   ``NoBaselineError`` (never a zero baseline).
   Missing data (a choice of this package): a day lacking load for any hour the baseline needs -- the
   event hours, plus the adjustment-window hours when an adjustment will be made -- is not eligible
   either; it is skipped like an excluded day and does not count toward Y. A ``None`` or NaN value is
   missing, never zero.
4. Selection S: the X days of E with the highest mean load over the event hours (all of E when it has X
   or fewer); among equal means the more recent day wins.
5. Unadjusted baseline: ``B_h = mean over S of L_{d,h}`` for the event hours and the window hours.
6. Adjustment over W = the ``window_length_h`` hours ending ``window_gap_h`` hours before the event start
   (the first event hour), on the event day; if W would begin before HE1 there is no adjustment.
   Multiplicative: ``r = sum_W L / sum_W B`` clipped to ``[1 - cap, 1 + cap]`` inclusive (``cap=None``:
   unclipped), ``B'_h = r B_h``. Additive: ``B'_h = B_h + mean_W(L - B)``, never capped (may be negative).
   Also no adjustment (with the reason in ``adjustment_note``) when the event day lacks load in W, or,
   for multiplicative, when ``sum_W B = 0`` (the ratio is undefined).

Pure Python: no framework imports. Modules, each importable on its own:
- ``method``: ``BaselineMethod``, the presets and ``get_method``;
- ``loads``: ``LoadHistory`` and its reading from UTC, ``market_days_touched``;
- ``days``: steps 1-4, like-day classes, holidays, eligible days E and the selection S;
- ``adjustment``: step 6, the window W and the multiplicative or additive adjustment;
- ``compute``: ``compute_baseline`` (step 5 and the whole run) and its ``BaselineResult``.
"""
from data.domain.baselines.adjustment import adjustment_window
from data.domain.baselines.compute import BaselineResult, compute_baseline
from data.domain.baselines.days import NoBaselineError, day_class, holidays_for_lookback
from data.domain.baselines.loads import LoadHistory, hourly_loads_from_utc, market_days_touched
from data.domain.baselines.method import (
    ADJUSTMENTS,
    CAISO_10_IN_10,
    DEFAULT_METHOD_NAME,
    NYISO_5_OF_10,
    PJM_HIGH_4_OF_5,
    PRESETS,
    Adjustment,
    BaselineMethod,
    DayClass,
    get_method,
)

__all__ = [
    "ADJUSTMENTS",
    "CAISO_10_IN_10",
    "DEFAULT_METHOD_NAME",
    "NYISO_5_OF_10",
    "PJM_HIGH_4_OF_5",
    "PRESETS",
    "Adjustment",
    "BaselineMethod",
    "BaselineResult",
    "DayClass",
    "LoadHistory",
    "NoBaselineError",
    "adjustment_window",
    "compute_baseline",
    "day_class",
    "get_method",
    "holidays_for_lookback",
    "hourly_loads_from_utc",
    "market_days_touched",
]
