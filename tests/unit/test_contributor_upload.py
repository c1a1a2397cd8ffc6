"""Contributor DER list: parsing (CSV, BOM, semicolons, Excel), every validation rule, and the plan."""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from components.contributor_template import template_csv, template_xlsx
from components.spreadsheet import safe_cell, table_csv
from data.domain import contributor_upload as cu
from data.domain.contributor_plan import (
    ExistingDer,
    Location,
    ProgramInfo,
    RowAction,
    UploadContext,
    UploadPlan,
    build_plan,
)
from data.domain.contributor_upload import COLUMN_NAMES, from_csv, parse_csv, parse_upload, parse_xlsx, to_csv
from data.domain.enrolments import EnrolmentEnd, EnrolmentSpan

TODAY = date(2025, 6, 15)
ME, OTHER = 50, 60
HOST, EMBEDDED, FAR_LDC = 10, 11, 12
HDR, LSH, GRE = 1, 2, 3

OWN_FIELDS = {"name": "Own PV", "technology": "solar_pv", "capacity_kw": 10.0, "energy_kwh": None,
              "ramp_up_kw_min": None, "ramp_down_kw_min": None, "address": "1 Own St", "lat": 43.60, "lon": -79.60,
              "meter_id": "M-1", "service_tag": "both", "deactivation_date": None,
              "connection_assessment_ref": None, "connection_assessment_date": None,
              "connection_assessment_class": None, "activation_date": date(2024, 1, 1)}
PENDING_FIELDS = {**OWN_FIELDS, "name": "Own pending", "lat": 43.63, "lon": -79.63, "meter_id": "M-4",
                  "capacity_kw": 8.0, "activation_date": date(2025, 7, 1)}


def context() -> UploadContext:
    ders = [
        ExistingDer(1, "ON-DER-0000001", "active", ME, HOST, "M-1", 43.60, -79.60, "solar_pv", 10.0, "both",
                    fields=OWN_FIELDS),
        ExistingDer(2, "ON-DER-0000002", "active", OTHER, HOST, "M-2", 43.61, -79.61, "battery", 5.0, "both"),
        ExistingDer(3, None, "pending", OTHER, HOST, "M-3", 43.62, -79.62, "solar_pv", 6.0, "both"),
        ExistingDer(4, None, "pending", ME, HOST, "M-4", 43.63, -79.63, "solar_pv", 8.0, "both",
                    fields=PENDING_FIELDS),
        ExistingDer(5, "ON-DER-0000005", "deactivated", ME, HOST, None, 43.64, -79.64, "wind", 50.0, "both",
                    fields={**OWN_FIELDS, "lat": 43.64}),
        ExistingDer(6, None, "rejected", OTHER, HOST, "M-6", 43.65, -79.65, "solar_pv", 4.0, "both"),
        ExistingDer(7, "ON-DER-0000007", "active", OTHER, HOST, "M-7", 43.66, -79.66, "solar_pv", 4.0, "wholesale"),
    ]
    programs = {"IESO-HDR": ProgramInfo(HDR, "IESO-HDR", "real_time", 1),
                "LSH-FLEX": ProgramInfo(LSH, "LSH-FLEX", "distribution", HOST),
                "GRE-NWA": ProgramInfo(GRE, "GRE-NWA", "distribution", FAR_LDC)}
    enrolments = {1: [EnrolmentSpan(11, HDR, ME, date(2024, 1, 1))],
                  2: [EnrolmentSpan(12, HDR, OTHER, date(2024, 2, 1))],
                  7: [EnrolmentSpan(13, HDR, OTHER, date(2024, 2, 1))]}
    return UploadContext(ME, ders, programs, {"ON-RES-00001": 77}, enrolments, {EMBEDDED: HOST}, {HOST: "Host"})


LOCATION = Location(900, "F1", 90, "Station 1", EMBEDDED, 12.0)


def locate(points: Sequence[tuple[int, float, float]]) -> Mapping[int, Location | None]:
    """Everything south of 45 N is near feeder F1; further north there is no feeder."""
    return {row: (LOCATION if lat < 45 else None) for row, lat, _ in points}


def new_row(n: int = 0, **cells: Any) -> dict[str, str]:
    row = {"platform_id": "", "name": f"Site {n}", "technology": "solar_pv", "capacity_kw": "7.5",
           "lat": f"{43.0 + n * 0.001:.4f}", "lon": "-80.0", "meter_id": f"NEW-{n}", "service_tag": "both",
           "activation_date": "2025-07-01"}
    row.update({k: str(v) for k, v in cells.items()})
    return row


def csv_bytes(rows: Sequence[Mapping[str, str]], *, delimiter: str = ",", bom: bool = False,
              columns: Sequence[str] = COLUMN_NAMES) -> bytes:
    lines = [delimiter.join(columns)]
    for r in rows:
        lines.append(delimiter.join(_quote(r.get(c, ""), delimiter) for c in columns))
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _quote(value: str, delimiter: str) -> str:
    return f'"{value}"' if delimiter in value or '"' in value else value


def plan_of(rows: Sequence[Mapping[str, str]], **kwargs: Any) -> UploadPlan:
    return build_plan(parse_csv(csv_bytes(rows, **kwargs)), context(), locate, TODAY)


def problems_of(rows: Sequence[Mapping[str, str]], **kwargs: Any) -> list[tuple[int, str, str]]:
    plan = plan_of(rows, **kwargs)
    assert plan.rows == []
    return [(p.row, p.column, p.problem) for p in plan.problems]


def only_problem(rows: Sequence[Mapping[str, str]]) -> tuple[int, str, str]:
    found = problems_of(rows)
    assert len(found) == 1, found
    return found[0]


# --- files ---------------------------------------------------------------------------------------------------
def test_a_valid_file_adds_every_row_as_pending() -> None:
    plan = plan_of([new_row(1), new_row(2, program_code="ieso-hdr", resource_code="ON-RES-00001")])
    assert plan.ok and plan.counts()["added"] == 2
    second = plan.rows[1]
    assert second.location == LOCATION and second.values["resource_id"] == 77
    assert second.enrolment is not None and second.enrolment.add is not None
    assert second.enrolment.add.program_id == HDR and second.enrolment.add.start == date(2025, 7, 1)


def test_one_bad_row_refuses_the_whole_file_and_names_the_row() -> None:
    rows = [new_row(n) for n in range(10)]
    rows[6]["capacity_kw"] = "seven"
    plan = plan_of(rows)
    assert plan.rows == [] and not plan.ok
    assert [(p.row, p.column) for p in plan.problems] == [(8, "capacity_kw")]  # header is row 1
    assert "not a number" in plan.problems[0].problem


def test_utf8_bom_and_semicolons_are_read() -> None:
    rows = [new_row(1, name="Café; rooftop"), new_row(2)]
    plan = plan_of(rows, delimiter=";", bom=True)
    assert plan.ok and plan.rows[0].values["name"] == "Café; rooftop"


def test_windows_1252_csv_is_read() -> None:
    content = csv_bytes([new_row(1, name="Montréal")]).decode().encode("cp1252")
    assert parse_csv(content).rows[0][1]["name"] == "Montréal"


def test_row_numbers_are_those_of_the_file_with_blank_lines() -> None:
    content = csv_bytes([new_row(1), {}, new_row(2, lat="x")])
    assert [n for n, _ in parse_csv(content).rows] == [2, 4]
    found = build_plan(parse_csv(content), context(), locate, TODAY).problems
    assert [(p.row, p.column) for p in found] == [(4, "lat")]


def test_headers_are_matched_without_case_or_spaces() -> None:
    columns = [c.upper().replace("_", " ") for c in COLUMN_NAMES]
    content = csv_bytes([{c.upper().replace("_", " "): v for c, v in new_row(1).items()}], columns=columns)
    assert build_plan(parse_csv(content), context(), locate, TODAY).ok


def test_unknown_and_missing_columns_are_reported_on_the_header_row() -> None:
    columns = [c for c in COLUMN_NAMES if c != "lat"] + ["colour"]
    found = problems_of([new_row(1)], columns=columns)
    assert (1, "colour", "unknown column (see the template's notes)") in found
    assert (1, "lat", "missing column (download the template)") in found


def test_optional_columns_may_be_left_out() -> None:
    columns = ["platform_id", "name", "technology", "capacity_kw", "lat", "lon", "service_tag", "activation_date"]
    assert plan_of([new_row(1)], columns=columns).ok


def test_empty_file_and_header_only() -> None:
    assert [p.problem for p in parse_csv(b"").problems] == ["the file is empty: use the template"]
    assert [p.problem for p in parse_csv(csv_bytes([])).problems] == ["the file has no DER rows"]


def test_size_and_row_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cu, "MAX_FILE_BYTES", 100)
    assert "limit" in parse_csv(b"x" * 101).problems[0].problem
    monkeypatch.setattr(cu, "MAX_FILE_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(cu, "MAX_ROWS", 3)
    parsed = parse_csv(csv_bytes([new_row(n) for n in range(4)]))
    assert parsed.rows == [] and "more than 3 DER rows" in parsed.problems[0].problem
    assert parse_csv(csv_bytes([new_row(n) for n in range(3)])).problems == []


def test_other_file_types_and_binary_are_refused() -> None:
    assert "upload a .csv or .xlsx" in parse_upload("ders.pdf", b"%PDF").problems[0].problem
    assert parse_upload("ders.xlsx", b"not a zip").problems[0].problem == "not a valid Excel .xlsx workbook"
    assert "not a text CSV" in parse_upload("ders.csv", b"a\x00b").problems[0].problem


def test_normalised_csv_round_trip_keeps_row_numbers() -> None:
    parsed = parse_csv(csv_bytes([new_row(1), {}, new_row(2, name='He said "hi", twice')], delimiter=";"))
    again = from_csv(to_csv(parsed))
    assert again.rows == [(n, {c: cells.get(c, "") for c in COLUMN_NAMES}) for n, cells in parsed.rows]
    assert from_csv("junk").problems


# --- Excel -----------------------------------------------------------------------------------------------------
def workbook(rows: Sequence[Sequence[Any]], sheet: str = "DERs") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_cells_become_text_like_typed() -> None:
    header = ["platform_id", "name", "technology", "capacity_kw", "lat", "lon", "meter_id", "service_tag",
              "activation_date"]
    content = workbook([header, [None, "Site", "solar_pv", 12.0, 43.5, -80.25, 123456, "both",
                                 datetime(2025, 7, 1)]])
    (number, cells), = parse_xlsx(content).rows
    assert number == 2
    assert (cells["capacity_kw"], cells["meter_id"], cells["activation_date"], cells["lon"]) == (
        "12", "123456", "2025-07-01", "-80.25")
    assert build_plan(parse_xlsx(content), context(), locate, TODAY).ok


def test_excel_formula_is_refused() -> None:
    header = ["platform_id", "name", "technology", "capacity_kw", "lat", "lon", "service_tag", "activation_date"]
    content = workbook([header, [None, "Site", "solar_pv", "=2*6", 43.5, -80.25, "both", "2025-07-01"]])
    (found,) = build_plan(parse_xlsx(content), context(), locate, TODAY).problems
    assert (found.row, found.column) == (2, "capacity_kw") and "formula" in found.problem


def test_the_template_files_are_valid_uploads() -> None:
    assert build_plan(parse_csv(template_csv().encode()), context(), locate, TODAY).ok
    xlsx = template_xlsx()
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["DERs", "Notes"]
    notes = [r[0] for r in book["Notes"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert notes == list(COLUMN_NAMES)
    plan = build_plan(parse_upload("t.xlsx", xlsx), context(), locate, TODAY)
    assert plan.ok and plan.counts()["added"] == 1


def test_exports_neutralise_formulas() -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("-1") == "'-1" and safe_cell(5) == 5
    assert table_csv(["a", "b"], [["@cmd", None]]) == "a,b\n'@cmd,\n"


# --- every cell rule ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cells", "column", "words"), [
    ({"capacity_kw": "0"}, "capacity_kw", "out of range"),
    ({"capacity_kw": "-3"}, "capacity_kw", "out of range"),
    ({"capacity_kw": "nan"}, "capacity_kw", "not a number"),
    ({"ramp_up_kw_min": "-1"}, "ramp_up_kw_min", "out of range"),
    ({"technology": "nuclear"}, "technology", "is not one of"),
    ({"service_tag": "retail"}, "service_tag", "is not one of"),
    ({"activation_date": "01/07/2025"}, "activation_date", "YYYY-MM-DD"),
    ({"activation_date": "2025-02-30"}, "activation_date", "not a date"),
    ({"activation_date": "2025-07-01 13:00"}, "activation_date", "without a time"),
    ({"deactivation_date": "2025-06-30"}, "deactivation_date", "is not after the activation date"),
    ({"activation_date": "2025-01-01", "deactivation_date": "2025-06-15"}, "deactivation_date",
     "cannot be deactivated already"),
    ({"lat": "40.5"}, "lat/lon", "outside Ontario"),
    ({"lat": "-80.0", "lon": "43.5"}, "lat/lon", "outside Ontario"),
    ({"lon": ""}, "lon", "required for a new DER"),
    ({"name": ""}, "name", "required for a new DER"),
    ({"activation_date": ""}, "activation_date", "required for a new DER"),
    ({"name": "=HYPERLINK(\"http://x\")"}, "name", "formula"),
    ({"address": "@SUM(A1)"}, "address", "formula"),
    ({"meter_id": "+cmd|' /C calc'!A0"}, "meter_id", "formula"),
    ({"capacity_kw": "=1+1"}, "capacity_kw", "formula"),
    ({"name": "x" * 201}, "name", "longer than 200"),
    ({"meter_id": "M#1"}, "meter_id", "letters, digits"),
    ({"platform_id": "DER-1"}, "platform_id", "not a platform ID"),
    ({"energy_kwh": "10"}, "energy_kwh", "only for battery"),
    ({"connection_assessment_ref": "CIA-1"}, "connection_assessment_date", "together"),
    ({"connection_assessment_ref": "CIA-1", "connection_assessment_date": "2026-01-01",
      "connection_assessment_class": "under_10mw"}, "connection_assessment_date", "in the future"),
    ({"capacity_kw": "12000", "connection_assessment_ref": "CIA-1", "connection_assessment_date": "2024-01-01",
      "connection_assessment_class": "under 10 MW"}, "connection_assessment_class", "over 10 MW"),
    ({"lat": "52.0", "lon": "-90.0"}, "lat/lon", "no feeder within 5 km"),
    ({"program_code": "NOPE"}, "program_code", "unknown program"),
    ({"resource_code": "ON-RES-00002"}, "resource_code", "not one of your approved resources"),
    ({"program_code": "GRE-NWA"}, "program_code", "another LDC's program"),
    ({"program_code": "LSH-FLEX", "service_tag": "wholesale"}, "program_code", "distribution program"),
    ({"program_code": "IESO-HDR", "service_tag": "distribution"}, "program_code", "wholesale program"),
])
def test_each_rule_names_row_column_and_problem(cells: dict[str, str], column: str, words: str) -> None:
    rows = [new_row(1), new_row(2, **cells)]
    row, found_column, problem = only_problem(rows)
    assert (row, found_column) == (3, column)
    assert words in problem


def test_negative_longitude_and_labels_are_accepted() -> None:
    plan = plan_of([new_row(1, technology="Battery storage", energy_kwh="13.5", lon="-79.9",
                            connection_assessment_ref="CIA-9", connection_assessment_date="2024-05-01",
                            connection_assessment_class="under 10 MW")])
    assert plan.ok
    values = plan.rows[0].values
    assert values["technology"] == "battery" and values["lon"] == -79.9
    assert values["connection_assessment_class"] == "under_10mw"


def test_a_distribution_program_of_the_host_ldc_fits_an_embedded_der() -> None:
    assert plan_of([new_row(1, program_code="LSH-FLEX")]).ok  # LOCATION is in the embedded LDC


# --- duplicates ------------------------------------------------------------------------------------------------
def test_duplicates_within_the_file() -> None:
    found = problems_of([new_row(1), new_row(2, meter_id="NEW-1"), new_row(3, lat="43.0010", meter_id="XYZ-9")])
    assert (3, "meter_id", "the same meter ID is also on row 2") in found
    assert any(r == 4 and c == "lat/lon" and "also on row 2" in p for r, c, p in found)


def test_collisions_with_existing_registrations_do_not_reveal_their_owner() -> None:
    found = problems_of([new_row(1, meter_id="m-2"), new_row(2, meter_id="M-3"),
                         new_row(3, meter_id="M-6"), new_row(4, meter_id="XYZ-9", lat="43.61", lon="-79.61",
                                                             technology="battery", capacity_kw="5")])
    assert (2, "meter_id", "meter ID already used by ON-DER-0000002") in found
    assert (3, "meter_id", "meter ID already used by a pending registration") in found
    assert (4, "meter_id", "meter ID already used by an earlier registration") in found
    assert any(r == 5 and "from ON-DER-0000002" in p for r, c, p in found)
    assert all(str(OTHER) not in p for _, _, p in found)


def test_a_row_listing_the_same_platform_id_twice() -> None:
    found = problems_of([{"platform_id": "ON-DER-0000001"}, {"platform_id": "on-der-0000001"}])
    assert found == [(3, "platform_id", "ON-DER-0000001 is listed twice (also row 2)")]


@pytest.mark.parametrize(("platform_id", "words"), [
    ("ON-DER-0009999", "unknown platform ID"),
    ("ON-DER-0000005", "is deactivated"),
])
def test_unknown_and_deactivated_platform_ids(platform_id: str, words: str) -> None:
    (row, column, problem), = problems_of([{"platform_id": platform_id}])
    assert (row, column) == (2, "platform_id") and words in problem


# --- own DERs ----------------------------------------------------------------------------------------------------
def test_own_der_listed_again_is_unchanged_and_blank_cells_keep_values() -> None:
    plan = plan_of([{"platform_id": "ON-DER-0000001", "name": "Own PV", "program_code": "IESO-HDR",
                     "activation_date": "2023-01-01"}])
    assert plan.ok and [r.action for r in plan.rows] == [RowAction.UNCHANGED]


def test_own_der_changes_list_the_changed_fields_and_a_move_finds_the_feeder() -> None:
    plan = plan_of([{"platform_id": "ON-DER-0000001", "name": "Renamed", "capacity_kw": "12", "lat": "43.7",
                     "lon": "-79.6", "meter_id": "M-1b"}])
    (row,) = plan.rows
    assert row.action is RowAction.CHANGED
    assert set(row.changed) == {"name", "capacity_kw", "lat", "meter_id"}
    assert row.location == LOCATION and row.old_meter == "M-1"


def test_own_program_change_is_a_switch_of_program_from_today() -> None:
    plan = plan_of([{"platform_id": "ON-DER-0000001", "program_code": "LSH-FLEX"}])
    (row,) = plan.rows
    assert row.action is RowAction.CHANGED and row.changed == ("program",)
    assert row.enrolment is not None and row.enrolment.ends == (EnrolmentEnd(11, ME, TODAY),)
    assert row.enrolment.left_aggregators == ()


def test_deactivation_today_or_earlier_deactivates_and_ends_the_enrolment() -> None:
    plan = plan_of([{"platform_id": "ON-DER-0000001", "deactivation_date": "2025-06-10"}])
    (row,) = plan.rows
    assert row.action is RowAction.DEACTIVATED
    assert row.enrolment_ends == (EnrolmentEnd(11, ME, date(2025, 6, 10)),)


def test_an_update_giving_only_lat_is_refused() -> None:
    assert problems_of([{"platform_id": "ON-DER-0000001", "lat": "43.7"}]) == [(2, "lon", "give both lat and lon")]


def test_a_future_deactivation_is_recorded() -> None:
    (row,) = plan_of([{"platform_id": "ON-DER-0000001", "deactivation_date": "2025-12-31"}]).rows
    assert row.action is RowAction.CHANGED and row.changed == ("deactivation_date",)
    assert row.enrolment_ends == (EnrolmentEnd(11, ME, date(2025, 12, 31)),)


def test_a_new_row_matching_own_pending_registration_updates_it() -> None:
    same = new_row(0, name="Own pending", lat="43.63", lon="-79.63", meter_id="M-4", capacity_kw="8",
                   address="1 Own St", activation_date="2025-07-01")
    plan = plan_of([same])
    assert plan.ok and plan.rows[0].action is RowAction.UNCHANGED and plan.rows[0].der_id == 4
    renamed = plan_of([{**same, "name": "New name"}])
    assert renamed.rows[0].action is RowAction.CHANGED and renamed.rows[0].changed == ("name",)


# --- switching -----------------------------------------------------------------------------------------------------
def test_switch_from_another_aggregator_ends_its_enrolment_the_day_the_new_one_starts() -> None:
    plan = plan_of([{"platform_id": "ON-DER-0000002", "program_code": "IESO-HDR", "activation_date": "2025-07-01",
                     "name": "My name for it"}])
    (row,) = plan.rows
    assert row.action is RowAction.SWITCHED and row.left_aggregator_ids == (OTHER,)
    assert row.enrolment is not None and row.enrolment.ends == (EnrolmentEnd(12, OTHER, date(2025, 7, 1)),)
    assert row.values["aggregator_org_id"] == ME and row.values["resource_id"] is None
    assert "name" not in row.values  # a switch keeps the registered details


@pytest.mark.parametrize(("cells", "column", "words"), [
    ({"activation_date": "2025-06-01", "program_code": "IESO-HDR"}, "activation_date", "cannot start in the past"),
    ({"activation_date": "2025-07-01"}, "program_code", "give the program"),
    ({"program_code": "IESO-HDR"}, "activation_date", "required"),
    ({"program_code": "IESO-HDR", "activation_date": "2025-07-01", "deactivation_date": "2025-01-01"},
     "deactivation_date", "is not after"),
])
def test_switch_refusals(cells: dict[str, str], column: str, words: str) -> None:
    (row, found_column, problem), = problems_of([{"platform_id": "ON-DER-0000002", **cells}])
    assert found_column == column and words in problem and "2024-02-01" not in problem


def test_switch_into_a_distribution_program_respects_the_registered_tag() -> None:
    (_, column, problem), = problems_of([{"platform_id": "ON-DER-0000007", "program_code": "LSH-FLEX",
                                          "activation_date": "2025-07-01"}])
    assert column == "program_code" and "wholesale only" in problem
