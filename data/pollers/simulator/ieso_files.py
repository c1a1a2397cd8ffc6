r"""IESO public reports in their real formats (DOMAIN.md; ``../shared/samples/ieso/reports/``).

XML: the current envelope exactly as the IESO publishes it: XML declaration, the report's stylesheet
processing instruction, ``Document[@docID]`` in the default namespace ``http://www.ieso.ca/schema`` with
``xsi:schemaLocation``, ``DocHeader{DocTitle, DocRevision, DocConfidentiality{DocConfClass}, CreatedAt}``,
``DocBody``; one element per line, no indentation, LF line ends, a final newline. ``CreatedAt`` and every
date/hour are EST (market time). CSV: ``\\`` preamble lines padded with commas to the column count, a
header, LF line ends, a final newline.

Every function is pure: data in, bytes out.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from xml.sax.saxutils import escape

from data.domain.market_time import MARKET_TZ, to_market_time
from data.pollers.simulator.events import DispatchEvent, TxOutagePlan
from data.pollers.simulator.ontario import (
    PRICE_ZONES,
    TOTAL_QUANTITIES,
    ZONES,
    DaPrice,
    ForecastSeries,
    SystemInterval,
)

__all__ = [
    "da_zonal_price_xml",
    "demand_csv",
    "dispatch_json",
    "est_text",
    "realtime_demand_zonal_csv",
    "realtime_totals_xml",
    "realtime_zonal_prices_xml",
    "tx_outages_today_xml",
    "vg_forecast_xml",
]

IESO_NAMESPACE = "http://www.ieso.ca/schema"
TITLES = {
    "RealtimeTotals": "Realtime Totals Report",
    "VGForecastSummary": "Variable Generation Forecast Summary Report",
    "DAHourlyOntarioZonalPrice": "Day Ahead Hourly Ontario Zonal Energy Price Report",
    "RealtimeZonalEnergyPrices": "Realtime 5-min Virtual Zonal Energy Prices Report",
    "TxOutagesTodayAll": "All Transmission Outages Occurring Today",
}
FLAG = "DSO-RD"  # as on every interval of the real RealtimeTotals and DA price files


def est_text(ts: datetime, sep: str = "T") -> str:
    """An instant as IESO writes times: EST, no offset, e.g. ``2026-09-28T07:52:30``."""
    return ts.astimezone(MARKET_TZ).strftime(f"%Y-%m-%d{sep}%H:%M:%S")


def _trim(value: float, decimals: int) -> str:
    """``17549.0`` -> ``17549``, ``30.70`` -> ``30.7`` (how the IESO writes RealtimeTotals and prices)."""
    text = f"{round(value, decimals):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _element(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def _document(doc_id: str, created: datetime, body: Iterable[str]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml-stylesheet type="text/xsl" '
        f'href="https://reports-public.ieso.ca/docrefs/stylesheet/{doc_id}_HTML_t1-1.xsl" ?>',
        f'<Document docID="{doc_id}" xmlns="{IESO_NAMESPACE}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{IESO_NAMESPACE} https://reports-public.ieso.ca/docrefs/schema/{doc_id}_r1.xsd">',
        "<DocHeader>",
        _element("DocTitle", TITLES[doc_id]),
        "<DocRevision>1</DocRevision>",
        "<DocConfidentiality>",
        "<DocConfClass>PUB</DocConfClass>",
        "</DocConfidentiality>",
        _element("CreatedAt", est_text(created)),
        "</DocHeader>",
        "<DocBody>",
        *body,
        "</DocBody>",
        "</Document>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv(title: str, created: datetime, period: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    pad = "," * (len(header) - 1)
    lines = [
        f"\\\\{title}{pad}",
        f"\\\\Created at {est_text(created, ' ')}{pad}",
        f"\\\\For {period}{pad}",
        ",".join(header),
        *(",".join(row) for row in rows),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- 5-minute reports ----------------------------------------------------------------------------------


def realtime_totals_xml(intervals: Sequence[SystemInterval], created: datetime) -> bytes:
    """``PUB_RealtimeTotals_YYYYMMDDHH.xml``: the intervals published so far of one delivery hour."""
    first = intervals[0]
    body = [_element("DeliveryDate", first.trade_date.isoformat()), _element("DeliveryHour", first.hour_ending),
            "<Energies>"]
    for item in intervals:
        body += ["<IntervalEnergy>", _element("Interval", item.interval)]
        for quantity in TOTAL_QUANTITIES:
            body += ["<MQ>", _element("MarketQuantity", quantity),
                     _element("EnergyMW", _trim(item.totals[quantity], 1)), "</MQ>"]
        body += [_element("Flag", FLAG), "</IntervalEnergy>"]
    body.append("</Energies>")
    return _document("RealtimeTotals", created, body)


def realtime_zonal_prices_xml(day: date, hour_ending: int, intervals: Sequence[SystemInterval],
                              created: datetime) -> bytes:
    """``PUB_RealtimeZonalEnergyPrices_YYYYMMDDHH.xml``: 12 intervals per virtual zone ("EAST:HUB"), the
    ones not yet published with empty price elements."""
    known = {item.interval: item for item in intervals}
    body = [_element("DELIVERYDATE", day.isoformat()), _element("DELIVERYHOUR", hour_ending), "<ZonalPrices>"]
    for zone in PRICE_ZONES:
        body += ["<TransactionZone>", _element("ZoneName", f"{zone.upper()}:HUB")]
        for number in range(1, 13):
            item = known.get(number)
            if item is None:
                values = ("", "", "", "")
            else:
                zonal, loss, congestion = item.zone_prices[zone]
                values = (_trim(zonal, 2), _trim(loss, 2), _trim(congestion, 2), "0")
            body += ["<IntervalPrice>", _element("Interval", number)]
            body += [_element(name, value) for name, value in zip(
                ("ZonalPrice", "EnergyLossPrice", "EnergyCongPrice", "FlagNo"), values, strict=True)]
            body.append("</IntervalPrice>")
        body.append("</TransactionZone>")
    body.append("</ZonalPrices>")
    return _document("RealtimeZonalEnergyPrices", created, body)


def realtime_demand_zonal_csv(day: date, intervals: Sequence[SystemInterval], created: datetime) -> bytes:
    """``PUB_RealtimeDemandZonal.csv``: the EST day so far, 5-minute, DemandZonal's columns plus Interval."""
    header = ["Date", "Hour", "Interval", "Ontario Demand", *ZONES, "Zone Total", "Diff"]
    rows = []
    for item in intervals:
        zones = [item.zones[z] for z in ZONES]
        total = round(sum(zones), 1)
        rows.append([
            item.trade_date.isoformat(), str(item.hour_ending), str(item.interval), f"{item.ontario_mw:.1f}",
            *(f"{v:.1f}" for v in zones), f"{total:.1f}", f"{total - item.ontario_mw:.1f}",
        ])
    return _csv("Realtime Zonal Demand Report", created, day.isoformat(), header, rows)


# --- hourly and daily reports -----------------------------------------------------------------------------


def demand_csv(rows: Sequence[tuple[date, int, float, float]], created: datetime) -> bytes:
    """``PUB_Demand.csv``: (EST date, hour-ending, Market Demand, Ontario Demand) rows, whole MW."""
    year = to_market_time(created).trade_date.year
    return _csv("Hourly Demand Report", created, str(year), ["Date", "Hour", "Market Demand", "Ontario Demand"],
                ([d.isoformat(), str(h), str(round(m)), str(round(o))] for d, h, m, o in rows))


def vg_forecast_xml(series: Sequence[ForecastSeries], forecast_at: datetime, created: datetime) -> bytes:
    """``PUB_VGForecastSummary_YYYYMMDD.xml``: 48 hourly values per organisation type, fuel and zone."""
    body = [_element("ForecastTimeStamp", est_text(forecast_at))]
    by_org: dict[str, dict[str, list[ForecastSeries]]] = {}
    for item in series:
        by_org.setdefault(item.organisation_type, {}).setdefault(item.fuel, []).append(item)
    for org, fuels in by_org.items():
        body += ["<OrganizationData>", _element("OrganizationType", org)]
        for fuel, resources in fuels.items():
            body += ["<FuelData>", _element("FuelType", fuel)]
            for resource in resources:
                body += ["<ResourceData>", _element("ZoneName", resource.zone)]
                days: dict[date, list[tuple[int, float]]] = {}
                for day, hour, value in resource.points:
                    days.setdefault(day, []).append((hour, value))
                for day, points in days.items():
                    body += ["<EnergyForecast>", _element("ForecastDate", day.isoformat())]
                    for hour, value in points:
                        body += ["<ForecastInterval>", _element("ForecastHour", hour),
                                 _element("MWOutput", f"{value:.1f}"), "</ForecastInterval>"]
                    body.append("</EnergyForecast>")
                body.append("</ResourceData>")
            body.append("</FuelData>")
        body.append("</OrganizationData>")
    return _document("VGForecastSummary", created, body)


def da_zonal_price_xml(day: date, prices: Sequence[DaPrice], created: datetime) -> bytes:
    """``PUB_DAHourlyOntarioZonalPrice_YYYYMMDD.xml``: the 24 day-ahead prices of ``day``."""
    body = [_element("DeliveryDate", day.isoformat())]
    for price in prices:
        body += [
            "<HourlyPriceComponents>",
            _element("PricingHour", price.hour_ending),
            _element("ZonalPrice", _trim(price.zonal, 2)),
            _element("LossPriceCapped", _trim(price.loss, 2)),
            _element("CongestionPriceCapped", _trim(price.congestion, 2)),
            _element("Flag", FLAG),
            "</HourlyPriceComponents>",
        ]
    return _document("DAHourlyOntarioZonalPrice", created, body)


def tx_outages_today_xml(day: date, outages: Sequence[TxOutagePlan], at: datetime, created: datetime) -> bytes:
    """``PUB_TxOutagesTodayAll.xml``: the transmission outages of the EST ``day`` known at ``at``."""
    body = [_element("OutageRangeStart", f"{day.isoformat()}T00:00:00"),
            _element("OutageRangeEnd", f"{day.isoformat()}T23:59:59")]
    for outage in outages:
        body += [
            "<OutageRequest>",
            _element("OutageID", outage.outage_id),
            _element("PlannedStart", est_text(outage.start_utc)),
            _element("PlannedEnd", est_text(outage.end_utc)),
            _element("Priority", "F" if outage.forced else "P"),
            _element("Recurrence", "Continuous"),
            _element("EquipmentRecallTime", "N/A" if outage.forced else "4 HRS"),
            "<EquipmentRequested>",
            _element("EquipmentName", outage.equipment_name),
            _element("EquipmentType", "TRANSFORMER"),
            _element("EquipmentVoltage", outage.voltage_kv),
            _element("ConstraintType", "OOS"),
            "</EquipmentRequested>",
            _element("OutageRequestStatus", outage.status_at(at)),
            "</OutageRequest>",
        ]
    return _document("TxOutagesTodayAll", created, body)


# --- dispatch (SPEC-155) -----------------------------------------------------------------------------------


def dispatch_json(events: Sequence[DispatchEvent]) -> bytes:
    """``dispatch_<YYYYMMDDHHMMSS>.json``: ``{"DispatchInstructions": [...]}`` with SPEC-155 field names;
    times EST without offset, AMOUNT in MW (+ = more export / less consumption)."""
    instructions = []
    for event in events:
        start = to_market_time(event.start_utc)
        instruction: dict[str, object] = {
            "MESSAGE_ID": event.message_id,
            "PARTICIPANT_NAME": event.participant,
            "DATE_SENT": est_text(event.sent_utc),
            "DISPATCH_TYPE": event.dispatch_type,
            "STATE": "New",
            "ACTIVE": "Y",
            "RESOURCE_ID": event.resource_code,
            "DELIVERY_DATE": start.trade_date.isoformat(),
            "DELIVERY_HOUR": start.hour_ending,
            "DELIVERY_INTERVAL": start.interval,
            "DELIVERY_START_TIME": est_text(event.start_utc),
            "DELIVERY_STOP_TIME": est_text(event.stop_utc),
            "AMOUNT": event.amount_mw,
            "LIMIT_TYPE": event.limit_type,
            "EXPIRES_AT": est_text(event.start_utc),
            "EFFECTIVE_TIME": est_text(event.start_utc),
            "LAST_UPDATED": est_text(event.sent_utc),
        }
        if event.reserve_class:
            instruction["RESERVE_CLASS"] = event.reserve_class
        instructions.append(instruction)
    return (json.dumps({"DispatchInstructions": instructions}, indent=2) + "\n").encode("utf-8")
