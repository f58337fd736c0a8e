"""差评整改 rules: one follow-up per bad evaluation, steps in order, each an event; deadlines in working days
fixed when it opens (the hall's settings, counted from the evaluation's local date)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select

from hall_server.auth.models import Staff
from hall_server.contract.evaluation import Level
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.followups import (
    STATUS_NAMES,
    AppealIn,
    AppealState,
    AssignIn,
    CloseIn,
    Deadline,
    FollowupOut,
    FollowupSettingsIn,
    FollowupSettingsOut,
    FollowupStatus,
    FollowupStep,
    RectifyIn,
    ReplyIn,
    ReviewDecision,
    ReviewIn,
    RevisitIn,
    RevisitResult,
    VerifyIn,
    VerifyResult,
    WarningLevel,
)
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Forbidden, Invalid, NotFound
from hall_server.departments import service as departments
from hall_server.evaluation.models import Evaluation, EvaluationOpportunity
from hall_server.events.service import record
from hall_server.followups.models import Followup, FollowupSettings
from hall_server.halls.service import current_hall
from hall_server.workdays import service as workdays
from hall_server.workdays.calendar import add_working_days
from hall_server.workdays.deadline import warning

S = FollowupStatus
DEFAULTS = FollowupSettingsIn()
SEVERITY: dict[WarningLevel, int] = {"none": 0, "yellow": 1, "red": 2}
STEP_NAMES: dict[FollowupStep, str] = {
    "assign": "分派",
    "verify": "核实",
    "rectify": "整改",
    "reply": "答复",
    "revisit": "回访",
    "close": "办结",
    "appeal": "申诉",
    "review": "复核",
}
STEPS: tuple[FollowupStep, ...] = tuple(STEP_NAMES)
# The statuses each step may be taken from (复核 is about the appeal, not the status).
ALLOWED: dict[FollowupStep, frozenset[S]] = {
    "assign": frozenset({S.OPEN, S.ASSIGNED}),
    "verify": frozenset({S.ASSIGNED}),
    "rectify": frozenset({S.VERIFIED}),
    "reply": frozenset({S.VERIFIED, S.RECTIFIED}),
    "revisit": frozenset({S.REPLIED}),
    "close": frozenset({S.REVISITED}),
    "appeal": frozenset({S.OPEN, S.ASSIGNED, S.VERIFIED}),
}


# --- settings ---------------------------------------------------------------------------------------------


def settings(ctx: Ctx) -> FollowupSettingsOut:
    row = ctx.session.scalars(select(FollowupSettings)).first()
    if row is None:
        return FollowupSettingsOut(**DEFAULTS.model_dump(), updated_at=None)
    return FollowupSettingsOut.model_validate(row)


def save_settings(ctx: Ctx, body: FollowupSettingsIn) -> FollowupSettingsOut:
    row = ctx.session.scalars(select(FollowupSettings)).first()
    if row is None:
        row = FollowupSettings(id=ctx.hall_id)
        ctx.session.add(row)
    row.verify_days, row.rectify_days = body.verify_days, body.rectify_days
    row.revisit_days = body.revisit_days
    row.updated_at = ctx.clock.now()
    ctx.session.flush()
    data = body.model_dump(mode="json")
    record(ctx, EventType.FOLLOWUP_SETTINGS_SAVED, AggregateType.HALL, current_hall(ctx).code, data)
    return settings(ctx)


# --- opening ----------------------------------------------------------------------------------------------


def open_for(ctx: Ctx, opportunity: EvaluationOpportunity, evaluation: Evaluation) -> Followup:
    """Called by evaluation.submit in its transaction when the evaluation is a 差评."""
    days = settings(ctx)
    opened_on = ctx.clock.local(evaluation.evaluated_at).date()
    cal = workdays.calendar(ctx)
    followup = Followup(
        evaluation_id=evaluation.id,
        opportunity_id=opportunity.id,
        opened_on=opened_on,
        window_no=opportunity.window_no,
        staff_id=opportunity.staff_id,
        department_id=_responsible_department(ctx, opportunity),
        status=S.OPEN.value,
        verify_due=add_working_days(cal, opened_on, days.verify_days),
        rectify_due=add_working_days(cal, opened_on, days.rectify_days),
        revisit_due=add_working_days(cal, opened_on, days.revisit_days),
    )
    ctx.session.add(followup)
    ctx.session.flush()
    data = {
        "department_code": departments.code_of(ctx, followup.department_id),
        "evaluation_id": evaluation.id,
        "opportunity_id": opportunity.id,
        "assess_number": evaluation.assess_number,
        "level": evaluation.level,
        "opened_on": opened_on.isoformat(),
        "verify_due": followup.verify_due.isoformat(),
        "rectify_due": followup.rectify_due.isoformat(),
        "revisit_due": followup.revisit_due.isoformat(),
    }
    _event(ctx, EventType.FOLLOWUP_OPENED, followup, data)
    return followup


def _responsible_department(ctx: Ctx, opportunity: EvaluationOpportunity) -> int | None:
    """The evaluated window's department (进驻部门), else the serving clerk's."""
    return departments.of_window(ctx, opportunity.window_no) or departments.of_staff(
        ctx, opportunity.staff_id
    )


def _event(ctx: Ctx, event_type: EventType, followup: Followup, data: dict[str, Any]) -> None:
    record(
        ctx,
        event_type,
        AggregateType.EVALUATION_FOLLOWUP,
        followup.id,
        {"status": followup.status, **data},
        refs={"evaluation_id": followup.evaluation_id, "opportunity_id": followup.opportunity_id},
        window_no=followup.window_no,
    )


# --- steps ------------------------------------------------------------------------------------------------


def get(ctx: Ctx, followup_id: int) -> Followup:
    followup = ctx.session.get(Followup, followup_id)
    if followup is None:
        raise NotFound("FOLLOWUP_NOT_FOUND", "没有该差评整改记录")
    return followup


def _mine(ctx: Ctx) -> ColumnElement[bool] | None:
    """Staff who are not managers see their department's, those assigned to them and those about them."""
    return departments.visible_to_staff(ctx, Followup.department_id, Followup.assignee_id, Followup.staff_id)


def readable(ctx: Ctx, followup_id: int) -> Followup:
    followup = get(ctx, followup_id)
    if not departments.may_see(ctx, followup.department_id, followup.assignee_id, followup.staff_id):
        raise Forbidden("FOLLOWUP_NOT_YOURS", "只有大厅管理员、责任部门或责任人可以查看该差评整改")
    return followup


def _authorise(ctx: Ctx, followup: Followup, step: FollowupStep) -> None:
    """Managers take every step. The responsible department's staff and the assignee work it (核实/整改/
    答复/回访). The window's department or the clerk who served may appeal (申诉); the hall's managers
    review (复核), never the side that appealed."""
    if departments.is_manager(ctx):
        return
    if step in ("verify", "rectify", "reply", "revisit") and departments.may_see(
        ctx, followup.department_id, followup.assignee_id
    ):
        return
    if step == "appeal" and departments.may_see(ctx, followup.department_id, followup.staff_id):
        return
    raise Forbidden("FOLLOWUP_NOT_YOURS", "只有大厅管理员、责任部门或责任人可以办理此步骤")


def _refusal(followup: Followup, step: FollowupStep) -> Conflict | None:
    """Why the follow-up's state does not allow `step` now (409 with the reason), or None when it does."""
    status, appeal = S(followup.status), followup.appeal_state
    if step == "review":
        if appeal == AppealState.PENDING.value:
            return None
        return Conflict("FOLLOWUP_NO_APPEAL", "没有待复核的申诉", {"appeal_state": appeal})
    if status is S.CLOSED:
        return Conflict("FOLLOWUP_CLOSED", "该差评整改已办结", {"status": status.value})
    if appeal == AppealState.PENDING.value:
        return Conflict("FOLLOWUP_APPEAL_PENDING", "申诉待复核，复核后才能继续办理", {"status": status.value})
    if status not in ALLOWED[step]:
        return Conflict(
            "FOLLOWUP_STEP_OUT_OF_ORDER",
            f"当前状态为「{STATUS_NAMES[status]}」，不能{STEP_NAMES[step]}",
            {"status": status.value, "step": step},
        )
    return _refusal_by_verification(followup, step)


def _refusal_by_verification(followup: Followup, step: FollowupStep) -> Conflict | None:
    """属实 needs 整改 before the reply; anything else has nothing to rectify; one appeal only."""
    true = followup.verify_result == VerifyResult.VERIFIED_TRUE.value
    if step == "rectify" and not true:
        return Conflict(
            "FOLLOWUP_NOTHING_TO_RECTIFY", "核实结果不属实、误评或恶意，无需整改，请直接答复办事人"
        )
    if step == "reply" and followup.status == S.VERIFIED.value and true:
        detail = {"status": followup.status, "step": "reply"}
        return Conflict("FOLLOWUP_STEP_OUT_OF_ORDER", "差评属实，须先整改再答复", detail)
    if step == "appeal" and followup.appeal_state is not None:
        return Conflict("FOLLOWUP_APPEAL_TWICE", "每个差评只能申诉一次")
    return None


def steps(followup: Followup) -> list[FollowupStep]:
    """The steps the follow-up's state allows now, in the order they are taken."""
    return [step for step in STEPS if _refusal(followup, step) is None]


def _step(ctx: Ctx, followup_id: int, step: FollowupStep) -> Followup:
    """The follow-up, when the caller may take `step` and its state allows it now; otherwise 403 or 409."""
    followup = get(ctx, followup_id)
    _authorise(ctx, followup, step)
    refusal = _refusal(followup, step)
    if refusal is not None:
        raise refusal
    return followup


def _staff(ctx: Ctx, staff_id: int | None) -> Staff | None:
    return departments.hall_staff(ctx, staff_id)


def assign(ctx: Ctx, followup_id: int, body: AssignIn) -> Followup:
    followup = _step(ctx, followup_id, "assign")
    staff = _staff(ctx, body.staff_id)
    if body.staff_id is not None and (staff is None or not staff.active):
        raise Invalid("FOLLOWUP_ASSIGNEE_UNKNOWN", "责任人不存在或已停用")
    if body.department_code is not None:
        followup.department_id = departments.active_by_code(ctx, body.department_code).id
    elif staff is not None and staff.department_id is not None:
        followup.department_id = staff.department_id
    followup.assignee_id = body.staff_id
    followup.status = S.ASSIGNED.value
    data = {
        "department_code": departments.code_of(ctx, followup.department_id),
        "department": departments.name_of(ctx, followup.department_id),
        "assignee_id": body.staff_id,
        "note": body.note,
    }
    _event(ctx, EventType.FOLLOWUP_ASSIGNED, followup, data)
    return followup


def verify(ctx: Ctx, followup_id: int, body: VerifyIn) -> Followup:
    followup = _step(ctx, followup_id, "verify")
    followup.verify_result = body.result.value
    followup.verify_note = body.note
    followup.verified_at = ctx.clock.now()
    followup.status = S.VERIFIED.value
    _event(ctx, EventType.FOLLOWUP_VERIFIED, followup, {"result": body.result.value, "note": body.note})
    return followup


def rectify(ctx: Ctx, followup_id: int, body: RectifyIn) -> Followup:
    followup = _step(ctx, followup_id, "rectify")
    followup.rectification = body.record
    followup.rectified_at = ctx.clock.now()
    followup.status = S.RECTIFIED.value
    _event(ctx, EventType.FOLLOWUP_RECTIFIED, followup, {"record": body.record})
    return followup


def reply(ctx: Ctx, followup_id: int, body: ReplyIn) -> Followup:
    followup = _step(ctx, followup_id, "reply")
    followup.reply = body.text
    followup.replied_at = ctx.clock.now()
    followup.status = S.REPLIED.value
    _event(ctx, EventType.FOLLOWUP_REPLIED, followup, {"text": body.text})
    return followup


def revisit(ctx: Ctx, followup_id: int, body: RevisitIn) -> Followup:
    followup = _step(ctx, followup_id, "revisit")
    followup.revisit_result = body.result.value
    followup.revisit_note = body.note
    followup.revisited_at = ctx.clock.now()
    followup.status = S.REVISITED.value
    _event(ctx, EventType.FOLLOWUP_REVISITED, followup, {"result": body.result.value, "note": body.note})
    return followup


def close(ctx: Ctx, followup_id: int, body: CloseIn) -> Followup:
    followup = _step(ctx, followup_id, "close")
    followup.status = S.CLOSED.value
    followup.closed_at = ctx.clock.now()
    _event(ctx, EventType.FOLLOWUP_CLOSED, followup, {"note": body.note, "excluded": False})
    return followup


def appeal(ctx: Ctx, followup_id: int, body: AppealIn) -> Followup:
    """The window's clerk (or a manager for the window's department) contests the 差评, once, before it is
    rectified; no other step until it is reviewed."""
    followup = _step(ctx, followup_id, "appeal")
    followup.appeal_state = AppealState.PENDING.value
    followup.appeal_reason = body.reason
    _event(ctx, EventType.FOLLOWUP_APPEALED, followup, {"reason": body.reason})
    return followup


def review(ctx: Ctx, followup_id: int, body: ReviewIn) -> Followup:
    """复核 (managers): UPHELD keeps the 差评 and the follow-up goes on; OVERTURNED excludes it and closes."""
    followup = get(ctx, followup_id)
    if not departments.is_manager(ctx):
        raise Forbidden("FOLLOWUP_NOT_YOURS", "只有大厅管理员可以复核申诉")
    refusal = _refusal(followup, "review")
    if refusal is not None:
        raise refusal
    followup.review_note = body.note
    if body.decision is ReviewDecision.OVERTURNED:
        followup.appeal_state = AppealState.OVERTURNED.value
        followup.excluded = True
        followup.status = S.CLOSED.value
        followup.closed_at = ctx.clock.now()
    else:
        followup.appeal_state = AppealState.UPHELD.value
    data = {"decision": body.decision.value, "note": body.note, "excluded": followup.excluded}
    _event(ctx, EventType.FOLLOWUP_REVIEWED, followup, data)
    return followup


# --- reading ----------------------------------------------------------------------------------------------


def _deadlines(ctx: Ctx, followup: Followup) -> list[Deadline]:
    """Verify is met when verified; rectify (整改并反馈) when the visitor got the reply; revisit when done."""
    today, closed = ctx.clock.today(), followup.status == S.CLOSED.value
    cal = workdays.calendar(ctx)
    steps = (
        ("verify", followup.verify_due, followup.verified_at),
        ("rectify", followup.rectify_due, followup.replied_at),
        ("revisit", followup.revisit_due, followup.revisited_at),
    )
    return [
        Deadline(
            step=step,
            due=due,
            done_at=done,
            warning="none" if done or closed else warning(cal, followup.opened_on, due, today),
        )
        for step, due, done in steps
    ]


def _worst(deadlines: list[Deadline]) -> WarningLevel:
    return max((d.warning for d in deadlines), key=SEVERITY.__getitem__, default="none")


def out(ctx: Ctx, followup: Followup) -> FollowupOut:
    evaluation = ctx.session.get(Evaluation, followup.evaluation_id)
    assert evaluation is not None
    staff, assignee = _staff(ctx, followup.staff_id), _staff(ctx, followup.assignee_id)
    deadlines = _deadlines(ctx, followup)
    status = S(followup.status)
    return FollowupOut(
        id=followup.id,
        evaluation_id=followup.evaluation_id,
        opportunity_id=followup.opportunity_id,
        assess_number=evaluation.assess_number,
        level=Level(evaluation.level),
        evaluation_text=evaluation.text,
        opened_on=followup.opened_on,
        window_no=followup.window_no,
        staff_id=followup.staff_id,
        staff_name=staff.name if staff else None,
        status=status,
        status_name=STATUS_NAMES[status],
        department_code=departments.code_of(ctx, followup.department_id),
        department=departments.name_of(ctx, followup.department_id),
        assignee_id=followup.assignee_id,
        assignee_name=assignee.name if assignee else None,
        verify_result=VerifyResult(followup.verify_result) if followup.verify_result else None,
        verify_note=followup.verify_note,
        rectification=followup.rectification,
        reply=followup.reply,
        revisit_result=RevisitResult(followup.revisit_result) if followup.revisit_result else None,
        revisit_note=followup.revisit_note,
        appeal_state=AppealState(followup.appeal_state) if followup.appeal_state else None,
        appeal_reason=followup.appeal_reason,
        review_note=followup.review_note,
        excluded=followup.excluded,
        deadlines=deadlines,
        warning=_worst(deadlines),
        closed_at=followup.closed_at,
        steps=steps(followup),
    )


@dataclass(frozen=True)
class Filters:
    status: FollowupStatus | None = None
    overdue: bool = False
    warning: WarningLevel | None = None
    window_no: int | None = None
    staff_id: int | None = None
    department_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None


LIST_LIMIT = 1000


def search(ctx: Ctx, filters: Filters) -> list[FollowupOut]:
    """Newest first; the warning filters apply to the warning as of the hall's clock now."""
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise Invalid("DATE_RANGE_INVALID", "开始日期不能晚于结束日期")
    query = select(Followup)
    mine = _mine(ctx)
    if mine is not None:
        query = query.where(mine)
    if filters.status is not None:
        query = query.where(Followup.status == filters.status.value)
    if filters.window_no is not None:
        query = query.where(Followup.window_no == filters.window_no)
    if filters.staff_id is not None:
        query = query.where(Followup.staff_id == filters.staff_id)
    if filters.department_code is not None:
        query = query.where(Followup.department_id == departments.by_code(ctx, filters.department_code).id)
    if filters.date_from is not None:
        query = query.where(Followup.opened_on >= filters.date_from)
    if filters.date_to is not None:
        query = query.where(Followup.opened_on <= filters.date_to)
    query = query.order_by(Followup.opened_on.desc(), Followup.id.desc()).limit(LIST_LIMIT)
    found = [out(ctx, f) for f in ctx.session.scalars(query)]
    if filters.overdue:
        found = [f for f in found if f.warning == "red"]
    if filters.warning is not None:
        found = [f for f in found if f.warning == filters.warning]
    return found
