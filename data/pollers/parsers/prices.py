"""Ontario energy prices: ``DAHourlyOntarioZonalPrice`` (day-ahead, hourly) and ``RealtimeZonalEnergyPrices``
(real-time, 5-minute, per virtual zone). Prices in CAD/MWh.

* ``DAHourlyOntarioZonalPrice``: ``DocBody{DeliveryDate, HourlyPriceComponents{PricingHour 1..24,
  ZonalPrice, LossPriceCapped, CongestionPriceCapped, Flag}}`` -> ``DA ZONAL PRICE``,
  ``DA LOSS PRICE CAPPED``, ``DA CONGESTION PRICE CAPPED`` (zone None: the Ontario zonal price).
* ``RealtimeZonalEnergyPrices`` [secondary source]: ``DocBody{DELIVERYDATE, DELIVERYHOUR,
  ZonalPrices/TransactionZone{ZoneName "EAST:HUB", IntervalPrice{Interval, ZonalPrice, EnergyLossPrice,
  EnergyCongPrice}}}`` -> ``RT ZONAL PRICE``, ``RT ENERGY LOSS PRICE``, ``RT ENERGY CONGESTION PRICE``
  with zone "East" for "EAST:HUB". Intervals not yet published have empty price elements: an interval
  whose prices are all empty is skipped (not yet known, so it must not overwrite anything); a single
  empty component in a published interval is value None.
"""

from __future__ import annotations

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
from data.pollers.parsers.xml_envelope import (
    Envelope,
    child_text,
    children,
    delivery_day_and_hour,
    descendants,
    read_envelope,
)

__all__ = [
    "da_zonal_price_from_envelope",
    "parse_da_zonal_price",
    "parse_realtime_zonal_prices",
    "realtime_zonal_prices_from_envelope",
]

UNIT = "CAD/MWh"
DA_REPORT = "DAHourlyOntarioZonalPrice"
RT_REPORT = "RealtimeZonalEnergyPrices"
_DA_COMPONENTS = (
    ("ZonalPrice", "DA ZONAL PRICE"),
    ("LossPriceCapped", "DA LOSS PRICE CAPPED"),
    ("CongestionPriceCapped", "DA CONGESTION PRICE CAPPED"),
)
_RT_COMPONENTS = (
    ("ZonalPrice", "RT ZONAL PRICE"),
    ("EnergyLossPrice", "RT ENERGY LOSS PRICE"),
    ("EnergyCongPrice", "RT ENERGY CONGESTION PRICE"),
)


def parse_da_zonal_price(content: bytes, source: str = "<DAHourlyOntarioZonalPrice>") -> ParsedReport:
    return da_zonal_price_from_envelope(read_envelope(content, source), source)


def da_zonal_price_from_envelope(envelope: Envelope, source: str) -> ParsedReport:
    warnings = list(envelope.warnings)
    body = envelope.body
    try:
        day = parse_market_date(child_text(body, "DeliveryDate", "Date"))
    except ValueError as exc:
        raise ReportFormatError(str(exc), source=source, element="DeliveryDate") from None
    if day is None:
        raise ReportFormatError("no delivery date in the body", source=source, element="DeliveryDate")
    observations: list[Observation] = []
    for hour_elem in descendants(body, "HourlyPriceComponents"):
        try:
            hour = parse_int(
                child_text(hour_elem, "PricingHour", "DeliveryHour", "Hour"), 1, 24, "PricingHour"
            )
        except ValueError as exc:
            raise ReportFormatError(str(exc), source=source, element="PricingHour") from None
        if hour is None:
            raise ReportFormatError(
                "an HourlyPriceComponents has no PricingHour", source=source, element="PricingHour"
            )
        start = interval_start_utc(day, hour)
        for element, quantity in _DA_COMPONENTS:
            try:
                value = parse_number(child_text(hour_elem, element))
            except ValueError as exc:
                raise ReportFormatError(f"hour {hour}: {exc}", source=source, element=element) from None
            observations.append(Observation(quantity, None, start, 3600, value, UNIT))
    if not observations:
        warnings.append(f"{source}: no HourlyPriceComponents in the report")
    return ParsedReport(
        report=DA_REPORT, created_at_utc=envelope.created_at_utc, observations=observations, warnings=warnings
    )


def parse_realtime_zonal_prices(content: bytes, source: str = "<RealtimeZonalEnergyPrices>") -> ParsedReport:
    return realtime_zonal_prices_from_envelope(read_envelope(content, source), source)


def realtime_zonal_prices_from_envelope(envelope: Envelope, source: str) -> ParsedReport:
    warnings = list(envelope.warnings)
    day, hour = delivery_day_and_hour(envelope.body, source)
    observations: list[Observation] = []
    for zone_elem in descendants(envelope.body, "TransactionZone"):
        zone_text = child_text(zone_elem, "ZoneName")
        if zone_text is None:
            warnings.append(f"{source}: a TransactionZone without ZoneName was skipped")
            continue
        zone = canonical_zone(zone_text)
        if zone is not None and zone not in ONTARIO_ZONES:
            warnings.append(f"{source}: unknown zone name {zone_text!r} kept as given")
        for price in children(zone_elem, "IntervalPrice"):
            try:
                interval = parse_int(child_text(price, "Interval"), 1, 12, "Interval")
                values = [(q, parse_number(child_text(price, e))) for e, q in _RT_COMPONENTS]
            except ValueError as exc:
                raise ReportFormatError(
                    f"{zone_text}: {exc}", source=source, element="IntervalPrice"
                ) from None
            if interval is None:
                raise ReportFormatError(
                    f"{zone_text}: an IntervalPrice has no Interval", source=source, element="Interval"
                )
            if all(value is None for _, value in values):
                continue  # not yet published
            start = interval_start_utc(day, hour, interval)
            observations.extend(Observation(q, zone, start, 300, v, UNIT) for q, v in values)
    return ParsedReport(
        report=RT_REPORT, created_at_utc=envelope.created_at_utc, observations=observations, warnings=warnings
    )
