"""Shared by the result tests: a 即办件 matter (concluded at the window, so it has a result today)."""

from __future__ import annotations

from hall_server.catalogue.service import save_matter
from hall_server.client import HallClient
from hall_server.contract.cases import AcceptedOut, CaseOpenIn, CaseStatus
from hall_server.core.context import UnitOfWork
from tests.factories import YOUNG_ID, matter_in, person


def instant_matter(uow: UnitOfWork) -> int:
    return uow.run(
        lambda ctx: (
            save_matter(
                ctx,
                matter_in(
                    "340700102000",
                    "婚姻登记记录证明",
                    "SOCIAL",
                    type="07",
                    case_type="1",
                    promised_limit={"value": 0, "unit": "WORKING_DAY"},
                    materials=[{"name": "居民身份证", "form": "ORIGINAL", "obtainable_by_sharing": True}],
                ),
            ).id
        )
    )


def concluded_case(clerk: HallClient, matter_id: int, number: str = YOUNG_ID) -> AcceptedOut:
    case = clerk.open_case(CaseOpenIn(matter_id=matter_id, applicant=person(number)))
    accepted = clerk.accept_case(case.id)
    assert accepted.case.status is CaseStatus.CONCLUDED_APPROVED
    return accepted
