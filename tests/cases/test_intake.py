"""办件 intake at the comprehensive window, through the real server on SQLite and PostgreSQL: the form
prefilled from the card and earlier cases, reused and shared materials, acceptance with a case number and a
query password, the one-time notice and 补齐补正, 不予受理, a 即办件 concluded at once, the events of every
step (the applicant only in `protected`), and the refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from hall_server.cases.models import Case
from hall_server.catalogue.service import save_matter
from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import (
    CaseOpenIn,
    CaseOut,
    CaseStatus,
    FormSource,
    FormValues,
    MaterialsIn,
    MaterialState,
    NotAcceptedIn,
)
from hall_server.contract.queue import IssueTicketRequest, TicketOut
from hall_server.events.models import Event
from hall_server.workdays.calendar import add_working_days
from hall_server.workdays.service import calendar
from tests.factories import YOUNG_ID, citizen_id, matter_in, person

OTHER_ID = citizen_id("34010419850612402")


def _served(client_for) -> TicketOut:
    """clerk1 is serving a SOCIAL ticket at window 1."""
    ticket = client_for("kiosk").issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk = client_for("clerk1")
    clerk.window_op(1, "open")
    clerk.call_next(1)
    return ticket


def _open(
    clerk: HallClient, matter_id: int, ticket: TicketOut | None = None, number: str = YOUNG_ID
) -> CaseOut:
    return clerk.open_case(
        CaseOpenIn(matter_id=matter_id, ticket_id=ticket.id if ticket else None, applicant=person(number))
    )


def _material(case: CaseOut, name: str) -> int:
    return next(m.material_id for m in case.materials if m.name == name)


@dataclass
class Recorded:
    event_type: str
    payload: dict


def _events(server, case_id: int) -> list[Recorded]:
    """The case's events in aggregate order, with their stored envelopes."""

    def read(ctx):
        rows = ctx.session.scalars(
            select(Event)
            .where(Event.aggregate_type == "case", Event.aggregate_id == str(case_id))
            .order_by(Event.aggregate_seq)
        )
        return [Recorded(row.event_type, row.payload) for row in rows]

    return server.state.uow.read(read)


def test_complete_intake_is_accepted_with_a_case_number_and_a_query_password(server, hall, client_for):
    ticket = _served(client_for)
    clerk = client_for("clerk1")
    case = _open(clerk, hall.matters["marriage"], ticket)
    assert (case.status, case.status_name, case.ticket_number) == (
        CaseStatus.SUBMITTED,
        "已收件",
        ticket.number,
    )
    assert case.local_case_no is None and case.missing == ["申请表"]
    states = {m.name: (m.state, m.required, m.reused_from) for m in case.materials}
    assert states == {
        "居民身份证": (MaterialState.SHARED, True, "数据共享"),
        "申请表": (MaterialState.PENDING, True, None),
        "照片": (MaterialState.PENDING, False, None),
    }
    form = {f.key: (f.value, f.source) for f in case.form}
    assert form["applicant_name"] == ("张*三", FormSource.CARD)
    assert form["applicant_id"] == (f"{YOUNG_ID[:4]}**********{YOUNG_ID[-4:]}", FormSource.CARD)
    assert form["contact_phone"] == (None, None)

    received = clerk.receive_materials(
        case.id,
        MaterialsIn(
            received=[_material(case, "申请表")],
            form=FormValues(contact_phone="13812345678", address="示范县幸福路1号"),
        ),
    )
    assert received.missing == [] and received.status is CaseStatus.SUBMITTED
    accepted = clerk.accept_case(case.id)
    today = server.state.clock.today()
    assert re.fullmatch(rf"341122-ZWFW-01-{today:%Y%m%d}-000001", accepted.case.local_case_no or "")
    assert re.fullmatch(r"\d{6}", accepted.query_password)
    assert accepted.case.status is CaseStatus.ACCEPTED and accepted.case.status_name == "已受理"
    work_calendar = server.state.uow.read(calendar)
    assert accepted.case.promised_date == add_working_days(work_calendar, today, 5)
    assert accepted.case.legal_date == add_working_days(work_calendar, today, 20)
    assert clerk.get_case(case.id).model_dump() == accepted.case.model_dump()

    password_hash, form_cipher = server.state.uow.read(
        lambda ctx: ctx.session.execute(
            select(Case.query_password_hash, Case.form_cipher).where(Case.id == case.id)
        ).one()
    )
    assert PasswordHasher().verify(password_hash, accepted.query_password)

    # the answer was lost: a repeat is refused, and a new password replaces the first
    with pytest.raises(ApiError) as again:
        clerk.accept_case(case.id)
    assert (again.value.status, again.value.code) == (409, "CASE_NOT_OPEN")
    renewed = clerk.renew_query_password(case.id)
    assert renewed.local_case_no == accepted.case.local_case_no
    new_hash = server.state.uow.read(
        lambda ctx: ctx.session.scalar(select(Case.query_password_hash).where(Case.id == case.id))
    )
    assert PasswordHasher().verify(new_hash, renewed.query_password)
    assert new_hash != password_hash
    assert YOUNG_ID.encode() not in form_cipher and "张小三".encode() not in form_cipher

    events = _events(server, case.id)
    assert [e.event_type for e in events] == [
        "case.submitted",
        "case.materials_received",
        "case.accepted",
        "case.query_password_renewed",
    ]
    assert renewed.query_password not in str(events[-1].payload)
    submitted = events[0].payload
    assert submitted["refs"]["ticket"] == ticket.number and submitted["source"]["window_no"] == "1"
    assert "protected" in submitted and YOUNG_ID not in str(submitted) and "张小三" not in str(submitted)
    assert {"material": "居民身份证", "state": "SHARED", "from": "数据共享"} in submitted["data"]["reused"]
    assert events[1].payload["data"]["received"] == ["申请表"]
    assert events[2].payload["data"]["local_case_no"] == accepted.case.local_case_no

    # 全过程留痕: the case's trace, by id or by number, from the ticket to acceptance; the ticket's links it
    manager = client_for("manager")
    for key in (case.id, accepted.case.local_case_no):
        trace = manager.trace("case", key)
        assert trace.aggregate_id == str(case.id) and trace.linked == [f"ticket:{ticket.id}"]
        assert trace.summary["local_case_no"] == accepted.case.local_case_no
        kinds = [e.event_type for e in trace.events]
        assert kinds[:2] == ["queue.ticket.issued", "queue.ticket.called"]
        assert kinds[-4:] == [
            "case.submitted",
            "case.materials_received",
            "case.accepted",
            "case.query_password_renewed",
        ]
    assert f"case:{case.id}" in manager.trace("ticket", ticket.id).linked
    for unknown in ("341122-ZWFW-01-20000101-000009", "99999999999"):
        with pytest.raises(ApiError) as missing_case:
            manager.trace("case", unknown)
        assert (missing_case.value.status, missing_case.value.code) == (404, "CASE_NOT_FOUND")


def test_a_later_case_reuses_received_materials_and_prefills_the_form(server, hall, client_for):
    clerk = client_for("clerk1")
    first = _open(clerk, hall.matters["marriage"])
    clerk.receive_materials(
        first.id,
        MaterialsIn(
            received=[_material(first, "申请表"), _material(first, "照片")],
            form=FormValues(contact_phone="13812345678", postcode="245000"),
        ),
    )
    first_no = clerk.accept_case(first.id).case.local_case_no

    second = _open(client_for("clerk2"), hall.matters["marriage"])
    states = {m.name: (m.state, m.state_name, m.reused_from) for m in second.materials}
    assert states["申请表"] == (MaterialState.REUSED, "无需提交（已有材料复用）", first_no)
    assert states["照片"] == (MaterialState.REUSED, "无需提交（已有材料复用）", first_no)
    assert second.missing == []
    form = {f.key: (f.value, f.source) for f in second.form}
    assert form["contact_phone"] == ("13812345678", FormSource.EARLIER_CASE)
    assert form["postcode"] == ("245000", FormSource.EARLIER_CASE)
    assert form["address"] == (None, None)
    assert client_for("clerk2").accept_case(second.id).case.local_case_no.endswith("-000002")

    # another person's case reuses nothing of the first applicant's
    other = _open(clerk, hall.matters["marriage"], number=OTHER_ID)
    assert other.missing == ["申请表"] and {f.key: f.value for f in other.form}["contact_phone"] is None


def test_an_incomplete_intake_gets_one_notice_listing_everything_then_is_accepted(server, hall, client_for):
    clerk = client_for("clerk1")
    case = _open(clerk, hall.matters["company"])
    with pytest.raises(ApiError) as refused:
        clerk.accept_case(case.id)
    assert refused.value.status == 409 and refused.value.code == "MATERIALS_INCOMPLETE"
    assert refused.value.detail == {"missing": ["申请表"]} and "一次性告知" in refused.value.message

    notice = clerk.require_correction(case.id)
    assert notice.status is CaseStatus.CORRECTION_REQUIRED and notice.status_name == "待补齐补正"
    assert notice.missing == ["申请表"]

    later = clerk.receive_materials(case.id, MaterialsIn(received=[_material(case, "申请表")]))
    assert later.status is CaseStatus.CORRECTION_REQUIRED and later.missing == []
    with pytest.raises(ApiError) as complete:
        clerk.require_correction(case.id)
    assert complete.value.code == "MATERIALS_COMPLETE"
    assert clerk.accept_case(case.id).case.status is CaseStatus.ACCEPTED
    types = [e.event_type for e in _events(server, case.id)]
    assert types == ["case.submitted", "case.correction_required", "case.materials_received", "case.accepted"]
    assert _events(server, case.id)[1].payload["data"]["missing"] == ["申请表"]


def test_not_accepted_with_its_reason_and_then_closed_to_changes(server, hall, client_for):
    clerk = client_for("clerk1")
    case = _open(clerk, hall.matters["company"])
    refused = clerk.refuse_case(case.id, NotAcceptedIn(reason="申请事项不属于本部门职权范围"))
    assert refused.status is CaseStatus.NOT_ACCEPTED and refused.reason == "申请事项不属于本部门职权范围"
    assert refused.concluded_at is not None and refused.local_case_no is None
    for attempt in (
        lambda: clerk.receive_materials(case.id, MaterialsIn(received=[])),
        lambda: clerk.accept_case(case.id),
        lambda: clerk.refuse_case(case.id, NotAcceptedIn(reason="再次")),
    ):
        with pytest.raises(ApiError) as closed:
            attempt()
        assert (closed.value.status, closed.value.code) == (409, "CASE_NOT_OPEN")
        assert "不予受理" in closed.value.message
    assert _events(server, case.id)[-1].payload["data"]["reason"] == "申请事项不属于本部门职权范围"


def test_an_instant_matter_is_concluded_at_the_window(server, hall, client_for):
    instant = server.state.uow.run(
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
    clerk = client_for("clerk1")
    case = _open(clerk, instant)
    assert case.missing == []
    done = clerk.accept_case(case.id).case
    assert done.status is CaseStatus.CONCLUDED_APPROVED and done.status_name == "已办结"
    assert done.promised_date == server.state.clock.today() and done.concluded_at is not None
    types = [e.event_type for e in _events(server, case.id)]
    assert types == ["case.submitted", "case.accepted", "case.concluded"]


def test_refusals_are_clear(server, hall, client_for):
    clerk = client_for("clerk1")
    cases = [
        (lambda: _open(clerk, 999_999), 404, "MATTER_NOT_FOUND"),
        (lambda: clerk.get_case(999_999), 404, "CASE_NOT_FOUND"),
        (lambda: _open(clerk, hall.matters["marriage"], number="340102199003071235"), 422, None),
        (lambda: _open(client_for("kiosk"), hall.matters["marriage"]), 403, None),
        (lambda: _open(client_for("backoffice"), hall.matters["marriage"]), 403, None),
    ]
    for call, status, code in cases:
        with pytest.raises(ApiError) as refused:
            call()
        assert refused.value.status == status
        if code:
            assert refused.value.code == code
        assert re.search(r"[\u4e00-\u9fff]", refused.value.message)
    case = _open(clerk, hall.matters["marriage"])
    client_for("manager").withdraw_matter(hall.matters["company"])
    with pytest.raises(ApiError) as not_offered:
        _open(clerk, hall.matters["company"])
    assert (not_offered.value.status, not_offered.value.code) == (404, "MATTER_NOT_OFFERED")
    with pytest.raises(ApiError) as not_accepted:
        clerk.renew_query_password(case.id)
    assert (not_accepted.value.status, not_accepted.value.code) == (409, "CASE_NOT_ACCEPTED")
    with pytest.raises(ApiError) as unknown:
        clerk.receive_materials(case.id, MaterialsIn(received=[999_999]))
    assert (unknown.value.status, unknown.value.code) == (422, "MATERIAL_NOT_IN_CHECKLIST")
    with pytest.raises(ApiError) as bad_phone:
        clerk.receive_materials(
            case.id, MaterialsIn.model_construct(form=FormValues.model_construct(contact_phone="12"))
        )
    assert bad_phone.value.status == 422
