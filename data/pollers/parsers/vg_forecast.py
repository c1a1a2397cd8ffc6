"""``VGForecastSummary``: hourly wind/solar forecasts, transmission- and distribution-connected.

``DocBody{ForecastTimeStamp, OrganizationData{OrganizationType, FuelData{FuelType, ResourceData{ZoneName,
EnergyForecast{ForecastDate, ForecastInterval{ForecastHour (hour-ending), MWOutput}}}}}}``.

Quantity = ``"<FUEL> <ORGANIZATION TYPE> FORECAST"`` upper-cased, e.g. ``SOLAR EMBEDDED FORECAST`` or
``WIND MARKET PARTICIPANT FORECAST`` (market participant = transmission-connected, embedded =
distribution-connected). Zones are canonicalised (``NORTHEAST`` -> ``Northeast``); ``OntarioTotal`` is
zone None. Not every zone appears for every fuel; new fuels, organisation types and zones are kept.
"""

from __future__ import annotations

import re

from data.domain.market_time import interval_start_utc
from data.pollers.parsers.errors import ReportFormatError
from data.pollers.parsers.records import (
    ONTARIO_ZONES,
    Observation,
    ParsedReport,
    canonical_zone,
    parse_int,
    parse_market_date,
    parse_number,
)
from data.pollers.parsers.xml_envelope import Envelope, child_text, children, descendants, read_envelope

__all__ = ["parse_vg_forecast", "vg_forecast_from_envelope"]

REPORT = "VGForecastSummary"
_SPACES = re.compile(r"\s+")


def _label(text: str | None) -> str | None:
    return _SPACES.sub(" ", text).strip().upper() if text else None


def parse_vg_forecast(content: bytes, source: str = "<VGForecastSummary>") -> ParsedReport:
    return vg_forecast_from_envelope(read_envelope(content, source), source)


def vg_forecast_from_envelope(envelope: Envelope, source: str) -> ParsedReport:
    warnings = list(envelope.warnings)
    observations: list[Observation] = []
    unknown_zones: set[str] = set()
    for organization in descendants(envelope.body, "OrganizationData"):
        org_type = _label(child_text(organization, "OrganizationType"))
        if org_type is None:
            warnings.append(f"{source}: an OrganizationData without OrganizationType was skipped")
            continue
        for fuel_data in children(organization, "FuelData"):
            fuel = _label(child_text(fuel_data, "FuelType"))
            if fuel is None:
                warnings.append(f"{source}: {org_type}: a FuelData without FuelType was skipped")
                continue
            quantity = f"{fuel} {org_type} FORECAST"
            for resource in children(fuel_data, "ResourceData"):
                zone_text = child_text(resource, "ZoneName")
                if zone_text is None:
                    warnings.append(f"{source}: {quantity}: a ResourceData without ZoneName was skipped")
                    continue
                zone = canonical_zone(zone_text)
                if zone is not None and zone not in ONTARIO_ZONES:
                    unknown_zones.add(zone)
                where = f"{quantity} {zone_text}"
                for forecast in children(resource, "EnergyForecast"):
                    try:
                        day = parse_market_date(child_text(forecast, "ForecastDate"))
                    except ValueError as exc:
                        raise ReportFormatError(
                            f"{where}: {exc}", source=source, element="ForecastDate"
                        ) from None
                    if day is None:
                        raise ReportFormatError(
                            f"{where}: an EnergyForecast has no ForecastDate",
                            source=source,
                            element="ForecastDate",
                        )
                    for point in children(forecast, "ForecastInterval"):
                        try:
                            hour = parse_int(child_text(point, "ForecastHour"), 1, 24, "ForecastHour")
                            value = parse_number(child_text(point, "MWOutput"))
                        except ValueError as exc:
                            raise ReportFormatError(
                                f"{where} {day.isoformat()}: {exc}", source=source, element="ForecastInterval"
                            ) from None
                        if hour is None:
                            raise ReportFormatError(
                                f"{where} {day.isoformat()}: a ForecastInterval has no ForecastHour",
                                source=source,
                                element="ForecastHour",
                            )
                        start = interval_start_utc(day, hour)
                        observations.append(Observation(quantity, zone, start, 3600, value, "MW"))
    for zone in sorted(unknown_zones):
        warnings.append(f"{source}: unknown zone name {zone!r} kept as given")
    if not observations:
        warnings.append(f"{source}: no forecast values in the report")
    return ParsedReport(
        report=REPORT, created_at_utc=envelope.created_at_utc, observations=observations, warnings=warnings
    )
