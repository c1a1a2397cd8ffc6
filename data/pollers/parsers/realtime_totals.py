"""``RealtimeTotals`` (``PUB_RealtimeTotals_YYYYMMDDHH.xml``, HH = hour-ending): 5-minute market totals.

``DocBody{DeliveryDate, DeliveryHour, Energies/IntervalEnergy{Interval, MQ{MarketQuantity, EnergyMW}*,
Flag}}``. Quantities are kept as published, upper-cased and with spaces collapsed (``TOTAL LOAD``,
``TOTAL 10S``, ...). Ontario demand is ``ONTARIO DEMAND`` (not ``TOTAL LOAD``, ~1,500 MW higher).
New quantities are kept like the others. ``Flag`` is ignored. A missing or empty ``EnergyMW`` gives
value None. The older envelope's ``Date``/``Hour`` are accepted for ``DeliveryDate``/``DeliveryHour``.
"""

from __future__ import annotations

import re

from data.domain.market_time import interval_start_utc
from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.records import Observation, ParsedReport, parse_int, parse_number
from data.pollers.parsers.xml_envelope import (
    Envelope,
    child,
    child_text,
    children,
    delivery_day_and_hour,
    descendants,
    read_envelope,
)

__all__ = ["parse_realtime_totals", "realtime_totals_from_envelope"]

REPORT = "RealtimeTotals"
_SPACES = re.compile(r"\s+")
_NAME_HOUR = re.compile(r"_(\d{8})(\d{2})(?:_v\d+)?(?:[._]|$)")


def parse_realtime_totals(content: bytes, source: str = "<RealtimeTotals>") -> ParsedReport:
    return realtime_totals_from_envelope(read_envelope(content, source), source)


def realtime_totals_from_envelope(envelope: Envelope, source: str) -> ParsedReport:
    warnings = list(envelope.warnings)
    body = envelope.body
    day, hour = delivery_day_and_hour(body, source)
    name_match = _NAME_HOUR.search(source)
    if name_match and (name_match.group(1) != day.strftime("%Y%m%d") or int(name_match.group(2)) != hour):
        warnings.append(
            f"{source}: file name says {name_match.group(1)} HE{name_match.group(2)} but the body has "
            f"{day.isoformat()} HE{hour}; the body is used"
        )
    observations: list[Observation] = []
    for interval_elem in descendants(body, "IntervalEnergy"):
        try:
            interval = parse_int(child_text(interval_elem, "Interval"), 1, 12, "Interval")
        except ValueError as exc:
            raise ReportFormatError(str(exc), source=source, element="IntervalEnergy/Interval") from None
        if interval is None:
            raise ReportFormatError(
                "an IntervalEnergy has no Interval", source=source, element="IntervalEnergy"
            )
        start = interval_start_utc(day, hour, interval)
        for mq in children(interval_elem, "MQ"):
            name = child_text(mq, "MarketQuantity")
            if name is None:
                warnings.append(f"{source}: interval {interval}: an MQ without MarketQuantity was skipped")
                continue
            quantity = _SPACES.sub(" ", name).upper()
            energy = child(mq, "EnergyMW")
            try:
                value = parse_number(energy.text if energy is not None else None)
            except ValueError as exc:
                raise ReportFormatError(
                    f"interval {interval}, {quantity}: {exc}", source=source, element="EnergyMW"
                ) from None
            observations.append(Observation(quantity, None, start, 300, value, "MW"))
    if not observations:
        warnings.append(f"{source}: no IntervalEnergy values in the report")
    return ParsedReport(
        report=REPORT, created_at_utc=envelope.created_at_utc, observations=observations, warnings=warnings
    )
