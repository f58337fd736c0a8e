"""The statistics as a file for the monthly report: CSV (UTF-8 with BOM, so Excel reads the Chinese) or
XLSX (a sheet of rows and totals, a sheet of definitions and targets)."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from hall_server.contract.stats import DEFINITIONS, ExportFormat, StatsOut, StatsRow, Target

MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FIGURES = [d.key for d in DEFINITIONS]
TARGET_HEADER = ["指标", "值", "分子", "分母", "口径", "说明"]
DEFINITION_HEADER = ["项目", "口径"]

Cell = str | int | float | None


def filename(stats: StatsOut, fmt: ExportFormat) -> str:
    span = f"{stats.date_from.isoformat()}-{stats.date_to.isoformat()}"
    return f"yimen-stats-{stats.group.value}-{span}.{fmt.value}"


def header(stats: StatsOut) -> list[Cell]:
    return ["键", stats.group_name, *(d.name for d in DEFINITIONS)]


def row_cells(row: StatsRow) -> list[Cell]:
    values = row.model_dump()
    return [row.key, row.label, *(values[name] for name in FIGURES)]


def target_cells(target: Target) -> list[Cell]:
    return [
        target.name,
        target.value,
        target.numerator,
        target.denominator,
        target.definition,
        target.reason or "",
    ]


def table(stats: StatsOut) -> list[list[Cell]]:
    """Header, one line per group, the totals."""
    return [header(stats), *(row_cells(r) for r in stats.rows), row_cells(stats.totals)]


def to_csv(stats: StatsOut) -> bytes:
    """The table, a blank line, the targets, a blank line, the definitions. Empty cell: no figure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(["" if c is None else c for c in line] for line in table(stats))
    writer.writerow([])
    writer.writerow(TARGET_HEADER)
    writer.writerows(["" if c is None else c for c in target_cells(t)] for t in stats.targets)
    writer.writerow([])
    writer.writerow(DEFINITION_HEADER)
    writer.writerows([d.name, d.text] for d in stats.definitions)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(stats: StatsOut) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "统计"
    for line in table(stats):
        sheet.append(line)
    bold = Font(bold=True)
    for cell in (*sheet[1], *sheet[sheet.max_row]):
        cell.font = bold
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["B"].width = 24
    notes = book.create_sheet("口径说明")
    notes.append(
        [f"统计区间 {stats.date_from.isoformat()} 至 {stats.date_to.isoformat()}，按{stats.group_name}"]
    )
    notes.append([f"等候超时阈值 {stats.wait_threshold_seconds} 秒"])
    notes.append([])
    notes.append(DEFINITION_HEADER)
    for definition in stats.definitions:
        notes.append([definition.name, definition.text])
    notes.append([])
    notes.append(TARGET_HEADER)
    for target in stats.targets:
        notes.append(target_cells(target))
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 80
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(stats: StatsOut, fmt: ExportFormat) -> bytes:
    return to_csv(stats) if fmt is ExportFormat.CSV else to_xlsx(stats)
