"""The platform's case numbers (办件编号 / PROJID, standards.md §3.3): asked for each accepted case, stored
with its event.

Offline first: a hall accepts cases and prints receipts with its own number (`local_case_no`) whether the
platform answers or not. The delivery worker then asks the one target configured with
`"allocates_case_numbers": true` (获取办件编号接口, sync/wire.py) for the PROJID of every accepted case
that has none, oldest first, and stores it with a `case.case_no_assigned` event in one transaction of the
case's hall (cases/service.py `assign_platform_case_no`), so the number reaches every target through the
outbox like any other change.

Once: the worker that owns the allocating target's stream lease asks (one process at a time), and the
store is conditional (`platform_case_no IS NULL`), so even two askers write one number and one event. A
crash between the platform's answer and our commit loses nothing: the platform answers the same PROJID
for the same (hall, local number) again. When the platform is down or refuses, the worker waits out the
delivery backoff (full jitter, at most the probe interval) before asking again; intake never waits for it.

Until the number is there, the case's events wait for the targets that need it (sync/service.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hall_server.cases.models import Case
from hall_server.cases.service import assign_platform_case_no
from hall_server.catalogue.models import Matter
from hall_server.core.context import Ctx
from hall_server.halls.models import Hall
from hall_server.sync import service
from hall_server.sync.wire import CaseNumberRequest


@dataclass(frozen=True)
class Unnumbered:
    case_id: int
    hall_id: int
    request: CaseNumberRequest


def unnumbered(ctx: Ctx, limit: int, skip: frozenset[int] = frozenset()) -> list[Unnumbered]:
    """Accepted cases of every hall without a PROJID, oldest first (a partial index holds just these)."""
    query = (
        select(Case.id, Case.hall_id, Case.local_case_no, Hall.code, Matter.catalog_code)
        .join(Hall, Hall.id == Case.hall_id)
        .join(Matter, Matter.id == Case.matter_id)
        .where(Case.platform_case_no.is_(None), Case.local_case_no.is_not(None))
        .order_by(Case.id)
        .limit(limit)
        .execution_options(all_halls=True)
    )
    if skip:
        query = query.where(Case.id.not_in(skip))
    return [
        Unnumbered(
            case_id,
            hall_id,
            CaseNumberRequest(
                source_hall_code=hall_code, local_case_no=local_no, matter_code=matter_code or ""
            ),
        )
        for case_id, hall_id, local_no, hall_code, matter_code in ctx.session.execute(query)
    ]


def store(ctx: Ctx, case_id: int, case_no: str) -> bool:
    """In the case's hall: the number and its event, unless the case has one already; the case's events
    still waiting out a backoff (sent while the platform was down) are due now."""
    if not assign_platform_case_no(ctx, case_id, case_no):
        return False
    service.hasten_case(ctx, case_id)
    return True
