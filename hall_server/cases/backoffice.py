"""办件 back office (后台分类审批): the department's queue by urgency, the steps 承办 / 审核 / 批准 with their
opinions, 退回窗口补正, special procedures that stop the clock (听证、公示、现场核查…), and the conclusion
(准予 with the certificate, 不予许可, 转报). Time limits are working days of the hall's calendar; a case is
yellow with at most `case_yellow_days` working days left and red once its promised date is past (电子监察).
Every change is a `case.*` event in the same transaction (standards.md §3.1 表7/表8, §3.2, §7.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, func, or_, select, tuple_

from hall_server.auth.models import Staff
from hall_server.cases import certid
from hall_server.cases.models import IN_BACK_OFFICE, Case, CaseSpecial, CaseStep
from hall_server.cases.service import _event, case_out, get_case
from hall_server.catalogue.models import Matter
from hall_server.contract.cases import (
    BACK_OFFICE_STATES,
    PHASE_NAMES,
    SPECIAL_NAMES,
    STATUS_NAMES,
    WARNING_NAMES,
    BackofficeCaseOut,
    CaseStatus,
    CaseStepOut,
    ConcludeIn,
    Outcome,
    QueueItemOut,
    QueuePage,
    ReturnForCorrectionIn,
    SpecialEndIn,
    SpecialKind,
    SpecialProcedureOut,
    SpecialStartIn,
    StepAction,
    StepIn,
    StepPhase,
    StepResult,
    Warning,
)
from hall_server.contract.events import EventType
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Forbidden, Invalid
from hall_server.departments import service as departments
from hall_server.identity.models import Visitor
from hall_server.workdays import service as workdays
from hall_server.workdays.calendar import WorkCalendar, add_working_days
from hall_server.workdays.deadline import working_days_between

PHASES = list(StepPhase)
OPEN = tuple(s.value for s in BACK_OFFICE_STATES)
OUTCOME_STATUS = {
    Outcome.APPROVED: CaseStatus.CONCLUDED_APPROVED,
    Outcome.DENIED: CaseStatus.CONCLUDED_DENIED,
    Outcome.TRANSFERRED: CaseStatus.CONCLUDED_TRANSFERRED,
}
PAGE_MAX = 200
# typed as a condition for the query builders; the text itself matches the partial index's
IN_QUEUE = cast(ColumnElement[bool], IN_BACK_OFFICE)


# --- routing: which department handles a case -------------------------------------------------------------


def _my_department(ctx: Ctx) -> int | None:
    """None for managers (every department); the back-office member's own department otherwise."""
    if departments.is_manager(ctx):
        return None
    mine = departments.of_staff(ctx, ctx.principal.staff_id if ctx.principal else None)
    if mine is None:
        raise Forbidden("NO_DEPARTMENT", "您尚未加入任何部门，不能办理办件")
    return mine


def _case_of_mine(ctx: Ctx, case_id: int) -> Case:
    case = get_case(ctx, case_id)
    mine = _my_department(ctx)
    if mine is not None and case.department_id != mine:
        raise Forbidden("CASE_OTHER_DEPARTMENT", "该办件不属于您所在的部门")
    return case


def _in_back_office(ctx: Ctx, case_id: int, *, suspended_ok: bool = False) -> Case:
    case = _case_of_mine(ctx, case_id)
    if case.status not in OPEN:
        name = STATUS_NAMES[CaseStatus(case.status)]
        raise Conflict("CASE_NOT_IN_BACK_OFFICE", f"该办件{name}，不在后台办理中", {"status": case.status})
    if case.status == CaseStatus.SUSPENDED.value and not suspended_ok:
        raise Conflict("CASE_SUSPENDED", "该办件处于特别程序中（暂停计时），请先结束特别程序")
    return case


# --- time limits ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clockface:
    """What the time limits look like today: the calendar, today, and the yellow line."""

    calendar: WorkCalendar
    today: date
    yellow_days: int

    def left(self, deadline: date | None, as_of: date | None = None) -> int | None:
        """Working days left to the deadline (negative: working days overdue)."""
        if deadline is None:
            return None
        return _left(self.calendar, as_of or self.today, deadline)

    def warning(self, promised_left: int | None, suspended: bool) -> Warning:
        if promised_left is None or suspended:
            return Warning.NONE  # the clock is stopped
        if promised_left < 0:
            return Warning.RED
        return Warning.YELLOW if promised_left <= self.yellow_days else Warning.NONE

    def yellow_until(self) -> date:
        """Promised dates before this day are yellow (or red once past)."""
        return add_working_days(self.calendar, self.today, self.yellow_days + 1)


@lru_cache(maxsize=4096)
def _left(calendar: WorkCalendar, day: date, deadline: date) -> int:
    if deadline >= day:
        return working_days_between(calendar, day, deadline)
    return -max(1, working_days_between(calendar, deadline, day))


def clockface(ctx: Ctx) -> Clockface:
    return Clockface(workdays.calendar(ctx), ctx.clock.today(), ctx.settings.case_yellow_days)


def _local_day(ctx: Ctx, moment: datetime) -> date:
    return ctx.clock.local(moment).date()


# --- the queue --------------------------------------------------------------------------------------------


def queue(
    ctx: Ctx,
    *,
    status: CaseStatus | None = None,
    warning: Warning | None = None,
    department_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
    after: str | None = None,
) -> QueuePage:
    """The department's open cases, most urgent (earliest promised date) first, a page at a time: by
    `offset`, or after the cursor `next_after` of the page before (which does not walk the rows before it,
    so the hundredth page costs what the first does)."""
    face = clockface(ctx)
    where = _queue_filter(ctx, status, warning, department_code, face)
    total = ctx.session.scalar(select(func.count(Case.id)).where(*where)) or 0
    if after is not None:
        if offset:
            raise Invalid("QUEUE_CURSOR_WITH_OFFSET", "翻页时请只用游标或偏移量之一")
        where.append(tuple_(Case.promised_date, Case.id) > tuple_(*_cursor(after)))
    page = min(limit, PAGE_MAX)
    rows = ctx.session.execute(
        select(
            Case.id,
            Case.local_case_no,
            Case.status,
            Case.accepted_at,
            Case.promised_date,
            Case.legal_date,
            Matter.name,
            Visitor.name_masked,
        )
        .join(Matter, Matter.id == Case.matter_id)
        .join(Visitor, Visitor.id == Case.applicant_id)
        .where(*where)
        .order_by(Case.promised_date.asc(), Case.id.asc())
        .offset(offset)
        .limit(page)
    ).all()
    ids = [row.id for row in rows]
    phases = _next_phases(ctx, ids)
    frozen = _suspended_since(ctx, ids)
    items = [_item(face, row, phases.get(row.id, StepPhase.UNDERTAKE), frozen.get(row.id)) for row in rows]
    last = rows[-1] if len(rows) == page else None
    next_after = f"{last.promised_date.isoformat()}.{last.id}" if last and last.promised_date else None
    return QueuePage(items=items, total=total, offset=offset, limit=page, next_after=next_after)


def _cursor(after: str) -> tuple[date, int]:
    """`YYYY-MM-DD.ID`: the promised date and id of the last case of the page before."""
    day, _, case_id = after.partition(".")
    try:
        return date.fromisoformat(day), int(case_id)
    except ValueError as exc:
        raise Invalid("QUEUE_CURSOR_INVALID", "翻页游标无效，请从第一页重新查看") from exc


def _queue_filter(
    ctx: Ctx,
    status: CaseStatus | None,
    warning: Warning | None,
    department_code: str | None,
    face: Clockface,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    mine = _my_department(ctx)
    if mine is None and department_code:
        mine = departments.by_code(ctx, department_code).id
    if mine is not None:
        where.append(Case.department_id == mine)
    if status is not None:
        if status not in BACK_OFFICE_STATES:
            message = "只能按后台办理中的状态筛选（已受理、办理中、特别程序中）"
            raise Invalid("STATUS_NOT_IN_BACK_OFFICE", message)
        where.append(Case.status == status.value)
    where.append(IN_QUEUE)  # as the partial index says it
    if warning is Warning.RED:
        where += [Case.status != CaseStatus.SUSPENDED.value, Case.promised_date < face.today]
    elif warning is Warning.YELLOW:
        where += [
            Case.status != CaseStatus.SUSPENDED.value,
            Case.promised_date >= face.today,
            Case.promised_date < face.yellow_until(),
        ]
    elif warning is Warning.NONE:
        where.append(
            or_(Case.status == CaseStatus.SUSPENDED.value, Case.promised_date >= face.yellow_until())
        )
    return where


def _item(face: Clockface, row: Any, next_phase: StepPhase | None, as_of: date | None) -> QueueItemOut:
    promised_left = face.left(row.promised_date, as_of)
    warn = face.warning(promised_left, as_of is not None)
    status = CaseStatus(row.status)
    return QueueItemOut(
        id=row.id,
        local_case_no=row.local_case_no,
        matter_name=row.name,
        applicant_name=row.name_masked or "",
        status=status,
        status_name=STATUS_NAMES[status],
        accepted_at=row.accepted_at,
        promised_date=row.promised_date,
        legal_date=row.legal_date,
        promised_left=promised_left,
        legal_left=face.left(row.legal_date, as_of),
        warning=warn,
        warning_name=WARNING_NAMES[warn],
        next_phase=next_phase,
    )


def _next_phases(ctx: Ctx, case_ids: list[int]) -> dict[int, StepPhase | None]:
    if not case_ids:
        return {}
    steps: dict[int, list[Any]] = {}
    for step in ctx.session.execute(
        select(CaseStep.case_id, CaseStep.phase, CaseStep.action)
        .where(CaseStep.case_id.in_(case_ids))
        .order_by(CaseStep.case_id, CaseStep.sn)
    ):
        steps.setdefault(step.case_id, []).append(step)
    return {case_id: next_phase(found) for case_id, found in steps.items()}


def _suspended_since(ctx: Ctx, case_ids: list[int]) -> dict[int, date]:
    if not case_ids:
        return {}
    rows = ctx.session.execute(
        select(CaseSpecial.case_id, CaseSpecial.started_at).where(
            CaseSpecial.case_id.in_(case_ids), CaseSpecial.ended_at.is_(None)
        )
    )
    return {case_id: _local_day(ctx, started) for case_id, started in rows}


def next_phase(steps: list[Any]) -> StepPhase | None:
    """The step due: 承办 first; a pass moves on, a return goes back one; None once 批准 has passed."""
    due: StepPhase | None = StepPhase.UNDERTAKE
    for step in steps:
        index = PHASES.index(StepPhase(step.phase))
        if step.action == StepAction.WINDOW.value:
            due = StepPhase.UNDERTAKE  # back from 补正 at the window: the materials are examined again
        elif step.action == StepAction.PASS.value:
            due = PHASES[index + 1] if index + 1 < len(PHASES) else None
        else:
            due = PHASES[max(index - 1, 0)]
    return due


# --- steps ------------------------------------------------------------------------------------------------


def _steps(ctx: Ctx, case_id: int) -> list[CaseStep]:
    return list(
        ctx.session.scalars(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.sn))
    )


def _specials(ctx: Ctx, case_id: int) -> list[CaseSpecial]:
    query = select(CaseSpecial).where(CaseSpecial.case_id == case_id).order_by(CaseSpecial.id)
    return list(ctx.session.scalars(query))


def _handler(ctx: Ctx) -> tuple[int | None, str]:
    principal = ctx.principal
    staff = ctx.session.get(Staff, principal.staff_id) if principal and principal.staff_id else None
    return (staff.id, staff.name) if staff else (None, "系统")


def complete_step(ctx: Ctx, case_id: int, body: StepIn) -> Case:
    """承办 / 审核 / 批准 in order, each with its opinion (表7); a return sends the case back one step."""
    case = _in_back_office(ctx, case_id)
    steps = _steps(ctx, case.id)
    due = next_phase(steps)
    if due is None:
        raise Conflict("STEPS_DONE", "批准环节已完成，请办结该办件")
    if body.phase is not due:
        raise Conflict("STEP_OUT_OF_ORDER", f"当前应办理{PHASE_NAMES[due]}环节", {"due": due.value})
    if body.action is StepAction.WINDOW:
        raise Invalid("STEP_ACTION_INVALID", "退回窗口补正请使用“退回补正”，并列明需补正的材料")
    if body.action is StepAction.RETURN and body.phase is StepPhase.UNDERTAKE:
        raise Conflict("STEP_CANNOT_RETURN", "承办环节不能退回上一环节；材料不全请退回窗口补正")
    handler_id, handler_name = _handler(ctx)
    now = ctx.clock.now()
    step = CaseStep(
        case_id=case.id,
        sn=len(steps) + 1,
        phase=body.phase.value,
        action=body.action.value,
        result=body.result.value,
        opinion=body.opinion,
        handler_id=handler_id,
        handler_name=handler_name,
        started_at=_step_start(ctx, case, steps),
        ended_at=now,
    )
    ctx.session.add(step)
    case.status = CaseStatus.IN_PROGRESS.value
    ctx.session.flush()
    _event(ctx, case, EventType.CASE_STEP_COMPLETED, _step_data(step, case))
    return case


def _step_start(ctx: Ctx, case: Case, steps: list[CaseStep]) -> datetime:
    """A step starts when the one before ended (or the case was accepted, or a special procedure ended)."""
    moments = [case.accepted_at or case.opened_at]
    moments += [s.ended_at for s in steps]
    moments += [s.ended_at for s in _specials(ctx, case.id) if s.ended_at is not None]
    return max(moments)


def _step_data(step: CaseStep, case: Case) -> dict[str, Any]:
    return {
        "local_case_no": case.local_case_no,
        "sn": step.sn,
        "node_name": PHASE_NAMES[StepPhase(step.phase)],
        "phase": step.phase,
        "action": step.action,
        "result": step.result,
        "opinion": step.opinion,
        "handler": {"id": step.handler_id, "name": step.handler_name},
        "started_at": step.started_at.isoformat(),
        "ended_at": step.ended_at.isoformat(),
    }


def return_for_correction(ctx: Ctx, case_id: int, body: ReturnForCorrectionIn) -> Case:
    """退回窗口补正: the case waits at the window (补齐补正) for the listed materials."""
    case = _in_back_office(ctx, case_id)
    steps = _steps(ctx, case.id)
    handler_id, handler_name = _handler(ctx)
    # the return is a step of its own (表7 退回): once accepted again, the case starts at 承办
    step = CaseStep(
        case_id=case.id,
        sn=len(steps) + 1,
        phase=(next_phase(steps) or StepPhase.APPROVE).value,
        action=StepAction.WINDOW.value,
        result=StepResult.DISAGREE.value,
        opinion=body.opinion,
        handler_id=handler_id,
        handler_name=handler_name,
        started_at=_step_start(ctx, case, steps),
        ended_at=ctx.clock.now(),
    )
    ctx.session.add(step)
    case.status = CaseStatus.CORRECTION_REQUIRED.value
    missing = [line.strip() for line in body.missing.splitlines() if line.strip()]
    case.reason = "；".join(missing)
    ctx.session.flush()
    _event(
        ctx,
        case,
        EventType.CASE_RETURNED_FOR_CORRECTION,
        {
            "local_case_no": case.local_case_no,
            "sn": step.sn,
            "missing": missing,
            "opinion": body.opinion,
            "handler": {"id": handler_id, "name": handler_name},
            "action": StepAction.RETURN.value,
        },
    )
    return case


# --- special procedures -----------------------------------------------------------------------------------


def start_special(ctx: Ctx, case_id: int, body: SpecialStartIn) -> Case:
    """特别程序 begins: the clock stops until it ends."""
    case = _in_back_office(ctx, case_id)
    special = CaseSpecial(
        case_id=case.id,
        kind=body.kind.value,
        reason_basis=body.reason_basis,
        expected_days=body.expected_days,
        started_at=ctx.clock.now(),
    )
    ctx.session.add(special)
    case.status = CaseStatus.SUSPENDED.value
    ctx.session.flush()
    handler_id, handler_name = _handler(ctx)
    _event(
        ctx,
        case,
        EventType.CASE_SPECIAL_PROCEDURE_STARTED,
        {
            "local_case_no": case.local_case_no,
            "kind": special.kind,
            "kind_name": SPECIAL_NAMES[body.kind],
            "special_sn": len(_specials(ctx, case.id)),  # the procedure's number in this case
            "reason_basis": special.reason_basis,
            "expected_days": special.expected_days,
            "started_at": special.started_at.isoformat(),
            "requested_by": {"id": handler_id, "name": handler_name},
        },
    )
    return case


def end_special(ctx: Ctx, case_id: int, body: SpecialEndIn) -> Case:
    """特别程序 ends with its result; the promised and legal dates move by the working days it took."""
    case = _in_back_office(ctx, case_id, suspended_ok=True)
    special = next((s for s in _specials(ctx, case.id) if s.ended_at is None), None)
    if special is None:
        raise Conflict("NO_SPECIAL_PROCEDURE", "该办件没有进行中的特别程序")
    face = clockface(ctx)
    now = ctx.clock.now()
    spent = working_days_between(face.calendar, _local_day(ctx, special.started_at), face.today)
    special.ended_at, special.result, special.opinion, special.working_days = (
        now,
        body.result,
        body.opinion,
        spent,
    )
    if case.promised_date is not None:
        case.promised_date = add_working_days(face.calendar, case.promised_date, spent)
    if case.legal_date is not None:
        case.legal_date = add_working_days(face.calendar, case.legal_date, spent)
    case.status = (CaseStatus.IN_PROGRESS if _steps(ctx, case.id) else CaseStatus.ACCEPTED).value
    ctx.session.flush()
    _event(
        ctx,
        case,
        EventType.CASE_SPECIAL_PROCEDURE_ENDED,
        {
            "local_case_no": case.local_case_no,
            "kind": special.kind,
            "kind_name": SPECIAL_NAMES[SpecialKind(special.kind)],
            "special_sn": [s.id for s in _specials(ctx, case.id)].index(special.id) + 1,
            "reason_basis": special.reason_basis,
            "started_at": special.started_at.isoformat(),
            "ended_at": now.isoformat(),
            "result": special.result,
            "opinion": special.opinion,
            "working_days": spent,
            "promised_date": case.promised_date.isoformat() if case.promised_date else None,
            "legal_date": case.legal_date.isoformat() if case.legal_date else None,
        },
    )
    return case


# --- conclusion -------------------------------------------------------------------------------------------


def conclude(ctx: Ctx, case_id: int, body: ConcludeIn) -> Case:
    """办结 (表8): 准予 with the certificate (its identifier checked), 不予许可 with the reason, 转报 with the
    target. 准予 and 不予许可 come after 批准; 转报 at any step."""
    case = _in_back_office(ctx, case_id)
    _check_conclusion(body)
    if body.outcome is not Outcome.TRANSFERRED and next_phase(_steps(ctx, case.id)) is not None:
        raise Conflict("APPROVAL_PENDING", "批准环节尚未完成，不能办结")
    _handler_id, handler_name = _handler(ctx)
    now = ctx.clock.now()
    conclusion = {
        "outcome": body.outcome.value,
        "description": body.description,
        "decision_doc_no": body.decision_doc_no,
        "reason": body.reason or None,
        "transfer_target": body.transfer_target or None,
        "certificate": body.certificate.model_dump(mode="json") if body.certificate else None,
        "concluded_by": handler_name,
    }
    case.status = OUTCOME_STATUS[body.outcome].value
    case.concluded_at, case.conclusion = now, conclusion
    if body.outcome is Outcome.DENIED:
        case.reason = body.reason
    ctx.session.flush()
    _event(
        ctx,
        case,
        EventType.CASE_CONCLUDED,
        {"local_case_no": case.local_case_no, **conclusion, "concluded_at": now.isoformat()},
    )
    return case


def _check_conclusion(body: ConcludeIn) -> None:
    if body.outcome is Outcome.DENIED and not body.reason:
        raise Invalid("DENIAL_REASON_REQUIRED", "不予许可须写明理由")
    if body.outcome is Outcome.TRANSFERRED and not body.transfer_target:
        raise Invalid("TRANSFER_TARGET_REQUIRED", "转报须写明报送的机关")
    certificate = body.certificate
    if certificate is not None and certificate.identifier:
        problem = certid.problem(certificate.identifier)
        if problem is not None:
            raise Invalid("CERT_IDENTIFIER_INVALID", problem, {"identifier": certificate.identifier})


# --- the case as the back office sees it ------------------------------------------------------------------


def detail(ctx: Ctx, case_id: int) -> BackofficeCaseOut:
    case = _case_of_mine(ctx, case_id)
    return detail_out(ctx, case)


def detail_out(ctx: Ctx, case: Case) -> BackofficeCaseOut:
    face = clockface(ctx)
    steps, specials = _steps(ctx, case.id), _specials(ctx, case.id)
    open_special = next((s for s in specials if s.ended_at is None), None)
    as_of = _local_day(ctx, open_special.started_at) if open_special else None
    open_case = case.status in OPEN
    promised_left = face.left(case.promised_date, as_of) if open_case else None
    warn = face.warning(promised_left, open_special is not None)
    return BackofficeCaseOut(
        case=case_out(ctx, case),
        department_name=departments.name_of(ctx, case.department_id),
        promised_left=promised_left,
        legal_left=face.left(case.legal_date, as_of) if open_case else None,
        warning=warn,
        warning_name=WARNING_NAMES[warn],
        next_phase=next_phase(steps) if open_case else None,
        steps=[_step_out(s) for s in steps],
        special_procedures=[_special_out(s) for s in specials],
        conclusion=case.conclusion,
    )


def _step_out(step: CaseStep) -> CaseStepOut:
    phase = StepPhase(step.phase)
    return CaseStepOut(
        sn=step.sn,
        phase=phase,
        phase_name=PHASE_NAMES[phase],
        action=StepAction(step.action),
        result=StepResult(step.result),
        opinion=step.opinion,
        handler_name=step.handler_name,
        started_at=step.started_at,
        ended_at=step.ended_at,
    )


def _special_out(special: CaseSpecial) -> SpecialProcedureOut:
    kind = SpecialKind(special.kind)
    return SpecialProcedureOut(
        id=special.id,
        kind=kind,
        kind_name=SPECIAL_NAMES[kind],
        reason_basis=special.reason_basis,
        expected_days=special.expected_days,
        started_at=special.started_at,
        ended_at=special.ended_at,
        result=special.result,
        working_days=special.working_days,
    )


# --- 电子监察: warnings raised to the department and the managers (alerts) ---------------------------------


@dataclass(frozen=True)
class DepartmentWarnings:
    department_id: int | None
    department_name: str
    red: int  # overdue
    yellow: int  # at most `case_yellow_days` working days left
    oldest_red: date | None  # the earliest promised date passed


def department_warnings(ctx: Ctx) -> list[DepartmentWarnings]:
    """Per department, the open cases overdue and those about to be (one grouped query each)."""
    face = clockface(ctx)
    running = [IN_QUEUE, Case.status != CaseStatus.SUSPENDED.value]
    red = ctx.session.execute(
        select(Case.department_id, func.count(Case.id), func.min(Case.promised_date))
        .where(*running, Case.promised_date < face.today)
        .group_by(Case.department_id)
    ).all()
    yellow = ctx.session.execute(
        select(Case.department_id, func.count(Case.id))
        .where(*running, Case.promised_date >= face.today, Case.promised_date < face.yellow_until())
        .group_by(Case.department_id)
    ).all()
    counts: dict[int | None, list[Any]] = {}
    for department_id, count, oldest in red:
        counts[department_id] = [count, 0, oldest]
    for department_id, count in yellow:
        counts.setdefault(department_id, [0, 0, None])[1] = count
    return [
        DepartmentWarnings(
            department_id, departments.name_of(ctx, department_id) or "未分派部门", r, y, oldest
        )
        for department_id, (r, y, oldest) in sorted(counts.items(), key=lambda kv: kv[0] or 0)
    ]
