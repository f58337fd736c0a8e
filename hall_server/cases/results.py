"""综合窗口出件 (results): a concluded case's result is made ready at the 综合出件 window (or to be mailed),
the applicant is notified through a notifier (adapter point); it is picked up with the ID card read at the
window, which must be the applicant's or an authorised agent's, or it is mailed (表15). Pickup and mailing
are each a service contact that opens an evaluation opportunity (出件). Every step is a `result.*` event in
the same transaction; a refused pickup is recorded in a transaction of its own (the refusal itself rolls
back). The visitor's query (case number + query password) is throttled per case number."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, or_, select

from hall_server.auth.service import password_hasher
from hall_server.cases import joint as joint_cases
from hall_server.cases.joint_models import JointCase
from hall_server.cases.models import Case
from hall_server.cases.result_models import CaseAgent, CaseQueryThrottle, CaseResult
from hall_server.cases.service import get_case
from hall_server.catalogue.service import get_matter
from hall_server.contract.cases import (
    DELIVERY_NAMES,
    STATUS_NAMES,
    AgentIn,
    CaseQueryIn,
    CaseResultOut,
    CaseStatus,
    Delivery,
    MailIn,
    PickedBy,
    PickupIn,
    PublicCaseOut,
    ResultReadyIn,
)
from hall_server.contract.evaluation import OpportunityStatus
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.idnumbers import mask_name
from hall_server.contract.privacy import mask_mobile
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from hall_server.core.tenancy import current_hall_id
from hall_server.evaluation.models import EvaluationOpportunity
from hall_server.events.service import record
from hall_server.follow.service import recent_ticket
from hall_server.halls.models import Hall
from hall_server.identity import service as identity
from hall_server.identity.crypto import encrypt
from hall_server.identity.models import Visitor
from hall_server.queueing.models import Ticket

log = logging.getLogger(__name__)

# Concluded, whatever the outcome (the back office adds DENIED / TRANSFERRED): a result (licence or decision)
CONCLUDED = frozenset({CaseStatus.CONCLUDED_APPROVED.value, CaseStatus.CONCLUDED_DENIED.value})
PICKUP_SERVICE = "出件"
RECEIVER_AAD = "case.result.receiver"
QUERY_TRIES = 5  # wrong query passwords in a row before the case number is locked
QUERY_LOCK = timedelta(minutes=15)
ADDRESS_TRIES = 20  # wrong queries from one client address (public page) before the address is locked
CASE_FOLLOW_DAYS = 90  # the follow page shows a ticket's cases this long (承诺时限 are mostly shorter)


class ResultNotifier(Protocol):
    """Adapter point: tells the applicant the result is ready (SMS gateway, 政务 app push…). Returns the
    channel used. Gets no personal data: a real adapter looks the contact up in its own trusted store."""

    def notify(self, hall_id: int, case_id: int, delivery: Delivery) -> str: ...


class OutboxNotifier:
    """The default: the `result.ready_for_pickup` event in the outbox is the notice (the platform or an
    SMS bridge downstream sends it); the log line carries only ids."""

    channel = "OUTBOX"

    def notify(self, hall_id: int, case_id: int, delivery: Delivery) -> str:
        log.info("result ready: hall %s case %s delivery %s", hall_id, case_id, delivery.value)
        return self.channel


notifier: ResultNotifier = OutboxNotifier()


class PickupRefused(Forbidden):
    """The card read matches neither the applicant nor an authorised agent."""


# --- agents ----------------------------------------------------------------------------------------------


def record_agent(ctx: Ctx, case_id: int, body: AgentIn) -> Case:
    """An authorised agent (代理人): name and number from the card, kept as a visitor (hashed, sealed)."""
    case = get_case(ctx, case_id)
    if case.status in (CaseStatus.PICKED_UP.value, CaseStatus.MAILED.value):
        raise Conflict("RESULT_DELIVERED", "该办件结果已交付，不能再登记代理人")
    checked = identity.check(body.agent, ctx.clock.today())
    if not checked.name:
        raise Invalid("AGENT_NAME_REQUIRED", "请读取或填写代理人姓名")
    visitor = identity.identify(ctx, checked)
    if visitor.id == case.applicant_id:
        raise Conflict("AGENT_IS_APPLICANT", "代理人不能是申请人本人")
    known = ctx.session.scalars(
        select(CaseAgent).where(CaseAgent.case_id == case.id, CaseAgent.visitor_id == visitor.id)
    ).first()
    if known is None:
        ctx.session.add(CaseAgent(case_id=case.id, visitor_id=visitor.id, recorded_at=ctx.clock.now()))
        ctx.session.flush()
        _event(
            ctx,
            case,
            EventType.CASE_AGENT_RECORDED,
            {"agent": {"name_masked": visitor.name_masked, "id_masked": visitor.id_masked}},
            personal={"agent": checked.number, "agent_name": checked.name},
        )
    return case


def by_number(ctx: Ctx, local_case_no: str) -> Case:
    case = ctx.session.scalars(select(Case).where(Case.local_case_no == local_case_no)).first()
    if case is None:
        raise NotFound("CASE_NOT_FOUND", "没有找到该办件，请核对办件编号")
    return case


def _agents(ctx: Ctx, case: Case) -> list[Visitor]:
    query = (
        select(Visitor)
        .join(CaseAgent, CaseAgent.visitor_id == Visitor.id)
        .where(CaseAgent.case_id == case.id)
        .order_by(CaseAgent.id)
    )
    return list(ctx.session.scalars(query))


# --- ready, pickup, mail ---------------------------------------------------------------------------------


def mark_ready(ctx: Ctx, case_id: int, body: ResultReadyIn) -> Case:
    case = get_case(ctx, case_id)
    if case.status == CaseStatus.CONCLUDED_TRANSFERRED.value:
        # 转报: the authority it went to decides and hands out the result, not this window
        target = (case.conclusion or {}).get("transfer_target") or "上级机关"
        raise Conflict("CASE_TRANSFERRED", f"该办件已转报{target}，结果由其出具，本窗口不出件")
    if case.status not in CONCLUDED:
        raise Conflict("CASE_NOT_CONCLUDED", f"该办件{_status_name(case)}，尚无结果可出件")
    channel = notifier.notify(ctx.hall_id, case.id, body.delivery)
    principal = ctx.principal
    ctx.session.add(
        CaseResult(
            case_id=case.id,
            delivery=body.delivery.value,
            ready_at=ctx.clock.now(),
            notify_channel=channel,
            staff_id=principal.staff_id if principal is not None and principal.is_staff else None,
        )
    )
    case.status = CaseStatus.RESULT_READY.value
    ctx.session.flush()
    _event(
        ctx,
        case,
        EventType.RESULT_READY_FOR_PICKUP,
        {
            "pickup_point": "WINDOW",
            "delivery": body.delivery.value,
            "notified_at": ctx.clock.local().isoformat(timespec="seconds"),
            "notify_channel": channel,
        },
    )
    return case


def check_pickup(ctx: Ctx, case_id: int, body: PickupIn) -> tuple[Case, CaseResult, Visitor, PickedBy]:
    """The card against the applicant and the agents; PickupRefused when it matches neither."""
    case, result = _ready(ctx, case_id)
    if result.delivery != Delivery.WINDOW.value:
        raise Conflict("RESULT_TO_BE_MAILED", "该办件结果选择快递寄送，不在窗口领取")
    checked = identity.check(body.card, ctx.clock.today())
    id_hash = identity.hash_of(ctx, checked.number)
    applicant = ctx.session.get(Visitor, case.applicant_id)
    assert applicant is not None
    if applicant.id_hash == id_hash:
        return case, result, applicant, PickedBy.SELF
    agent = next((a for a in _agents(ctx, case) if a.id_hash == id_hash), None)
    if agent is None:
        raise PickupRefused("PICKUP_IDENTITY_MISMATCH", "所读身份证件与申请人或授权代理人不符，不能领取")
    return case, result, agent, PickedBy.AGENT


def pick_up(ctx: Ctx, case_id: int, body: PickupIn, window_no: int | None) -> Case:
    case, result, picker, picked_by = check_pickup(ctx, case_id, body)
    result.picked_at, result.picked_by, result.picker_id = ctx.clock.now(), picked_by.value, picker.id
    result.window_no = window_no
    case.status = CaseStatus.PICKED_UP.value
    ctx.session.flush()
    _event(
        ctx,
        case,
        EventType.RESULT_PICKED_UP,
        {
            "picked_by": picked_by.value,
            "verification": "ID_CARD_READ",
            "picker_ref": identity.hash_of(ctx, identity.reveal_number(ctx, picker))[:16],
            "picked_at": ctx.clock.local().isoformat(timespec="seconds"),
        },
    )
    _open_opportunity(ctx, case, window_no)
    return case


def record_refusal(ctx: Ctx, case_id: int) -> None:
    """The trace of a refused pickup (no personal data: the card's number is not kept)."""
    case = get_case(ctx, case_id)
    _event(ctx, case, EventType.RESULT_PICKUP_REFUSED, {"reason": "PICKUP_IDENTITY_MISMATCH"})
    log.warning("pickup refused: hall %s case %s, card of neither applicant nor agent", ctx.hall_id, case.id)


def mail(ctx: Ctx, case_id: int, body: MailIn) -> Case:
    case, result = _ready(ctx, case_id)
    result.delivery = Delivery.MAIL.value
    result.carrier, result.waybill_no, result.sent_on = body.carrier, body.waybill_no, body.sent_on
    result.receiver_cipher = encrypt(ctx.keys, f"{body.receiver_name}|{body.receiver_phone}", RECEIVER_AAD)
    result.receiver_masked = f"{mask_name(body.receiver_name)} {mask_mobile(body.receiver_phone)}"
    case.status = CaseStatus.MAILED.value
    ctx.session.flush()
    _event(
        ctx,
        case,
        EventType.RESULT_MAILED,
        {
            "carrier": body.carrier,
            "waybill_no": body.waybill_no,
            "sent_at": body.sent_on.isoformat(),
            "receiver_masked": result.receiver_masked,
        },
        personal={"receiver": {"name": body.receiver_name, "mobile": body.receiver_phone}},
    )
    _open_opportunity(ctx, case, None)
    return case


def _ready(ctx: Ctx, case_id: int) -> tuple[Case, CaseResult]:
    case = get_case(ctx, case_id)
    result = _result(ctx, case)
    if case.status != CaseStatus.RESULT_READY.value or result is None:
        raise Conflict("RESULT_NOT_READY", f"该办件{_status_name(case)}，结果不在待领取状态")
    return case, result


def _result(ctx: Ctx, case: Case) -> CaseResult | None:
    return ctx.session.scalars(select(CaseResult).where(CaseResult.case_id == case.id)).first()


def _open_opportunity(ctx: Ctx, case: Case, window_no: int | None) -> None:
    """出件 is a service contact of its own (一次一评): an opportunity keyed by the case."""
    done = ctx.session.scalar(
        select(func.count(EvaluationOpportunity.id)).where(EvaluationOpportunity.case_id == case.id)
    )
    principal = ctx.principal
    opportunity = EvaluationOpportunity(
        case_id=case.id,
        service_number=(done or 0) + 1,
        service_name=PICKUP_SERVICE,
        service_date=ctx.clock.today(),
        served_at=ctx.clock.now(),
        matter_id=case.matter_id,
        window_no=window_no,
        staff_id=principal.staff_id if principal is not None and principal.is_staff else None,
        visitor_id=case.applicant_id,
        status=OpportunityStatus.OPEN.value,
    )
    ctx.session.add(opportunity)
    ctx.session.flush()
    matter = get_matter(ctx, case.matter_id)
    record(
        ctx,
        EventType.OPPORTUNITY_CREATED,
        AggregateType.EVALUATION,
        opportunity.id,
        {
            "case_no": case.local_case_no,
            "service_number": opportunity.service_number,
            "service_name": PICKUP_SERVICE,
            "service_time": ctx.clock.local().isoformat(timespec="seconds"),
            "window_no": window_no,
            "staff_id": opportunity.staff_id,
            "pro_channel": 2,  # 线下
            "pro_status": 3,
            "task_code": matter.task_code,
            "task_name": matter.name,
        },
        refs={"local_case_no": case.local_case_no},
        window_no=window_no,
    )


# --- the visitor's query (kiosk) ---------------------------------------------------------------------------


def query(ctx: Ctx, body: CaseQueryIn, *, address: str | None = None) -> PublicCaseOut | None:
    """By case number and query password; QUERY_TRIES wrong in a row lock the number for QUERY_LOCK (and,
    with `address`, ADDRESS_TRIES wrong from one client address lock that address: guessing across
    numbers). None: no such case or a wrong password, counted (the caller answers 404 after the commit)."""
    now = ctx.clock.now()
    keys = [body.local_case_no] + ([_address_key(address)] if address else [])
    throttles = {
        key: _throttle(ctx, key, QUERY_TRIES if key == body.local_case_no else ADDRESS_TRIES, now)
        for key in keys
    }
    number = body.local_case_no  # the hall's number or the platform's
    found: Case | JointCase | None = ctx.session.scalars(
        select(Case).where(or_(Case.local_case_no == number, Case.platform_case_no == number))
    ).first()
    if found is None:
        found = ctx.session.scalars(select(JointCase).where(JointCase.local_case_no == number)).first()
    if found is None or not _password_ok(ctx, found, body.query_password):
        for key, throttle in throttles.items():
            _failed(ctx, throttle, key, now)
        return None
    if (throttle := throttles[body.local_case_no]) is not None:
        ctx.session.delete(throttle)
    return public_joint_case(ctx, found) if isinstance(found, JointCase) else public_case(ctx, found)


def public_query(ctx: Ctx, body: CaseQueryIn, address: str | None) -> PublicCaseOut | None:
    """The case progress page (/c/{number}, no sign-in): the hall is the one whose code the number starts
    with (standards.md §3.3: {hall code}-{yyyyMMdd}-{seq}), or for the platform's number (PROJID) the hall
    of the case that has it (one unique-index lookup); then the kiosk's query and its throttle."""
    hall_code = body.local_case_no.rsplit("-", 2)[0]
    hall_id = ctx.session.scalar(select(Hall.id).where(Hall.code == hall_code))
    if hall_id is None:
        platform_no = select(Case.hall_id).where(Case.platform_case_no == body.local_case_no)
        hall_id = ctx.session.scalar(platform_no.execution_options(all_halls=True))
    if hall_id is not None:
        ctx.enter_hall(hall_id)
    elif current_hall_id(ctx.session, required=False) is None:
        return None  # names no hall of this deployment: nothing to find, nothing to count
    return query(ctx, body, address=address)


def _address_key(address: str) -> str:
    return f"@{address}"[:50]


def _throttle(ctx: Ctx, key: str, tries: int, now: datetime) -> CaseQueryThrottle | None:
    """The key's throttle row; CASE_QUERY_LOCKED while it is locked."""
    throttle = ctx.session.scalars(
        select(CaseQueryThrottle).where(CaseQueryThrottle.local_case_no == key)
    ).first()
    if throttle is not None and throttle.failures >= tries:
        wait = throttle.last_failed_at + QUERY_LOCK - now
        if wait > timedelta(0):
            minutes = math.ceil(wait.total_seconds() / 60)
            raise TooMany(
                "CASE_QUERY_LOCKED",
                f"查询密码错误次数过多，请{minutes}分钟后再试，或到综合窗口查询",
                retry_after=int(wait.total_seconds()) + 1,
            )
        throttle.failures = 0  # the lock is over: counting starts again
    return throttle


def _password_ok(ctx: Ctx, case: Case | JointCase, password: str) -> bool:
    if case.query_password_hash is None:
        return False
    try:
        return bool(password_hasher(ctx).verify(case.query_password_hash, password))
    except Exception:  # argon2's VerifyMismatchError and its kin: a wrong password
        return False


def _failed(ctx: Ctx, throttle: CaseQueryThrottle | None, key: str, now: datetime) -> None:
    if throttle is None:
        ctx.session.add(CaseQueryThrottle(local_case_no=key, failures=1, last_failed_at=now))
    else:
        throttle.failures += 1
        throttle.last_failed_at = now


def public_case(ctx: Ctx, case: Case) -> PublicCaseOut:
    result = _result(ctx, case)
    delivery = Delivery(result.delivery) if result is not None else None
    return PublicCaseOut(
        local_case_no=case.local_case_no or "",
        platform_case_no=case.platform_case_no,
        matter_name=get_matter(ctx, case.matter_id).name,
        status=CaseStatus(case.status),
        status_name=_status_name(case),
        promised_date=case.promised_date,
        delivery_name=DELIVERY_NAMES[delivery] if delivery is not None else None,
        carrier=result.carrier if result is not None else None,
        waybill_no=result.waybill_no if result is not None else None,
    )


def public_joint_case(ctx: Ctx, joint: JointCase) -> PublicCaseOut:
    """A 一件事 as the visitor sees it: the overall state (the slowest member's) in the contract's words,
    the joint promised date, and each member matter's own case and state."""
    children = joint_cases.children_of(ctx, joint)
    status = joint_cases.overall(joint, children)
    return PublicCaseOut(
        local_case_no=joint.local_case_no or "",
        matter_name=joint.name,
        status=status,
        status_name=STATUS_NAMES[status],
        promised_date=joint.promised_date,
        delivery_name=None,
        carrier=None,
        waybill_no=None,
        members=[public_case(ctx, child) for child in children],
    )


def follow_cases(ctx: Ctx, code: str) -> list[PublicCaseOut]:
    """The accepted cases opened from the ticket of a follow code, for the follow page."""
    missing = NotFound("TICKET_NOT_FOUND", "没有找到该号票，或已超过查询期限")
    ticket = recent_ticket(ctx, code, CASE_FOLLOW_DAYS, missing)
    query = select(Case).where(Case.ticket_id == ticket.id, Case.local_case_no.is_not(None)).order_by(Case.id)
    return [public_case(ctx, case) for case in ctx.session.scalars(query)]


# --- answers and events ------------------------------------------------------------------------------------


def _status_name(case: Case) -> str:
    try:
        return STATUS_NAMES[CaseStatus(case.status)]
    except (ValueError, KeyError):
        return case.status


def result_out(ctx: Ctx, case: Case) -> CaseResultOut:
    result = _result(ctx, case)
    delivery = Delivery(result.delivery) if result is not None else None
    agents = [identity.masked(agent) for agent in _agents(ctx, case)]
    return CaseResultOut(
        case_id=case.id,
        local_case_no=case.local_case_no,
        status=CaseStatus(case.status),
        status_name=_status_name(case),
        delivery=delivery,
        delivery_name=DELIVERY_NAMES[delivery] if delivery is not None else None,
        agents=[a for a in agents if a is not None],
        ready_at=result.ready_at if result else None,
        picked_at=result.picked_at if result else None,
        picked_by=PickedBy(result.picked_by) if result and result.picked_by else None,
        carrier=result.carrier if result else None,
        waybill_no=result.waybill_no if result else None,
        sent_on=result.sent_on if result else None,
        receiver_masked=result.receiver_masked if result else None,
    )


def _event(
    ctx: Ctx,
    case: Case,
    event_type: EventType,
    data: dict[str, Any],
    *,
    personal: dict[str, Any] | None = None,
) -> None:
    ticket = ctx.session.get(Ticket, case.ticket_id) if case.ticket_id is not None else None
    refs: dict[str, Any] = {"local_case_no": case.local_case_no}
    if ticket is not None:
        refs |= {"ticket": ticket.number, "ticket_id": ticket.id}
    record(
        ctx,
        event_type,
        AggregateType.CASE,
        case.id,
        {"status": case.status, **data},
        refs=refs,
        window_no=case.window_no,
        personal=personal,
    )
