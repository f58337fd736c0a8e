"""Load a year's official arrangement: python -m hall_server.workdays import FILE.json

The file has the shape of data/2026.json; it is checked, then replaces data/YEAR.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hall_server.workdays.calendar import parse_year


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "import":
        print("用法: python -m hall_server.workdays import 文件.json", file=sys.stderr)
        return 2
    try:
        data = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        parse_year(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"节假日安排文件无效: {exc}", file=sys.stderr)
        return 1
    target = Path(__file__).parent / "data" / f"{int(data['year'])}.json"
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"已载入 {data['year']} 年节假日安排: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
