"""The back office's queue (后台分类审批) with 10,000 open cases in one department (issue 17: p99 < 100 ms).

A real `yimen server` process on the demo hall. clerk01 accepts one case over HTTP; its row is then copied
10,000 times into 社会事务 department's queue (promised dates from 10 days ago to 30 days ahead, a third of
them past 承办 with a step row) and 5,000 times into another department, straight into the database (the
intake's argon2 query password would take minutes). The back office's 李审批 (member of that department)
then reads the queue over HTTP, one call at a time: the first page (50, most urgent first), the red and the
yellow filters, and a deep page. Per backend: p50, p99 and mean.

    python bench/backoffice_list.py [sqlite] [postgresql]
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, select, text, update

from bench._hall import backends, demo_hall, print_table, server_process, summary_ms
from hall_server.auth.models import Staff
from hall_server.cases.models import Case, CaseStep
from hall_server.client import HallClient
from hall_server.contract.cases import CaseOpenIn, CaseStatus, MaterialsIn, MaterialState, Warning
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.idnumbers import mod11_2_check
from hall_server.demo.load import DEMO_PASSWORD
from hall_server.departments.models import Department

OPEN_CASES = 10_000
OTHER_CASES = 5_000
RUNS = 300
MATTER = "有限责任公司设立登记"


def accept_one(base: str) -> int:
    first17 = "34112219850101007"
    who = IdentityIn(kind=IdKind.RESIDENT, number=first17 + mod11_2_check(first17), name="王小明")
    with HallClient.login(base, "clerk01", DEMO_PASSWORD) as clerk:
        [matter] = [m for m in clerk.matters(MATTER) if m.name == MATTER]
        case = clerk.open_case(CaseOpenIn(matter_id=matter.id, applicant=who))
        pending = [m.material_id for m in case.materials if m.state is MaterialState.PENDING]
        clerk.receive_materials(case.id, MaterialsIn(received=pending))
        return clerk.accept_case(case.id).case.id


def fill(url: str, template_id: int) -> None:
    """Copies of the accepted case: OPEN_CASES in the back office's department, OTHER_CASES in another."""
    engine = create_engine(url)
    with engine.begin() as db:
        mine, other = db.execute(select(Department.id).order_by(Department.id).limit(2)).scalars().all()
        db.execute(update(Staff).where(Staff.login == "backoffice").values(department_id=mine))
        row = dict(db.execute(select(Case.__table__).where(Case.id == template_id)).mappings().one())
        del row["id"]
        today = date.today()
        copies = []
        for n in range(OPEN_CASES + OTHER_CASES):
            status = CaseStatus.IN_PROGRESS if n % 3 == 0 else CaseStatus.ACCEPTED
            copies.append(
                {
                    **row,
                    "local_case_no": f"{row['local_case_no']}-{n:05d}",
                    "status": status.value,
                    "department_id": mine if n < OPEN_CASES else other,
                    "promised_date": today + timedelta(days=n * 7 % 41 - 10),
                    "legal_date": today + timedelta(days=n * 7 % 41 + 20),
                }
            )
        db.execute(insert(Case.__table__), copies)
        ids = db.execute(select(Case.id).where(Case.status == CaseStatus.IN_PROGRESS.value)).scalars().all()
        at = row["accepted_at"]
        db.execute(
            insert(CaseStep.__table__),
            [
                {
                    "hall_id": row["hall_id"],
                    "case_id": case_id,
                    "sn": 1,
                    "phase": "UNDERTAKE",
                    "action": "PASS",
                    "result": "AGREE",
                    "opinion": "材料齐全",
                    "handler_name": "李审批",
                    "started_at": at,
                    "ended_at": at,
                }
                for case_id in ids
            ],
        )
    if engine.dialect.name == "postgresql":  # as autovacuum would after a bulk load: the planner's statistics
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def timed_calls(call, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def cursor_of_page(back: HallClient, number: int) -> str:
    """The `after` cursor that opens page `number` (50 a page), walked page by page as a clerk would."""
    cursor = None
    for _ in range(number - 1):
        cursor = back.backoffice_queue(after=cursor).next_after
        assert cursor is not None, "fewer pages than asked for"
    return cursor


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall, server_process(hall) as base:
            fill(hall.database_url, accept_one(base))
            with HallClient.login(base, "backoffice", DEMO_PASSWORD) as back:
                total = back.backoffice_queue().total
                cursor = cursor_of_page(back, 100)
                queries = {
                    "first page (50)": lambda: back.backoffice_queue(),
                    "red (overdue)": lambda: back.backoffice_queue(warning=Warning.RED),
                    "yellow": lambda: back.backoffice_queue(warning=Warning.YELLOW),
                    "page 100 (offset 4950)": lambda: back.backoffice_queue(offset=4950),
                    "page 100 (cursor after)": lambda c=cursor: back.backoffice_queue(after=c),
                }
                for name, call in queries.items():
                    call()  # warm
                    rows.append([backend, total, name, RUNS, *summary_ms(timed_calls(call, RUNS))])
    print_table(
        "Back office queue over HTTP (GET /api/v1/backoffice/cases; ms)",
        ["backend", "open cases", "query", "runs", "p50", "p99", "mean"],
        rows,
    )


if __name__ == "__main__":
    main()
