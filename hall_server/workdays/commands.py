"""`yimen workdays import FILE.json` and `yimen workdays show YEAR`: the hall's working-day calendar.

The file has the shape of the shipped hall_server/workdays/data/2026.json: `year`, `holidays` as
`[first, last, name]`, `workdays` (调休上班) as `[day, name]`, optionally `provisional` and `source`. It is
checked like `PUT /api/v1/workdays/{year}` and replaces that year for this hall (the shipped file stays).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hall_server.contract.workdays import WorkdaysYearIn, WorkdaysYearOut
from hall_server.core.config import get_settings


def register(subcommands: Any) -> None:
    workdays = subcommands.add_parser("workdays", help="工作日历: the holidays and 调休 deadlines count on")
    actions = workdays.add_subparsers(dest="workdays_command", required=True)
    importer = actions.add_parser("import", help="load a year's arrangement from a .json file")
    importer.add_argument("file", type=Path)
    importer.set_defaults(run=run_import)
    show = actions.add_parser("show", help="print a year's arrangement as the hall uses it")
    show.add_argument("year", type=int)
    show.set_defaults(run=run_show)


def year_from_file(data: Any) -> tuple[int, WorkdaysYearIn]:
    """The file's year and arrangement; ValueError with a Chinese reason when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise ValueError("文件须为一个对象，含整数 year")
    try:
        body = WorkdaysYearIn(
            holidays=[{"first": f, "last": t, "name": n} for f, t, n in data.get("holidays", [])],
            workdays=[{"day": d, "name": n} for d, n in data.get("workdays", [])],
            provisional=bool(data.get("provisional", False)),
            source=str(data.get("source", ""))[:300],
        )
    except (ValidationError, TypeError, ValueError) as exc:
        raise ValueError(f"假期或调休上班日无效（{_first_problem(exc)}）") from exc
    return data["year"], body


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return str(exc)


def run_import(args: argparse.Namespace) -> int:
    from hall_server.app import build_state
    from hall_server.core.errors import DomainError
    from hall_server.workdays.service import save_year

    try:
        year, body = year_from_file(json.loads(args.file.read_text(encoding="utf-8-sig")))
    except (OSError, ValueError) as exc:
        print(f"节假日安排文件无效: {exc}", file=sys.stderr)
        return 1
    state = build_state(get_settings())
    try:
        saved = state.uow.run(lambda ctx: save_year(ctx, year, body))
    except DomainError as exc:
        print(f"节假日安排未载入: {exc.message}", file=sys.stderr)
        return 1
    finally:
        state.engine.dispose()
    print(f"已载入 {year} 年节假日安排：{_summary(saved)}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from hall_server.app import build_state
    from hall_server.core.errors import DomainError
    from hall_server.workdays.service import year_out

    state = build_state(get_settings())
    try:
        found = state.uow.read(lambda ctx: year_out(ctx, args.year))
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        state.engine.dispose()
    print(f"{args.year} 年：{_summary(found)}")
    for holiday in found.holidays:
        print(f"  放假 {holiday.first} 至 {holiday.last} {holiday.name}")
    for day in found.workdays:
        print(f"  上班 {day.day} {day.name}")
    return 0


def _summary(year: WorkdaysYearOut) -> str:
    origin = "大厅修订" if year.origin == "EDITED" else "随软件发布"
    provisional = "（暂定）" if year.provisional else ""
    counts = (
        f"假期 {len(year.holidays)} 段，调休上班 {len(year.workdays)} 天，全年工作日 {year.working_days} 天"
    )
    return f"{origin}{provisional}，{counts}"
