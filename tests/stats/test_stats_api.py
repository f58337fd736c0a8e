"""The statistics endpoints through a real server: who may read them, bad ranges, and the CSV, XLSX and SVG
say the same as the JSON."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook

from hall_server.client import ApiError, HallClient
from hall_server.contract.stats import DEFINITIONS, ExportFormat, StatsGroup
from hall_server.stats.export import FIGURES
from tests.factories import PASSWORD
from tests.stats.scenario import DAY1, DAY1_ROW, DAY2, TOTAL_ROW, figures, make_history

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def signed_in(server, clock, hall, client_for):
    """The history, then a manager and a clerk signed in on its last day."""
    make_history(server, clock, hall, client_for)
    manager = HallClient.login(server.base_url, "manager", PASSWORD)
    clerk = HallClient.login(server.base_url, "clerk1", PASSWORD)
    yield manager, clerk
    manager.close()
    clerk.close()


def test_a_manager_reads_the_statistics_a_clerk_is_refused(signed_in):
    manager, clerk = signed_in
    out = manager.stats(DAY1, DAY2, StatsGroup.DAY)
    assert figures(out.rows[0]) == DAY1_ROW
    assert figures(out.totals) == TOTAL_ROW
    for call in (
        lambda: clerk.stats(DAY1, DAY2),
        lambda: clerk.export_stats(ExportFormat.CSV, DAY1, DAY2),
        lambda: clerk.hourly(DAY1),
        lambda: clerk.hourly_svg(DAY1),
    ):
        with pytest.raises(ApiError) as caught:
            call()
        assert caught.value.status == 403


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("date_from=2026-11-26&date_to=2026-11-25", "STATS_RANGE_REVERSED"),
        ("date_from=2025-01-01&date_to=2026-11-25", "STATS_RANGE_TOO_LONG"),
        ("date_from=1999-12-31&date_to=2000-01-01", "DATE_OUT_OF_RANGE"),
        ("date_from=2026-13-01", "VALIDATION_ERROR"),
        ("group=week", "VALIDATION_ERROR"),
        ("format=pdf", "VALIDATION_ERROR"),
    ],
)
def test_bad_ranges_and_values_are_422_with_a_code(server, signed_in, query, code):
    manager, _ = signed_in
    headers = {"Authorization": f"Bearer {manager.token}"}
    path = "/api/v1/stats/export" if "format" in query else "/api/v1/stats"
    response = httpx.get(f"{server.base_url}{path}?{query}", headers=headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == code and body["message"]


def test_csv_export_matches_the_json(server, signed_in):
    manager, _ = signed_in
    out = manager.stats(DAY1, DAY2, StatsGroup.WINDOW)
    headers = {"Authorization": f"Bearer {manager.token}"}
    query = {"format": "csv", "date_from": "2026-11-25", "date_to": "2026-11-26", "group": "window"}
    response = httpx.get(f"{server.base_url}/api/v1/stats/export", params=query, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="yimen-stats-window-2026-11-25-2026-11-26.csv"'
    )
    data = manager.export_stats(ExportFormat.CSV, DAY1, DAY2, StatsGroup.WINDOW)
    assert data == response.content
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == ["键", "窗口", *(d.name for d in DEFINITIONS)]
    table = lines[1 : 2 + len(out.rows)]
    expected = [*out.rows, out.totals]
    assert [line[:2] for line in table] == [[r.key, r.label] for r in expected]
    for line, row in zip(table, expected, strict=True):
        values = row.model_dump()
        assert [float(c) if c else None for c in line[2:]] == [values[name] for name in FIGURES]
    assert lines[2 + len(out.rows)] == []
    rest = [line[0] for line in lines[3 + len(out.rows) :] if line]
    assert "一窗办结率" in rest and "最多跑一次率" in rest and "过号率" in rest


def test_xlsx_export_opens_and_matches_the_json(signed_in):
    manager, _ = signed_in
    out = manager.stats(DAY1, DAY2, StatsGroup.MATTER)
    data = manager.export_stats(ExportFormat.XLSX, DAY1, DAY2, StatsGroup.MATTER)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["统计", "口径说明"]
    rows = list(book["统计"].iter_rows(values_only=True))
    assert rows[0] == ("键", "事项", *(d.name for d in DEFINITIONS))
    expected = [*out.rows, out.totals]
    assert len(rows) == 1 + len(expected)
    for line, row in zip(rows[1:], expected, strict=True):
        values = row.model_dump()
        assert line == (row.key or None, row.label, *(values[name] for name in FIGURES))
    notes = [line for line in book["口径说明"].iter_rows(values_only=True) if line and line[0]]
    texts = dict((line[0], line[1]) for line in notes if len(line) > 1)
    assert all(texts[d.name] == d.text for d in DEFINITIONS)
    targets = {line[0]: line for line in notes if line[0] in ("一窗办结率", "最多跑一次率")}
    assert targets["一窗办结率"][1:4] == (0.75, 3, 4)


def test_hourly_json_and_svg_chart(signed_in):
    manager, _ = signed_in
    hourly = manager.hourly(DAY1)
    assert hourly.day == DAY1 and len(hourly.hours) == 24
    assert (hourly.hours[9].arrivals, hourly.hours[9].served, hourly.hours[10].no_show) == (4, 2, 1)
    svg = manager.hourly_svg(DAY1)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "hour"]
    assert 0 < len(groups) <= 24
    hours = [int(g.get("data-hour", "-1")) for g in groups]
    assert hours == sorted(hours) and 9 in hours and 10 in hours
    assert not list(root.iter(f"{SVG}style")) and not list(root.iter(f"{SVG}script"))
    assert "<style" not in svg and "<script" not in svg and "href" not in svg and "@import" not in svg
    assert not any(key.startswith("on") for el in root.iter() for key in el.attrib)
    assert list(root.iter(f"{SVG}polyline"))  # the wait line
    legend = "".join(root.itertext())
    assert "取号" in legend and "办结" in legend and "平均等候" in legend


def test_the_chart_of_a_day_without_tickets_and_the_default_day(signed_in):
    manager, _ = signed_in
    empty = manager.hourly_svg(date(2026, 11, 20))
    root = ET.fromstring(empty)
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "hour"]) == 10  # 8..17
    assert manager.hourly().day == DAY2  # today by the server's clock
