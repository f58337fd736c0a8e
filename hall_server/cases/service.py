"""办件 intake rules (前台综合受理): open from the ticket being served with the form prefilled (R6) and the
checklist with reusable materials marked 无需提交; receive; accept (case number, query password, promised
and legal dates in working days), give the one-time notice (补齐补正), or refuse (不予受理). Every step is a
`case.*` event in the same transaction; the application's personal data travels only in `protected`."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from hall_server.auth.service import password_hasher
from hall_server.cases.attachment_models import CaseAttachment
from hall_server.cases.joint_models import JointCase
from hall_server.cases.models import Case, CaseCounter, CaseMaterial
from hall_server.catalogue.models import Matter
from hall_server.catalogue.service import get_matter, offered
from hall_server.contract.base import DB_ID_MAX
from hall_server.contract.cases import (
    CARD_FIELDS,
    FORM_FIELDS,
    MATERIAL_STATE_NAMES,
    STATUS_NAMES,
    AcceptedOut,
    AttachmentOut,
    CaseMaterialOut,
    CaseOpenIn,
    CaseOut,
    CaseStatus,
    CaseType,
    FormFieldOut,
    FormSource,
    FormValues,
    MaterialsIn,
    MaterialState,
    NotAcceptedIn,
    QueryPasswordOut,
)
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.idnumbers import mask_name
from hall_server.contract.privacy import mask_number
from hall_server.core.context import Ctx
from hall_server.core.db import upsert_statement
from hall_server.core.errors import Conflict, Invalid, NotFound
from hall_server.departments.models import Department
from hall_server.departments.service import of_window
from hall_server.events.service import record
from hall_server.halls.service import current_hall
from hall_server.identity import service as identity
from hall_server.identity.crypto import decrypt, encrypt
from hall_server.identity.models import Visitor
from hall_server.queueing.models import Ticket
from hall_server.workdays import service as workdays
from hall_server.workdays.calendar import add_working_days

FORM_AAD = "case.form"
OPEN_STATES = (CaseStatus.SUBMITTED.value, CaseStatus.CORRECTION_REQUIRED.value)
NO_SUBMISSION = (MaterialState.REUSED.value, MaterialState.SHARED.value)
SHARING_SOURCE = "数据共享"
EARLIER_CASES = 50  # earlier cases of the applicant read for reuse and prefill


# --- opening ----------------------------------------------------------------------------------------------


def open_case(ctx: Ctx, body: CaseOpenIn, joint: JointCase | None = None) -> Case:
    """One case; `joint`: a child of that 一件事 (its events carry the joint case's correlation id)."""
    matter = offered(ctx, body.matter_id).matter  # a matter this hall handles (R3: the shared catalogue)
    checked = identity.check(body.applicant, ctx.clock.today())
    applicant = identity.identify(ctx, checked)
    ticket = ticket_of(ctx, body.ticket_id) if body.ticket_id is not None else None
    form, sources = _prefill(ctx, checked.name, checked.number, applicant.id)
    principal = ctx.principal
    case = Case(
        status=CaseStatus.SUBMITTED.value,
        matter_id=matter.id,
        case_type=_case_type(matter).value,
        ticket_id=ticket.id if ticket is not None else None,
        applicant_id=applicant.id,
        form_cipher=_seal_form(ctx, form),
        form_sources=sources,
        staff_id=principal.staff_id if principal is not None and principal.is_staff else None,
        window_no=ticket.window.number if ticket is not None and ticket.window is not None else None,
        opened_at=ctx.clock.now(),
        materials=_checklist(ctx, matter, applicant.id),
        joint_case_id=joint.id if joint is not None else None,
    )
    ctx.session.add(case)
    ctx.session.flush()
    reuse = reuse_sources(ctx, case)
    reused = [
        {"material": line.name, "state": line.state, "from": reuse.get(line.id)}
        for line in case.materials
        if line.state in NO_SUBMISSION
    ]
    _event(
        ctx,
        case,
        EventType.CASE_SUBMITTED,
        {"matter": matter.catalog_code, "case_type": case.case_type, "reused": reused},
        new=True,
        personal={"applicant": checked.number, "applicant_name": checked.name},
    )
    return case


def _case_type(matter: Matter) -> CaseType:
    return CaseType.INSTANT if matter.case_type == CaseType.INSTANT.value else CaseType.PROMISED


def ticket_of(ctx: Ctx, ticket_id: int) -> Ticket:
    ticket = ctx.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound("TICKET_NOT_FOUND", "没有找到该号票")
    return ticket


def _earlier_forms(ctx: Ctx, applicant_id: int) -> list[bytes]:
    """The sealed forms of the applicant's latest cases in this hall, newest first (opened only as far as
    needed)."""
    query = (
        select(Case.form_cipher)
        .where(Case.applicant_id == applicant_id)
        .order_by(Case.id.desc())
        .limit(EARLIER_CASES)
    )
    return list(ctx.session.scalars(query))


def _prefill(
    ctx: Ctx, name: str | None, number: str, applicant_id: int
) -> tuple[dict[str, str | None], dict[str, str]]:
    """The form from the card (name, ID number) and, for the other fields, the latest earlier case that
    has them: nothing asked twice."""
    form: dict[str, str | None] = dict.fromkeys(FORM_FIELDS)
    sources: dict[str, str] = {}
    form["applicant_id"], sources["applicant_id"] = number, FormSource.CARD.value
    if name:
        form["applicant_name"], sources["applicant_name"] = name, FormSource.CARD.value
    wanted = set(FORM_FIELDS) - CARD_FIELDS
    for sealed in _earlier_forms(ctx, applicant_id):
        if not wanted:
            break
        values = _unseal_form(ctx, sealed)
        for key in [k for k in wanted if values.get(k)]:
            form[key], sources[key] = values[key], FormSource.EARLIER_CASE.value
            wanted.discard(key)
    return form, sources


def _checklist(ctx: Ctx, matter: Matter, applicant_id: int) -> list[CaseMaterial]:
    """The matter's materials: shared ones and those received in an earlier case need no submission."""
    held = _held_materials(ctx, applicant_id)
    lines = []
    for material in matter.materials:
        state, source = MaterialState.PENDING, None
        if material.obtainable_by_sharing:
            state = MaterialState.SHARED
        elif material.name in held:
            state, source = MaterialState.REUSED, held[material.name]
        lines.append(
            CaseMaterial(
                material_id=material.id,
                position=material.position,
                name=material.name,
                state=state.value,
                reused_from_case_id=source,
            )
        )
    return lines


def _held_materials(ctx: Ctx, applicant_id: int) -> dict[str, int]:
    """Material name → the newest of the applicant's last EARLIER_CASES accepted cases where it was
    received (the papers of a refused or incomplete intake were handed back)."""
    accepted = (
        select(Case.id)
        .where(Case.applicant_id == applicant_id, Case.accepted_at.is_not(None))
        .order_by(Case.id.desc())
        .limit(EARLIER_CASES)
    )
    rows = ctx.session.execute(
        select(CaseMaterial.name, CaseMaterial.case_id)
        .where(
            CaseMaterial.case_id.in_(accepted.scalar_subquery()),
            CaseMaterial.state == MaterialState.RECEIVED.value,
        )
        .order_by(CaseMaterial.case_id.desc())
    )
    held: dict[str, int] = {}
    for name, case_id in rows:
        held.setdefault(name, case_id)
    return held


# --- receiving and concluding the intake ------------------------------------------------------------------


def receive(ctx: Ctx, case_id: int, body: MaterialsIn) -> Case:
    case = _open_case(ctx, case_id)
    lines = {line.material_id: line for line in case.materials}
    unknown = [m for m in body.received if m not in lines]
    if unknown:
        detail = {"material_ids": unknown}
        raise Invalid("MATERIAL_NOT_IN_CHECKLIST", "所选材料不在该事项的材料清单中", detail)
    received = []
    for material_id in dict.fromkeys(body.received):
        line = lines[material_id]
        if line.state == MaterialState.PENDING.value:
            line.state, line.received_at = MaterialState.RECEIVED.value, ctx.clock.now()
            received.append(line.name)
    if body.form is not None:
        _correct_form(ctx, case, body.form)
    ctx.session.flush()
    _event(ctx, case, EventType.CASE_MATERIALS_RECEIVED, {"received": received, "missing": missing(case)})
    return case


def accept(ctx: Ctx, case_id: int) -> AcceptedOut:
    """受理: every required material received or not needed; a 即办件 is concluded at once."""
    case = _open_case(ctx, case_id)
    if missing(case):
        raise Conflict(
            "MATERIALS_INCOMPLETE",
            "材料不齐全，不能受理：请出具一次性告知单",
            {"missing": missing(case)},
        )
    matter = get_matter(ctx, case.matter_id)
    now, today = ctx.clock.now(), ctx.clock.today()
    password = new_password()
    # a case back from the back office for 补正 keeps its number; its time limits start again
    case.local_case_no = case.local_case_no or next_case_no(ctx, today)
    case.query_password_hash = password_hasher(ctx).hash(password)
    case.accepted_at = now
    case.status = CaseStatus.ACCEPTED.value
    case.promised_date = _deadline(ctx, today, matter.promised_limit)
    case.legal_date = _deadline(ctx, today, matter.legal_limit)
    case.department_id = department_for(ctx, case, matter)
    ctx.session.flush()
    _event(
        ctx,
        case,
        EventType.CASE_ACCEPTED,
        {
            "local_case_no": case.local_case_no,
            "matter": matter.catalog_code,
            "promised_date": _day(case.promised_date),
            "legal_date": _day(case.legal_date),
            "materials": [{"name": m.name, "state": m.state} for m in case.materials],
        },
    )
    if case.case_type == CaseType.INSTANT.value:
        case.status, case.concluded_at = CaseStatus.CONCLUDED_APPROVED.value, now
        ctx.session.flush()
        _event(ctx, case, EventType.CASE_CONCLUDED, {"result": "APPROVED", "at_window": True})
    return AcceptedOut(case=case_out(ctx, case), query_password=password)


def assign_platform_case_no(ctx: Ctx, case_id: int, case_no: str) -> bool:
    """The platform's 办件编号 (PROJID) for an accepted case, with its event, in this transaction: at most
    once per case (False: the case has one already, or is not accepted). The row's version is left alone,
    so a clerk's concurrent change of the case is not refused for it."""
    statement = (
        update(Case)
        .where(Case.id == case_id, Case.platform_case_no.is_(None), Case.local_case_no.is_not(None))
        .values(platform_case_no=case_no)
        .execution_options(synchronize_session=False)
    )
    if not ctx.session.execute(statement).rowcount:  # type: ignore[attr-defined]
        return False
    case = get_case(ctx, case_id)
    ctx.session.refresh(case)
    _event(
        ctx,
        case,
        EventType.CASE_CASE_NO_ASSIGNED,
        {"case_no": case_no, "local_case_no": case.local_case_no},
    )
    return True


def renew_query_password(ctx: Ctx, case_id: int) -> QueryPasswordOut:
    """A new query password for an accepted case (the receipt was lost, or the answer to acceptance)."""
    case = get_case(ctx, case_id)
    if case.local_case_no is None:
        raise Conflict("CASE_NOT_ACCEPTED", "该办件尚未受理，没有查询密码")
    if case.joint_case_id is not None:  # its password is the joint case's: one password for one reply
        raise Conflict("JOINT_CASE_MEMBER", "该办件属于一件事，请按一件事重新生成查询密码")
    password = new_password()
    case.query_password_hash = password_hasher(ctx).hash(password)
    ctx.session.flush()
    _event(ctx, case, EventType.CASE_QUERY_PASSWORD_RENEWED, {"local_case_no": case.local_case_no})
    return QueryPasswordOut(local_case_no=case.local_case_no, query_password=password)


def new_password() -> str:
    """Six digits, as provinces give them (PROJPWD)."""
    return f"{secrets.randbelow(10**6):06d}"


def require_correction(ctx: Ctx, case_id: int) -> Case:
    """一次性告知: everything missing, in one go; the case waits for the rest (补齐补正)."""
    case = _open_case(ctx, case_id)
    still_missing = missing(case)
    if not still_missing:
        raise Conflict("MATERIALS_COMPLETE", "材料已齐全，请直接受理")
    case.status = CaseStatus.CORRECTION_REQUIRED.value
    ctx.session.flush()
    _event(ctx, case, EventType.CASE_CORRECTION_REQUIRED, {"missing": still_missing})
    return case


def refuse(ctx: Ctx, case_id: int, body: NotAcceptedIn) -> Case:
    """不予受理, with the reason the notice prints."""
    case = _open_case(ctx, case_id)
    case.status, case.reason, case.concluded_at = CaseStatus.NOT_ACCEPTED.value, body.reason, ctx.clock.now()
    ctx.session.flush()
    _event(ctx, case, EventType.CASE_NOT_ACCEPTED, {"reason": body.reason})
    return case


def missing(case: Case) -> list[str]:
    """Required materials neither received nor needless: the one-time notice's list."""
    return [
        line.name
        for line in case.materials
        if line.material.required and line.state == MaterialState.PENDING.value
    ]


def _open_case(ctx: Ctx, case_id: int) -> Case:
    case = get_case(ctx, case_id)
    if case.status not in OPEN_STATES:
        raise Conflict("CASE_NOT_OPEN", f"该办件{STATUS_NAMES[CaseStatus(case.status)]}，不能再修改收件信息")
    return case


def case_ids_of_ticket(ctx: Ctx, ticket_id: int) -> list[int]:
    return list(ctx.session.scalars(select(Case.id).where(Case.ticket_id == ticket_id).order_by(Case.id)))


def find_case(ctx: Ctx, key: str) -> Case:
    """By id (ASCII digits), by its local case number or by the platform's (PROJID)."""
    if key.isascii() and key.isdigit():
        if not 1 <= int(key) <= DB_ID_MAX:
            raise NotFound("CASE_NOT_FOUND", "没有找到该办件")
        return get_case(ctx, int(key))
    numbered = or_(Case.local_case_no == key, Case.platform_case_no == key)
    case = ctx.session.scalars(select(Case).where(numbered)).first()
    if case is None:
        raise NotFound("CASE_NOT_FOUND", "没有找到该办件")
    return case


def get_case(ctx: Ctx, case_id: int) -> Case:
    case = ctx.session.get(Case, case_id)
    if case is None:
        raise NotFound("CASE_NOT_FOUND", "没有找到该办件")
    return case


def next_case_no(ctx: Ctx, today: date) -> str:
    """{hall code}-{yyyyMMdd}-{seq:06} (standards.md §3.3), a row-locked counter per hall and day."""
    counter = CaseCounter.__table__
    statement = (
        upsert_statement(ctx.session, counter)
        .values(hall_id=ctx.hall_id, day=today, last_no=1)
        .on_conflict_do_update(index_elements=["hall_id", "day"], set_={"last_no": counter.c.last_no + 1})
        .returning(counter.c.last_no)
    )
    number: int = ctx.session.execute(statement).scalar_one()
    return f"{current_hall(ctx).code}-{today:%Y%m%d}-{number:06d}"


def department_for(ctx: Ctx, case: Case, matter: Matter) -> int | None:
    """The hall's department that is the matter's implementing body (same USCC), else the department of
    the window that accepted it."""
    by_org = ctx.session.scalars(
        select(Department.id).where(
            Department.org_uscc == matter.implementing_org_uscc, Department.active.is_(True)
        )
    ).first()
    return by_org if by_org is not None else of_window(ctx, case.window_no)


def _deadline(ctx: Ctx, start: date, limit: dict[str, Any]) -> date:
    days = int(limit.get("value") or 0)
    if limit.get("unit") == "NATURAL_DAY":
        return start + timedelta(days=days)
    return add_working_days(workdays.calendar(ctx), start, days)


# --- the form ---------------------------------------------------------------------------------------------


def _seal_form(ctx: Ctx, form: dict[str, str | None]) -> bytes:
    return encrypt(ctx.keys, json.dumps(form, ensure_ascii=False), FORM_AAD)


def _form(ctx: Ctx, case: Case) -> dict[str, str | None]:
    return _unseal_form(ctx, case.form_cipher)


def _unseal_form(ctx: Ctx, sealed: bytes) -> dict[str, str | None]:
    values: dict[str, str | None] = json.loads(decrypt(ctx.keys, sealed, FORM_AAD))
    return values


def _correct_form(ctx: Ctx, case: Case, values: FormValues) -> None:
    form = _form(ctx, case)
    sources = dict(case.form_sources)
    for key, value in values.model_dump().items():
        if value:
            form[key], sources[key] = value, FormSource.CLERK.value
    case.form_cipher, case.form_sources = _seal_form(ctx, form), sources


# --- events and answers -----------------------------------------------------------------------------------


def _event(
    ctx: Ctx,
    case: Case,
    event_type: EventType,
    data: dict[str, Any],
    *,
    new: bool = False,
    personal: dict[str, Any] | None = None,
) -> None:
    record(
        ctx,
        event_type,
        AggregateType.CASE,
        case.id,
        {"status": case.status, **data},
        refs=ticket_refs(ctx, case.ticket_id) or None,
        window_no=case.window_no,
        correlation_id=_correlation(ctx, case),
        personal=personal,
        new_aggregate=new,
    )


def ticket_refs(ctx: Ctx, ticket_id: int | None) -> dict[str, Any]:
    """The ticket a case (or a joint case) was opened from, as its events name it."""
    ticket = ctx.session.get(Ticket, ticket_id) if ticket_id is not None else None
    return {"ticket": ticket.number, "ticket_id": ticket.id} if ticket is not None else {}


def _correlation(ctx: Ctx, case: Case) -> str | None:
    """A child of a 一件事 shares the joint case's correlation id: one application, one visit."""
    if case.joint_case_id is None:
        return None
    joint = ctx.session.get(JointCase, case.joint_case_id)
    return joint.correlation_id if joint is not None else None


def reuse_sources(ctx: Ctx, case: Case) -> dict[int, str]:
    """Checklist line id → where its needless material comes from: the earlier case's number, or data
    sharing. One query for the numbers (loading the earlier cases would load their checklists too)."""
    earlier = {line.reused_from_case_id for line in case.materials} - {None}
    numbers: dict[int, str | None] = {}
    if earlier:
        rows = ctx.session.execute(select(Case.id, Case.local_case_no).where(Case.id.in_(earlier)))
        numbers = {case_id: number for case_id, number in rows}
    sources: dict[int, str] = {}
    for line in case.materials:
        if line.state == MaterialState.SHARED.value:
            sources[line.id] = SHARING_SOURCE
        elif line.reused_from_case_id is not None and numbers.get(line.reused_from_case_id):
            sources[line.id] = numbers[line.reused_from_case_id] or ""
    return sources


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def case_out(ctx: Ctx, case: Case) -> CaseOut:
    matter = get_matter(ctx, case.matter_id)
    applicant = identity.masked(ctx.session.get(Visitor, case.applicant_id))
    assert applicant is not None
    ticket = ctx.session.get(Ticket, case.ticket_id) if case.ticket_id is not None else None
    sources = reuse_sources(ctx, case)
    attached = attachments_by_line(ctx, case)
    return CaseOut(
        id=case.id,
        local_case_no=case.local_case_no,
        platform_case_no=case.platform_case_no,
        status=CaseStatus(case.status),
        status_name=STATUS_NAMES[CaseStatus(case.status)],
        matter_id=matter.id,
        matter_name=matter.name,
        case_type=CaseType(case.case_type),
        ticket_number=ticket.number if ticket is not None else None,
        applicant=applicant,
        form=form_out(ctx, case),
        materials=[
            material_out(line, sources.get(line.id), attached.get(line.id, [])) for line in case.materials
        ],
        missing=missing(case),
        reason=case.reason,
        opened_at=case.opened_at,
        accepted_at=case.accepted_at,
        promised_date=case.promised_date,
        legal_date=case.legal_date,
        concluded_at=case.concluded_at,
    )


def form_out(ctx: Ctx, case: Case) -> list[FormFieldOut]:
    form = _form(ctx, case)
    shown = dict(form)
    if form.get("applicant_id"):
        shown["applicant_id"] = mask_number(form["applicant_id"] or "")
    if form.get("applicant_name"):
        shown["applicant_name"] = mask_name(form["applicant_name"] or "")
    return [
        FormFieldOut(
            key=key,
            label=label,
            value=shown.get(key),
            source=FormSource(case.form_sources[key]) if key in case.form_sources else None,
        )
        for key, label in FORM_FIELDS.items()
    ]


def material_out(
    line: CaseMaterial, source: str | None, attachments: list[AttachmentOut] | None = None
) -> CaseMaterialOut:
    material, state = line.material, MaterialState(line.state)
    return CaseMaterialOut(
        material_id=material.id,
        name=line.name,
        required=material.required,
        form=material.form,
        original_count=material.original_count,
        copy_count=material.copy_count,
        state=state,
        state_name=MATERIAL_STATE_NAMES[state],
        reused_from=source,
        attachments=attachments or [],
    )


def attachments_by_line(ctx: Ctx, case: Case) -> dict[int, list[AttachmentOut]]:
    """Checklist line id → its attachments' metadata, oldest first (one query; the blobs stay unread)."""
    lines = {line.id: line for line in case.materials}
    rows = ctx.session.scalars(
        select(CaseAttachment).where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.id)
    )
    found: dict[int, list[AttachmentOut]] = {}
    for row in rows:
        if row.case_material_id in lines:
            found.setdefault(row.case_material_id, []).append(
                attachment_out(row, lines[row.case_material_id])
            )
    return found


def attachment_out(row: CaseAttachment, line: CaseMaterial) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        material_id=line.material_id,
        material_name=line.name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        attached_by=row.staff_name,
        attached_at=row.created_at,
    )
