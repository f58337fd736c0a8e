"""好差评 API: the pad (through the counter client), the kiosk, the follow page, managers recording 回访."""

from __future__ import annotations

from fastapi import APIRouter

from hall_server.contract.auth import DeviceKind
from hall_server.contract.evaluation import (
    EvaluationIn,
    EvaluationOut,
    FollowEvaluationIn,
    NotEvaluatedIn,
    OpportunityOut,
    PublicOpportunityOut,
)
from hall_server.contract.queue import TicketQuery
from hall_server.core.context import Ctx
from hall_server.deps import DESK, STAFF, ApiDep, IdempotentApiDep, IdParam, PublicApiDep, WindowParam
from hall_server.evaluation import service
from hall_server.identity import service as identity

router = APIRouter(tags=["evaluation"])
RATERS = frozenset({DeviceKind.KIOSK, DeviceKind.COUNTER, DeviceKind.EVALPAD})
FRONT = frozenset({DeviceKind.KIOSK, DeviceKind.COUNTER})


@router.get("/windows/{number}/opportunity", response_model=OpportunityOut | None)
def window_opportunity(number: WindowParam, api: ApiDep) -> OpportunityOut | None:
    """The window's latest service still waiting for the visitor's rating (null: none)."""

    def work(ctx: Ctx) -> OpportunityOut | None:
        found = service.window_opportunity(ctx, number)
        return service.opportunity_out(ctx, found) if found is not None else None

    return api.read(work, roles=DESK, devices=RATERS)


@router.post("/opportunities/{opportunity_id}/evaluations", response_model=EvaluationOut)
def evaluate(opportunity_id: IdParam, body: EvaluationIn, api: IdempotentApiDep) -> EvaluationOut:
    """First evaluation or 追评; who may submit depends on the channel (pad: the serving clerk)."""

    def work(ctx: Ctx) -> EvaluationOut:
        opportunity = service.get_opportunity(ctx, opportunity_id)
        service.authorise_channel(ctx, opportunity, body.channel)
        return service.evaluation_out(ctx, opportunity, service.submit(ctx, opportunity_id, body))

    return api.run(work, roles=STAFF, devices=RATERS)


@router.post("/opportunities/{opportunity_id}/not-evaluated", response_model=OpportunityOut)
def not_evaluated(opportunity_id: IdParam, body: NotEvaluatedIn, api: IdempotentApiDep) -> OpportunityOut:
    return api.run(
        lambda ctx: service.opportunity_out(ctx, service.not_evaluated(ctx, opportunity_id, body)),
        roles=DESK,
        devices=RATERS,
    )


@router.post("/opportunities/lookup", response_model=list[OpportunityOut])
def opportunities_of_visitor(body: TicketQuery, api: ApiDep) -> list[OpportunityOut]:
    """A visitor's services today that can still be rated or 追评'd, by the identity from the card."""
    return api.run(
        lambda ctx: [
            service.opportunity_out(ctx, o)
            for o in service.ratable_of_visitor_today(ctx, identity.find(ctx, body.identity))
        ],
        roles=STAFF,
        devices=FRONT,
    )


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityOut)
def get_opportunity(opportunity_id: IdParam, api: ApiDep) -> OpportunityOut:
    return api.read(
        lambda ctx: service.opportunity_out(ctx, service.get_opportunity(ctx, opportunity_id)),
        roles=STAFF,
        devices=RATERS,
    )


@router.get("/tickets/{ticket_id}/opportunities", response_model=list[OpportunityOut])
def ticket_opportunities(ticket_id: IdParam, api: ApiDep) -> list[OpportunityOut]:
    return api.read(
        lambda ctx: [service.opportunity_out(ctx, o) for o in service.of_ticket(ctx, ticket_id)],
        roles=STAFF,
        devices=FRONT,
    )


@router.get(
    "/public/tickets/{code}/opportunities", response_model=list[PublicOpportunityOut], tags=["public"]
)
def services_of_follow_code(code: str, api: PublicApiDep) -> list[PublicOpportunityOut]:
    """The follow page's 评价: the ticket's services and whether each can still be rated (the follow code
    is the credential, for 15 days after the service day)."""
    return api.read_public(lambda ctx: service.services_of_follow_code(ctx, code))


@router.post(
    "/public/tickets/{code}/opportunities/{opportunity_id}/evaluations",
    response_model=EvaluationOut,
    status_code=201,
    tags=["public"],
)
def rate_by_follow_code(
    code: str, opportunity_id: IdParam, body: FollowEvaluationIn, api: PublicApiDep
) -> EvaluationOut:
    """A rating from the follow page (channel QR): at most the first evaluation and one 追评 per service."""

    def work(ctx: Ctx) -> EvaluationOut:
        evaluation = service.rate_by_follow_code(ctx, code, opportunity_id, body)
        return service.evaluation_out(ctx, service.get_opportunity(ctx, opportunity_id), evaluation)

    return api.run_public(work)
