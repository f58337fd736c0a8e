"""综合窗口出件 API: agents, result ready (notify), pickup with the card read, mail (表15); the visitor's
query by case number and query password (kiosk)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request

from hall_server.cases import results
from hall_server.cases.service import get_case
from hall_server.contract.auth import DeviceKind
from hall_server.contract.cases import (
    AgentIn,
    CaseQueryIn,
    CaseResultOut,
    MailIn,
    PickupIn,
    PublicCaseOut,
    ResultReadyIn,
)
from hall_server.core.errors import NotFound
from hall_server.deps import DESK, STAFF, ApiDep, IdempotentApiDep, IdParam, PublicApiDep

router = APIRouter(tags=["cases"])
KIOSK = frozenset({DeviceKind.KIOSK})


@router.get("/cases/{case_id}/result", response_model=CaseResultOut)
def get_result(case_id: IdParam, api: ApiDep) -> CaseResultOut:
    return api.read(lambda ctx: results.result_out(ctx, get_case(ctx, case_id)), roles=STAFF)


@router.get("/case-results", response_model=CaseResultOut)
def find_result(
    api: ApiDep, local_case_no: Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{3,50}$")]
) -> CaseResultOut:
    """A case's result by its case number (the 受理回执 the visitor hands over at the 综合出件 window)."""
    return api.read(lambda ctx: results.result_out(ctx, results.by_number(ctx, local_case_no)), roles=STAFF)


@router.post("/cases/{case_id}/agents", response_model=CaseResultOut)
def record_agent(case_id: IdParam, body: AgentIn, api: IdempotentApiDep) -> CaseResultOut:
    """An authorised agent (name and number from the card) who may pick the result up."""
    return api.run(lambda ctx: results.result_out(ctx, results.record_agent(ctx, case_id, body)), roles=DESK)


@router.post("/cases/{case_id}/result/ready", response_model=CaseResultOut)
def mark_ready(case_id: IdParam, body: ResultReadyIn, api: IdempotentApiDep) -> CaseResultOut:
    """A concluded case's result is at the 综合出件 window (or to be mailed); the applicant is notified."""
    return api.run(lambda ctx: results.result_out(ctx, results.mark_ready(ctx, case_id, body)), roles=DESK)


@router.post("/cases/{case_id}/result/pickup", response_model=CaseResultOut)
def pick_up(
    case_id: IdParam,
    body: PickupIn,
    api: IdempotentApiDep,
    window: Annotated[int | None, Query(ge=1, le=999)] = None,
) -> CaseResultOut:
    """领取: the card read must be the applicant's or an authorised agent's; otherwise 403
    PICKUP_IDENTITY_MISMATCH, and the refusal is traced (`result.pickup_refused`)."""
    try:
        return api.run(
            lambda ctx: results.result_out(ctx, results.pick_up(ctx, case_id, body, window)), roles=DESK
        )
    except results.PickupRefused:
        # the refusal rolled its transaction back: its trace is a transaction of its own
        replace(api, idempotency=None).run(lambda ctx: results.record_refusal(ctx, case_id), roles=DESK)
        raise


@router.post("/cases/{case_id}/result/mail", response_model=CaseResultOut)
def mail(case_id: IdParam, body: MailIn, api: IdempotentApiDep) -> CaseResultOut:
    """寄送: carrier, waybill, date and receiver (表15)."""
    return api.run(lambda ctx: results.result_out(ctx, results.mail(ctx, case_id, body)), roles=DESK)


@router.post("/case-query", response_model=PublicCaseOut)
def query(body: CaseQueryIn, api: ApiDep) -> PublicCaseOut:
    """The visitor's query at the kiosk: the case's status in the contract's words. Wrong passwords
    are counted per case number: after a few, 429 CASE_QUERY_LOCKED."""
    found = api.run(lambda ctx: results.query(ctx, body), roles=(), devices=KIOSK)
    if found is None:  # the failure is counted (committed) before the answer
        raise NotFound("CASE_QUERY_FAILED", "办件编号或查询密码不正确")
    return found


@router.post("/public/case-query", response_model=PublicCaseOut, tags=["public"])
def public_query(body: CaseQueryIn, api: PublicApiDep, request: Request) -> PublicCaseOut:
    """The case progress page (/c/{case number}, the 受理回执's QR; no sign-in): the kiosk's query and
    throttle, counted per case number and per client address. An unknown number answers like a wrong
    password."""
    address = request.client.host if request.client else None
    found = api.run_public(lambda ctx: results.public_query(ctx, body, address))
    if found is None:
        raise NotFound("CASE_QUERY_FAILED", "办件编号或查询密码不正确")
    return found


@router.get("/public/tickets/{code}/cases", response_model=list[PublicCaseOut], tags=["public"])
def follow_cases(code: str, api: PublicApiDep) -> list[PublicCaseOut]:
    """The follow page's 办件进度: the accepted cases opened from the ticket, their status in the
    contract's words (R3); for CASE_FOLLOW_DAYS after the ticket's day. No personal data."""
    return api.read_public(lambda ctx: results.follow_cases(ctx, code))
