"""好差评 rules: one opportunity per service contact (一次一评), at most one first evaluation and one 追评."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hall_server.auth.models import Staff
from hall_server.contract.auth import DeviceKind, Role
from hall_server.contract.evaluation import (
    BAD_LEVELS,
    LEVEL_NAMES,
    PF_CODES,
    EvalChannel,
    EvaluationIn,
    EvaluationOut,
    FollowEvaluationIn,
    Level,
    NotEvaluatedIn,
    OpportunityOut,
    OpportunityStatus,
    PublicOpportunityOut,
    gbt39046_code,
    national_code,
)
from hall_server.contract.evaluation_rules import INDICATOR_CODES
from hall_server.contract.events import AggregateType, EventType
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Forbidden, Invalid, NotFound
from hall_server.evaluation.models import Evaluation, EvaluationOpportunity
from hall_server.events.service import record
from hall_server.follow.service import RATING_DAYS, recent_ticket
from hall_server.followups import service as followups
from hall_server.identity.models import Visitor
from hall_server.queueing.models import Ticket, Window
from hall_server.queueing.tickets import ticket_refs

WINDOW_SERVICE = "窗口服务"
FOLLOW_UP_DAYS = 15  # 追评 allowed within this many days after the first evaluation
RATABLE = (OpportunityStatus.OPEN.value, OpportunityStatus.EVALUATED.value)
# The visitor's own later channels: a service not rated at the window's pad may still be rated there
LATER_CHANNELS = frozenset({EvalChannel.QR, EvalChannel.KIOSK, EvalChannel.MOBILE, EvalChannel.PC})


def open_to(opportunity: EvaluationOpportunity, channel: EvalChannel) -> bool:
    """Whether an evaluation through `channel` may be given now (the count of evaluations aside)."""
    if opportunity.status in RATABLE:
        return True
    return opportunity.status == OpportunityStatus.NOT_EVALUATED.value and channel in LATER_CHANNELS


def open_for_window_service(
    ctx: Ctx, ticket: Ticket, window: Window, staff_id: int | None
) -> EvaluationOpportunity:
    """Called by windows.complete in its transaction: the contact just finished at `window`, served by
    `staff_id`, may be rated. Each contact has its own: a ticket transferred with expect_return gets one
    for the other window's part and one for the final completion (service_number 1, 2, …)."""
    done = ctx.session.scalar(
        select(func.count(EvaluationOpportunity.id)).where(EvaluationOpportunity.ticket_id == ticket.id)
    )
    opportunity = EvaluationOpportunity(
        ticket_id=ticket.id,
        service_number=(done or 0) + 1,
        service_name=WINDOW_SERVICE,
        service_date=ctx.clock.today(),
        served_at=ctx.clock.now(),
        matter_id=ticket.matter_id,
        category_id=ticket.category_id,
        window_no=window.number,
        staff_id=staff_id,
        visitor_id=ticket.visitor_id,
        status=OpportunityStatus.OPEN.value,
    )
    ctx.session.add(opportunity)
    ctx.session.flush()
    record(
        ctx,
        EventType.OPPORTUNITY_CREATED,
        AggregateType.EVALUATION,
        opportunity.id,
        _service_record(ctx, opportunity, ticket),
        refs=ticket_refs(ticket),
        window_no=window.number,
    )
    return opportunity


def _service_record(ctx: Ctx, opportunity: EvaluationOpportunity, ticket: Ticket) -> dict[str, object]:
    """What the national interface's 办件服务 record needs (standards §2.6 a), masked: no visitor identity."""
    matter = ticket.matter
    return {
        "ticket_no": ticket.number,
        "service_number": opportunity.service_number,
        "service_name": opportunity.service_name,
        "service_time": ctx.clock.local().isoformat(timespec="seconds"),
        "window_no": opportunity.window_no,
        "staff_id": opportunity.staff_id,
        "pro_channel": 2,  # 线下
        "pro_status": 3,  # the window service is finished
        "task_code": matter.task_code if matter else None,
        "task_handle_item": matter.handle_item_code if matter else None,
        "task_name": matter.name if matter else None,
        "queue_code": ticket.category.code,
    }


def get_opportunity(ctx: Ctx, opportunity_id: int, *, lock: bool = False) -> EvaluationOpportunity:
    query = select(EvaluationOpportunity).where(EvaluationOpportunity.id == opportunity_id)
    if lock:
        query = query.with_for_update()
    opportunity = ctx.session.scalars(query).first()
    if opportunity is None:
        raise NotFound("OPPORTUNITY_NOT_FOUND", "没有该评价记录")
    return opportunity


def _evaluations(ctx: Ctx, opportunity: EvaluationOpportunity) -> list[Evaluation]:
    return list(
        ctx.session.scalars(
            select(Evaluation)
            .where(Evaluation.opportunity_id == opportunity.id)
            .order_by(Evaluation.assess_number)
        )
    )


def authorise_channel(ctx: Ctx, opportunity: EvaluationOpportunity, channel: EvalChannel) -> None:
    """Each channel has its own caller: the serving clerk's pad, a kiosk, managers for 回访 by phone/SMS.
    QR goes through the public follow endpoints only."""
    principal = ctx.principal
    assert principal is not None
    if channel is EvalChannel.WINDOW_PAD:
        if principal.is_staff and principal.staff_id == opportunity.staff_id:
            return
        raise Forbidden("EVALUATION_CHANNEL_REFUSED", "只有办理该业务的窗口可以在评价器上提交评价")
    if channel is EvalChannel.KIOSK and principal.device_kind is DeviceKind.KIOSK:
        return
    if channel in (EvalChannel.PHONE, EvalChannel.SMS) and principal.role in (Role.MANAGER, Role.ADMIN):
        return
    raise Forbidden("EVALUATION_CHANNEL_REFUSED", "该渠道的评价不能由当前用户或设备提交")


def check_indicators(codes: list[str]) -> None:
    """Every code must be in the hall's indicator dictionary (GET /evaluation/indicators)."""
    unknown = sorted(set(codes) - INDICATOR_CODES)
    if unknown:
        raise Invalid(
            "EVALUATION_INDICATOR_UNKNOWN", f"评价指标代码不存在：{'，'.join(unknown)}", {"unknown": unknown}
        )


def submit(ctx: Ctx, opportunity_id: int, body: EvaluationIn, *, is_default: bool = False) -> Evaluation:
    """The first evaluation (assess 1) or the one 追评 (assess 2, within FOLLOW_UP_DAYS of the first).
    Concurrent submissions: the unique (opportunity, assess_number) lets exactly one win."""
    check_indicators(body.indicator_codes)
    opportunity = get_opportunity(ctx, opportunity_id)
    if not is_default and not open_to(opportunity, body.channel):
        raise Conflict("OPPORTUNITY_CLOSED", "该服务已记录为未评价或默认评价，不能再评价")
    earlier = _evaluations(ctx, opportunity)
    if len(earlier) >= 2:
        raise Conflict("EVALUATION_LIMIT", "每次服务只能评价一次并追评一次")
    if body.follow_up is False and earlier:  # e.g. the pad and the follow page at the same moment
        raise Conflict("EVALUATION_EXISTS", "该服务已被评价；如需补充，请选择追评")
    if body.follow_up is True and not earlier:
        raise Conflict("EVALUATION_NOT_YET", "该服务尚未评价，不能追评")
    now = ctx.clock.now()
    if earlier and now - earlier[0].evaluated_at > timedelta(days=FOLLOW_UP_DAYS):
        raise Conflict("FOLLOW_UP_EXPIRED", f"追评须在首次评价后 {FOLLOW_UP_DAYS} 天内提交")
    principal = ctx.principal
    evaluation = Evaluation(
        opportunity_id=opportunity.id,
        assess_number=len(earlier) + 1,
        level=body.level.value,
        channel=body.channel.value,
        indicator_codes=list(body.indicator_codes),
        text=body.text,
        anonymous=body.anonymous,
        is_default=is_default,
        evaluated_at=now,
        device_id=principal.device_id if principal else None,
    )
    try:
        with ctx.session.begin_nested():
            ctx.session.add(evaluation)
            ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("EVALUATION_EXISTS", "该服务已被评价，请勿重复提交") from exc
    opportunity.status = (OpportunityStatus.DEFAULTED if is_default else OpportunityStatus.EVALUATED).value
    event = EventType.EVALUATION_DEFAULTED if is_default else EventType.EVALUATION_SUBMITTED
    record(
        ctx,
        event,
        AggregateType.EVALUATION,
        opportunity.id,
        _evaluation_data(ctx, opportunity, evaluation),
        refs=_refs(ctx, opportunity),
        window_no=opportunity.window_no,
    )
    if body.level in BAD_LEVELS:  # 差评: its 整改 opens with it (one per bad evaluation)
        followups.open_for(ctx, opportunity, evaluation)
    return evaluation


def _evaluation_data(
    ctx: Ctx, opportunity: EvaluationOpportunity, evaluation: Evaluation
) -> dict[str, object]:
    level = Level(evaluation.level)
    channel = EvalChannel(evaluation.channel)
    return {
        "service_number": opportunity.service_number,
        "assess_number": evaluation.assess_number,
        "follow_up": evaluation.assess_number > 1,  # 追评
        "level": level.value,
        "gbt39046_code": gbt39046_code(level),
        "national_code": national_code(level),
        "bad": level in BAD_LEVELS,
        "channel": {"name": channel.value, "pf": str(PF_CODES[channel])},
        "indicator_codes": list(evaluation.indicator_codes),
        "text": evaluation.text,
        "anonymous": evaluation.anonymous,
        "is_default": evaluation.is_default,
        "evaluator": _evaluator(ctx, opportunity, evaluation),
    }


def _refs(ctx: Ctx, opportunity: EvaluationOpportunity) -> dict[str, object]:
    ticket = ctx.session.get(Ticket, opportunity.ticket_id) if opportunity.ticket_id else None
    return ticket_refs(ticket) if ticket is not None else {}


def _evaluator(ctx: Ctx, opportunity: EvaluationOpportunity, evaluation: Evaluation) -> str | None:
    if evaluation.anonymous or opportunity.visitor_id is None:
        return None
    visitor = ctx.session.get(Visitor, opportunity.visitor_id)
    return visitor.name_masked if visitor is not None else None


def not_evaluated(ctx: Ctx, opportunity_id: int, body: NotEvaluatedIn) -> EvaluationOpportunity:
    opportunity = get_opportunity(ctx, opportunity_id)
    if opportunity.status != OpportunityStatus.OPEN.value:
        raise Conflict("OPPORTUNITY_NOT_OPEN", "该服务已评价或已记录为未评价")
    opportunity.status = OpportunityStatus.NOT_EVALUATED.value
    opportunity.not_evaluated_reason = body.reason.value
    record(
        ctx,
        EventType.EVALUATION_NOT_GIVEN,
        AggregateType.EVALUATION,
        opportunity.id,
        {"service_number": opportunity.service_number, "reason": body.reason.value},
        refs=_refs(ctx, opportunity),
        window_no=opportunity.window_no,
    )
    return opportunity


def window_opportunity(ctx: Ctx, number: int) -> EvaluationOpportunity | None:
    """The window's latest service still waiting for a rating (today), for the counter's pad."""
    return ctx.session.scalars(
        select(EvaluationOpportunity)
        .where(
            EvaluationOpportunity.window_no == number,
            EvaluationOpportunity.status == OpportunityStatus.OPEN.value,
            EvaluationOpportunity.service_date == ctx.clock.today(),
        )
        .order_by(EvaluationOpportunity.served_at.desc(), EvaluationOpportunity.id.desc())
    ).first()


def of_ticket(ctx: Ctx, ticket_id: int) -> list[EvaluationOpportunity]:
    """The ticket's services; a ticket of another hall (or none) is not found, not an empty list."""
    if ctx.session.get(Ticket, ticket_id) is None:
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票")
    return list(
        ctx.session.scalars(
            select(EvaluationOpportunity)
            .where(EvaluationOpportunity.ticket_id == ticket_id)
            .order_by(EvaluationOpportunity.service_number)
        )
    )


def ratable_of_visitor_today(ctx: Ctx, visitor: Visitor | None) -> list[EvaluationOpportunity]:
    """A visitor's services today that can still be rated or given their 追评."""
    if visitor is None:
        return []
    found = ctx.session.scalars(
        select(EvaluationOpportunity)
        .where(
            EvaluationOpportunity.visitor_id == visitor.id,
            EvaluationOpportunity.service_date == ctx.clock.today(),
            EvaluationOpportunity.status.in_((*RATABLE, OpportunityStatus.NOT_EVALUATED.value)),
        )
        .order_by(EvaluationOpportunity.served_at)
    )
    return [o for o in found if len(_evaluations(ctx, o)) < 2]


def services_of_follow_code(ctx: Ctx, code: str) -> list[PublicOpportunityOut]:
    """The follow page's 评价: the ticket's services, for RATING_DAYS after its service day."""
    ticket = _ticket_to_rate(ctx, code)
    found = ctx.session.scalars(
        select(EvaluationOpportunity)
        .where(EvaluationOpportunity.ticket_id == ticket.id)
        .order_by(EvaluationOpportunity.service_number)
    )
    return [_public_out(ctx, ticket, o) for o in found]


def rate_by_follow_code(ctx: Ctx, code: str, opportunity_id: int, body: FollowEvaluationIn) -> Evaluation:
    """A rating from the ticket's follow page (channel QR): only for a service of that ticket."""
    ticket = _ticket_to_rate(ctx, code)
    opportunity = ctx.session.get(EvaluationOpportunity, opportunity_id)
    if opportunity is None or opportunity.ticket_id != ticket.id:
        raise NotFound("OPPORTUNITY_NOT_FOUND", "没有找到这次服务")
    fields = body.model_dump()
    return submit(ctx, opportunity.id, EvaluationIn(channel=EvalChannel.QR, **fields))


def _ticket_to_rate(ctx: Ctx, code: str) -> Ticket:
    missing = NotFound("TICKET_NOT_FOUND", f"没有找到该号票，或已超过评价期限（办理后 {RATING_DAYS} 天）")
    return recent_ticket(ctx, code, RATING_DAYS, missing)


def _public_out(ctx: Ctx, ticket: Ticket, opportunity: EvaluationOpportunity) -> PublicOpportunityOut:
    given = len(_evaluations(ctx, opportunity))
    return PublicOpportunityOut(
        id=opportunity.id,
        ticket_number=ticket.number,
        service_number=opportunity.service_number,
        service_name=opportunity.service_name,
        matter_name=ticket.matter.name if ticket.matter is not None else None,
        window_no=opportunity.window_no,
        served_at=opportunity.served_at,
        evaluations=given,
        can_rate=given < 2 and open_to(opportunity, EvalChannel.QR),
    )


def evaluation_out(ctx: Ctx, opportunity: EvaluationOpportunity, evaluation: Evaluation) -> EvaluationOut:
    level = Level(evaluation.level)
    return EvaluationOut(
        id=evaluation.id,
        opportunity_id=evaluation.opportunity_id,
        assess_number=evaluation.assess_number,
        level=level,
        level_name=LEVEL_NAMES[level],
        channel=EvalChannel(evaluation.channel),
        indicator_codes=list(evaluation.indicator_codes),
        text=evaluation.text,
        anonymous=evaluation.anonymous,
        is_default=evaluation.is_default,
        evaluated_at=evaluation.evaluated_at,
        evaluator=_evaluator(ctx, opportunity, evaluation),
    )


def opportunity_out(ctx: Ctx, opportunity: EvaluationOpportunity) -> OpportunityOut:
    ticket = ctx.session.get(Ticket, opportunity.ticket_id) if opportunity.ticket_id else None
    staff = ctx.session.get(Staff, opportunity.staff_id) if opportunity.staff_id else None
    matter = ticket.matter if ticket is not None else None
    return OpportunityOut(
        id=opportunity.id,
        ticket_id=opportunity.ticket_id,
        ticket_number=ticket.number if ticket is not None else None,
        case_id=opportunity.case_id,
        service_number=opportunity.service_number,
        service_name=opportunity.service_name,
        service_date=opportunity.service_date,
        served_at=opportunity.served_at,
        matter_id=opportunity.matter_id,
        matter_name=matter.name if matter is not None else None,
        category_code=ticket.category.code if ticket is not None else None,
        window_no=opportunity.window_no,
        staff_id=opportunity.staff_id,
        staff_name=staff.name if staff is not None else None,
        status=OpportunityStatus(opportunity.status),
        not_evaluated_reason=opportunity.not_evaluated_reason,
        evaluations=[evaluation_out(ctx, opportunity, e) for e in _evaluations(ctx, opportunity)],
    )
