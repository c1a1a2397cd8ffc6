"""Side-panel views of a station, feeder or DER."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.ids import Home
from data.access import GUEST_MIN_AGGREGATE
from data.domain.enums import Technology
from data.queries.drilldown import DerDetail, FeederDetail, StationDetail, TechnologyTotal
from layers.geojson import fmt_mw


def _tech(value: str) -> str:
    try:
        return Technology(value).label
    except ValueError:
        return value


def _facts(rows: list[tuple[str, object]]) -> html.Table:
    return html.Table(
        html.Tbody([html.Tr([html.Th(k, className="text-body-secondary fw-normal"), html.Td(str(v))])
                    for k, v in rows if v not in (None, "")]),
        className="detail-table w-100 mb-2",
    )


def _technology_table(totals: list[TechnologyTotal], withheld: bool) -> html.Div:
    if not totals:
        text = (f"No technology group of {GUEST_MIN_AGGREGATE} or more DERs." if withheld
                else "No DERs in scope here.")
        return html.Div(text, className="small text-body-secondary")
    return dbc.Table(
        [html.Thead(html.Tr([html.Th("Technology"), html.Th("DERs", className="text-end"),
                             html.Th("Capacity", className="text-end")])),
         html.Tbody([html.Tr([html.Td(_tech(t.technology)), html.Td(f"{t.count:,}", className="text-end"),
                              html.Td(fmt_mw(t.capacity_kw), className="text-end")]) for t in totals])],
        size="sm", className="detail-table mb-2",
    )


def _mw(value: float | None, unit: str = "MW") -> str:
    return "no current reading" if value is None else f"{value:,.1f} {unit}"


def station_view(d: StationDetail) -> html.Div:
    facts = [
        ("Station", f"{d.name} ({d.code})"), ("Kind", d.kind + (" · T/D connection point" if d.is_connection_point
                                                                else "")),
        ("Owner", d.owner), ("LDCs", ", ".join(d.ldcs)), ("IESO zone", d.zone), ("Rated", f"{d.rated_mw:,.0f} MW"),
        ("Supplied by", d.supplied_by), ("Connection point", d.connection_point),
        ("DER export limit", f"{d.export_limit_mw:,.1f} MW" if d.export_limit_mw is not None else None),
        ("DER import limit", f"{d.import_limit_mw:,.1f} MW" if d.import_limit_mw is not None else None),
        ("Station load", _mw(d.load_mw)),
    ]
    if not d.withheld:
        facts.append(("DER output now", "no current reading" if d.der_output_kw is None
                      else fmt_mw(d.der_output_kw)))
    feeders = html.Ul(
        [html.Li(f"{code} · {n:,} DERs" if n else f"{code} · " + ("< 5 DERs" if d.withheld else "no DERs"))
         for _, code, n in d.feeders],
        className="small mb-0 ps-3",
    )
    return html.Div([_facts(facts), html.Div("DERs by technology", className="panel-title"),
                     _technology_table(d.technologies, d.withheld),
                     html.Div(f"Feeders ({len(d.feeders)})", className="panel-title"), feeders],
                    id=Home.STATION_DETAIL, **{"data-station": d.code})


def feeder_view(d: FeederDetail) -> html.Div:
    facts = [("Feeder", d.code), ("Station", d.station), ("LDC", d.ldc), ("Voltage", f"{d.voltage_kv:g} kV"),
             ("Rated", f"{d.rated_mw:,.1f} MW"),
             ("Hosting capacity", fmt_mw(d.hosting_capacity_kw) if d.hosting_capacity_kw else None),
             ("Feeder load", _mw(d.load_mw))]
    body: list = [_facts(facts), html.Div("DERs by technology", className="panel-title"),
                  _technology_table(d.technologies, d.withheld)]
    if not d.withheld:
        shown = f"{len(d.ders):,} of {d.der_total:,}" if d.der_total > len(d.ders) else f"{d.der_total:,}"
        body += [
            html.Div(f"DERs on this feeder ({shown}, largest first)", className="panel-title"),
            dbc.Table(
                [html.Thead(html.Tr([html.Th("Platform ID"), html.Th("Technology"),
                                     html.Th("kW", className="text-end"), html.Th("Status")])),
                 html.Tbody([html.Tr([html.Td(r.platform_id or "pending"), html.Td(_tech(r.technology)),
                                      html.Td(f"{r.capacity_kw:,.0f}", className="text-end"), html.Td(r.status)])
                             for r in d.ders])],
                size="sm", className="detail-table", striped=True,
            ),
        ]
    return html.Div(body, id=Home.FEEDER_DETAIL, **{"data-feeder": d.code})


def der_view(d: DerDetail) -> html.Div:
    r = d.row
    return html.Div(_facts([
        ("Platform ID", r.platform_id or "pending registration"), ("Name", r.name), ("Technology", _tech(r.technology)),
        ("Capacity", fmt_mw(r.capacity_kw)), ("Status", r.status), ("Service", d.service_tag),
        ("Feeder", d.feeder), ("Station", d.station), ("LDC", d.ldc), ("Owner", d.owner),
        ("Aggregator", r.aggregator), ("Meter", r.meter_id), ("Address", d.address),
        ("Active since", d.activation_date), ("Connection assessment", d.connection_assessment_ref or "missing"),
    ]), id=Home.DER_DETAIL)


def not_found(text: str) -> html.Div:
    return html.Div(text, className="small text-body-secondary")
