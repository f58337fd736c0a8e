"""`yimen complaints import FILE.json|FILE.csv`: the 12345 hotline's file adapter.

JSON: `{"complaints": [...]}` (the HTTP batch shape) or a plain list of the same items. CSV (UTF-8, a BOM
allowed): a header row with the field names (external_ref, subject, text, contact, window_no) or their
Chinese forms (工单号, 投诉类别, 投诉内容, 联系电话, 窗口). A subject may be given by its Chinese name
(服务态度 …). Every row is checked first: one bad row imports nothing. A 工单号 imported before is
reported as already there.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hall_server.contract.complaints import SUBJECT_NAMES, HotlineComplaintIn, ImportOutcome
from hall_server.core.config import get_settings

CSV_HEADERS = {
    "工单号": "external_ref",
    "投诉类别": "subject",
    "类别": "subject",
    "投诉内容": "text",
    "内容": "text",
    "联系电话": "contact",
    "窗口": "window_no",
    "窗口号": "window_no",
}
SUBJECT_BY_NAME = {name: subject.value for subject, name in SUBJECT_NAMES.items()}


def register(subcommands: Any) -> None:
    complaints = subcommands.add_parser("complaints", help="投诉: import 12345 hotline 工单")
    actions = complaints.add_subparsers(dest="complaints_command", required=True)
    importer = actions.add_parser("import", help="import 12345 工单 from a .json or .csv file")
    importer.add_argument("file", type=Path)
    importer.set_defaults(run=run_import)


def read_items(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        return [
            {CSV_HEADERS.get(k.strip(), k.strip()): v for k, v in row.items() if v not in (None, "")}
            for row in rows
        ]
    data = json.loads(text)
    items = data.get("complaints") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError('JSON 文件须为 {"complaints": [...]} 或一个列表')
    return items


def parse(items: list[dict[str, Any]]) -> tuple[list[HotlineComplaintIn], list[str]]:
    """The items as checked; problems as `第 N 条: …` lines."""
    parsed, problems = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"第 {number} 条: 不是一个对象")
            continue
        subject = item.get("subject")
        if isinstance(subject, str) and subject in SUBJECT_BY_NAME:
            item = {**item, "subject": SUBJECT_BY_NAME[subject]}
        try:
            parsed.append(HotlineComplaintIn.model_validate(item))
        except ValidationError as exc:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) or "?" for e in exc.errors())
            problems.append(f"第 {number} 条: 字段无效 ({fields})")
    return parsed, problems


def run_import(args: argparse.Namespace) -> int:
    from hall_server.app import build_state
    from hall_server.complaints.service import import_hotline

    try:
        items, problems = parse(read_items(args.file))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"12345 工单文件无法读取: {exc}", file=sys.stderr)
        return 1
    if problems or not items:
        for line in problems or ["文件中没有工单"]:
            print(line, file=sys.stderr)
        print("未导入任何工单", file=sys.stderr)
        return 1
    state = build_state(get_settings())
    try:
        result = state.uow.run(lambda ctx: import_hotline(ctx, items))
    finally:
        state.engine.dispose()
    for row in result.results:
        told = "已导入" if row.outcome is ImportOutcome.CREATED else "已存在，未重复导入"
        print(f"{row.external_ref}: {told}（投诉编号 {row.complaint_id}）")
    print(f"共 {len(result.results)} 条：新导入 {result.created} 条，已存在 {result.already_there} 条")
    return 0
