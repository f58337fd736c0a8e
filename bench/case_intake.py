"""Intake form prefill (R6 一表申请) for a visitor with 50 earlier cases (issue 17: p99 under 100 ms).

A real `yimen server` process on the demo hall; clerk01 first gives one visitor 50 accepted cases of a
demo matter (each with its form and received materials), then opens RUNS more cases for that visitor over
HTTP, one at a time, as the window would: each answer carries the form prefilled from the card and the
earlier cases, and the checklist with the materials held from them marked 无需提交. Per backend: p50, p99
and mean of the open call, and, for comparison, of a case for a visitor seen for the first time.

    python bench/case_intake.py [sqlite] [postgresql]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._hall import backends, demo_hall, print_table, server_process, summary_ms
from hall_server.client import HallClient
from hall_server.contract.cases import CaseOpenIn, FormValues, MaterialsIn, MaterialState
from hall_server.contract.identity import IdentityIn, IdKind
from hall_server.contract.idnumbers import mod11_2_check
from hall_server.demo.load import DEMO_PASSWORD

EARLIER = 50
RUNS = 200
MATTER = "有限责任公司设立登记"


def applicant(n: int) -> IdentityIn:
    """A checksum-valid resident ID number of someone born in 1985, different for each n < 1000."""
    first17 = f"3411221985{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
    return IdentityIn(kind=IdKind.RESIDENT, number=first17 + mod11_2_check(first17), name="王小明")


def give_earlier_cases(clerk: HallClient, matter_id: int, who: IdentityIn) -> None:
    for _ in range(EARLIER):
        case = clerk.open_case(CaseOpenIn(matter_id=matter_id, applicant=who))
        pending = [m.material_id for m in case.materials if m.state is MaterialState.PENDING]
        form = FormValues(contact_phone="13812345678", address="示范县幸福路1号", postcode="245000")
        clerk.receive_materials(case.id, MaterialsIn(received=pending, form=form))
        clerk.accept_case(case.id)


def time_opens(clerk: HallClient, matter_id: int, who: list[IdentityIn]) -> tuple[list[float], list[int]]:
    """Seconds per open, and the last case's materials reused and form fields prefilled."""
    samples, case = [], None
    for identity in who:
        started = time.perf_counter()
        case = clerk.open_case(CaseOpenIn(matter_id=matter_id, applicant=identity))
        samples.append(time.perf_counter() - started)
    assert case is not None
    reused = sum(m.state is MaterialState.REUSED for m in case.materials)
    return samples, [reused, sum(f.source is not None for f in case.form)]


def main() -> None:
    rows = []
    for backend in backends():
        with demo_hall(backend) as hall, server_process(hall) as base:
            with HallClient.login(base, "clerk01", DEMO_PASSWORD) as clerk:
                [matter] = [m for m in clerk.matters(MATTER) if m.name == MATTER]
                regular = applicant(7)
                give_earlier_cases(clerk, matter.id, regular)
                returning, seen = time_opens(clerk, matter.id, [regular] * RUNS)
                first_time, new = time_opens(clerk, matter.id, [applicant(100 + n) for n in range(RUNS)])
            rows.append([backend, f"{EARLIER} earlier cases", RUNS, *seen, *summary_ms(returning)])
            rows.append([backend, "first visit", RUNS, *new, *summary_ms(first_time)])
    print_table(
        f"Open a case (收件) over HTTP, form prefilled and materials reused ({MATTER}; ms)",
        ["backend", "visitor", "runs", "reused", "prefilled", "p50", "p99", "mean"],
        rows,
    )


if __name__ == "__main__":
    main()
