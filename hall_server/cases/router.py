"""办件 API: intake at the comprehensive window (open, receive, accept / one-time notice / 不予受理)."""

from __future__ import annotations

from fastapi import APIRouter

from hall_server.cases import service
from hall_server.contract.cases import (
    AcceptedOut,
    CaseOpenIn,
    CaseOut,
    MaterialsIn,
    NotAcceptedIn,
    QueryPasswordOut,
)
from hall_server.deps import DESK, STAFF, ApiDep, IdempotentApiDep, IdParam

router = APIRouter(tags=["cases"])


@router.post("/cases", response_model=CaseOut, status_code=201)
def open_case(body: CaseOpenIn, api: IdempotentApiDep) -> CaseOut:
    """收件: the form prefilled from the card and the applicant's earlier cases, the checklist with the
    materials that need no submission (shared, or held from an earlier case) marked and reused."""
    return api.run(lambda ctx: service.case_out(ctx, service.open_case(ctx, body)), roles=DESK)


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: IdParam, api: ApiDep) -> CaseOut:
    return api.read(lambda ctx: service.case_out(ctx, service.get_case(ctx, case_id)), roles=STAFF)


@router.post("/cases/{case_id}/materials", response_model=CaseOut)
def receive(case_id: IdParam, body: MaterialsIn, api: IdempotentApiDep) -> CaseOut:
    """Tick what was received at this visit; correct the form."""
    return api.run(lambda ctx: service.case_out(ctx, service.receive(ctx, case_id, body)), roles=DESK)


@router.post("/cases/{case_id}/accept", response_model=AcceptedOut)
def accept(case_id: IdParam, api: ApiDep) -> AcceptedOut:
    """受理 (every required material there): the case number and the query password, shown this once; a
    即办件 is concluded at once. Missing materials: 409 MATERIALS_INCOMPLETE with the list. Not keyed: the
    password is stored only hashed, so a repeat gets 409 CASE_NOT_OPEN and the clerk renews the password."""
    return api.run(lambda ctx: service.accept(ctx, case_id), roles=DESK)


@router.post("/cases/{case_id}/query-password", response_model=QueryPasswordOut)
def renew_query_password(case_id: IdParam, api: ApiDep) -> QueryPasswordOut:
    """A new query password for an accepted case (lost receipt or lost answer); the old one stops working."""
    return api.run(lambda ctx: service.renew_query_password(ctx, case_id), roles=DESK)


@router.post("/cases/{case_id}/correction-notice", response_model=CaseOut)
def require_correction(case_id: IdParam, api: IdempotentApiDep) -> CaseOut:
    """一次性告知: everything still missing, in one go; the case waits in 补齐补正."""
    return api.run(lambda ctx: service.case_out(ctx, service.require_correction(ctx, case_id)), roles=DESK)


@router.post("/cases/{case_id}/not-accepted", response_model=CaseOut)
def refuse(case_id: IdParam, body: NotAcceptedIn, api: IdempotentApiDep) -> CaseOut:
    """不予受理, with the reason."""
    return api.run(lambda ctx: service.case_out(ctx, service.refuse(ctx, case_id, body)), roles=DESK)
