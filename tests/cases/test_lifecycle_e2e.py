"""Issue 17 end to end through the real server (SQLite and PostgreSQL) and the reference hall-sync receiver
as the platform target: intake from the served ticket with a one-time notice and 补正, a second case of the
same person reusing its materials, the back office returning a case to the window for 补正 and the window
accepting it again, 承办 → 审核 → 批准 with a hearing across New Year (元旦) that stops the clock, a red
(overdue) case with its CASE_OVERDUE alert, a conclusion with a checked certificate identifier, the result
ready, a wrong card refused at pickup then the right one, a denial notice mailed (表15), a transferred case
refused at the 出件 window; the kiosk query and the follow page in the contract's words; the receiver holds
every case's whole trace once, in order, signed, with the applicant readable only in `protected`, and the
hall's trace of a case shows the ticket, intake, every back-office step, the result and the pickup.

The intake steps use the typed client (the same calls the counter client's intake controller makes); the
counter screens themselves are covered by tests/counter."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from hall_server.alerts import service as alerts
from hall_server.alerts.models import Alert
from hall_server.auth.service import login
from hall_server.cases.service import get_case
from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import (
    CaseOpenIn,
    CaseQueryIn,
    CaseStatus,
    CertificateIn,
    ConcludeIn,
    Delivery,
    MailIn,
    MaterialsIn,
    MaterialState,
    Outcome,
    PickupIn,
    ResultReadyIn,
    ReturnForCorrectionIn,
    SpecialEndIn,
    SpecialKind,
    SpecialStartIn,
    StepIn,
    StepPhase,
    StepResult,
    Warning,
)
from hall_server.contract.queue import IssueTicketRequest
from hall_server.sync import wire
from tests.cases.helpers import back_office_departments
from tests.cases.test_backoffice import CERT_ID
from tests.conftest import SHANGHAI, start_server
from tests.factories import ELDERLY_ID, OTHER_ID, PASSWORD, YOUNG_ID, person, seed_hall
from tests.platform.helpers import PROTECT_KEY, SignedClient, hall_delivering_to, settings_for, start_platform
from tests.sync.processes import wait_for

PEOPLE = ("clerk1", "backoffice", "manager", "kiosk")


class Hall:
    """The running hall: clients signed in again whenever the clock moves (sign-ins expire)."""

    def __init__(self, server, seeded, clock):
        self.server, self.seeded, self.clock = server, seeded, clock
        self.clients: list[HallClient] = []

    def at(self, day: date, hour: int = 10) -> None:
        self.clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI))
        for who in PEOPLE:
            if who != "kiosk":
                self.seeded.tokens[who] = self.server.state.uow.run(
                    lambda ctx, w=who: login(ctx, w, PASSWORD)
                )[0]

    def client(self, who: str) -> HallClient:
        client = HallClient(self.server.base_url, self.seeded.tokens[who], timeout=30)
        self.clients.append(client)
        return client

    def open_alerts(self) -> dict[str, Alert]:
        self.server.state.uow.run(alerts.evaluate_alerts)
        with self.server.state.factory() as session:
            return {a.key: a for a in session.scalars(select(Alert).where(Alert.cleared_at.is_(None)))}


@pytest.fixture
def world(database_url, tmp_path, clock, monkeypatch):
    platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"))
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI))  # Monday before New Year
    server = start_server(hall_delivering_to(platform.base_url, database_url, tmp_path, monkeypatch), clock)
    receiver = SignedClient(platform.base_url)
    hall = Hall(server, seed_hall(server.state.uow), clock)
    back_office_departments(server.state.uow)
    try:
        yield hall, receiver
    finally:
        for client in hall.clients:
            client.close()
        receiver.close()
        server.stop()
        platform.stop()


def _material(case, name: str) -> int:
    return next(m.material_id for m in case.materials if m.name == name)


def _steps(back: HallClient, case_id: int, result: StepResult = StepResult.AGREE, start: int = 0) -> None:
    for phase in list(StepPhase)[start:]:
        back.complete_step(case_id, StepIn(phase=phase, opinion="审查意见：同意", result=result))


def test_the_case_lifecycle_end_to_end(world):
    hall, receiver = world
    hall.at(date(2026, 12, 28))
    clerk, back, kiosk = hall.client("clerk1"), hall.client("backoffice"), hall.client("kiosk")
    marriage = hall.seeded.matters["marriage"]

    # --- intake at the window: from the served ticket, one-time notice, 补正, 受理 -----------------------
    ticket = kiosk.issue_ticket(IssueTicketRequest(category_code="SOCIAL"))
    clerk.window_op(1, "open")
    clerk.call_next(1)
    first = clerk.open_case(CaseOpenIn(matter_id=marriage, ticket_id=ticket.id, applicant=person()))
    notice = clerk.require_correction(first.id)
    assert notice.status is CaseStatus.CORRECTION_REQUIRED and notice.missing == ["申请表"]
    clerk.receive_materials(
        first.id, MaterialsIn(received=[_material(first, "申请表"), _material(first, "照片")])
    )
    accepted = clerk.accept_case(first.id)
    a = accepted.case
    assert a.status is CaseStatus.ACCEPTED and a.local_case_no

    # a second case of the same person: the materials already held are reused (无需提交), accepted at once
    second = clerk.open_case(CaseOpenIn(matter_id=marriage, ticket_id=ticket.id, applicant=person()))
    reused = {m.name: (m.state, m.reused_from) for m in second.materials}
    assert reused["申请表"] == (MaterialState.REUSED, a.local_case_no) and second.missing == []
    b_accepted = clerk.accept_case(second.id)
    b = b_accepted.case

    c = clerk.accept_case(
        clerk.receive_materials(
            (
                opened := clerk.open_case(
                    CaseOpenIn(matter_id=marriage, applicant=person(ELDERLY_ID, "张老汉"))
                )
            ).id,
            MaterialsIn(received=[_material(opened, "申请表")]),
        ).id
    ).case
    d_opened = clerk.open_case(CaseOpenIn(matter_id=marriage, applicant=person(OTHER_ID, "李四")))
    clerk.receive_materials(d_opened.id, MaterialsIn(received=[_material(d_opened, "申请表")]))
    d = clerk.accept_case(d_opened.id).case
    assert {i.id for i in back.backoffice_queue().items} == {a.id, b.id, c.id, d.id}

    # --- the back office returns A to the window for 补正; the window accepts it again --------------------
    back.complete_step(a.id, StepIn(phase=StepPhase.UNDERTAKE, opinion="承办：需补户口簿"))
    returned = back.return_for_correction(
        a.id, ReturnForCorrectionIn(missing="户口簿原件", opinion="缺户口簿原件")
    )
    assert returned.case.status is CaseStatus.CORRECTION_REQUIRED
    assert next(f.status_name for f in kiosk.follow_cases(ticket.follow_code)) == "待补齐补正"
    again = clerk.accept_case(a.id)
    assert again.case.local_case_no == a.local_case_no and again.case.status is CaseStatus.ACCEPTED
    a_password = again.query_password
    _steps(back, a.id)
    back.conclude_case(a.id, ConcludeIn(outcome=Outcome.APPROVED, description="准予登记"))
    clerk.result_ready(a.id, ResultReadyIn())

    # D is transferred (转报): nothing to hand out at the 出件 window
    back.conclude_case(d.id, ConcludeIn(outcome=Outcome.TRANSFERRED, transfer_target="市民政局"))
    with pytest.raises(ApiError) as transferred:
        clerk.result_ready(d.id, ResultReadyIn())
    assert (transferred.value.status, transferred.value.code) == (409, "CASE_TRANSFERRED")

    # --- B: 承办, then a hearing from 12-31 across 元旦 to 01-06 -----------------------------------------
    back.complete_step(b.id, StepIn(phase=StepPhase.UNDERTAKE, opinion="承办：材料齐全"))
    assert b.promised_date == date(2027, 1, 5)
    hall.at(date(2026, 12, 31))
    back = hall.client("backoffice")
    started = back.start_special_procedure(
        b.id,
        SpecialStartIn(kind=SpecialKind.HEARING, reason_basis="《行政许可法》第四十六条", expected_days=3),
    )
    assert started.case.status is CaseStatus.SUSPENDED
    seen = hall.client("kiosk").query_case(
        CaseQueryIn(local_case_no=b.local_case_no, query_password=b_accepted.query_password)
    )
    assert seen.status_name == "特别程序中（暂停计时）"

    hall.at(date(2027, 1, 6))
    back, clerk, kiosk = hall.client("backoffice"), hall.client("clerk1"), hall.client("kiosk")
    # C was left untouched: past its promised date (01-05) it is red, and the managers are alerted
    queue = {i.id: i for i in back.backoffice_queue().items}
    assert (queue[c.id].warning, queue[c.id].warning_name, queue[c.id].promised_left) == (
        Warning.RED,
        "红牌（已超期）",
        -1,
    )
    assert queue[b.id].warning is Warning.NONE  # the clock stopped for the hearing
    department_id = hall.server.state.uow.read(lambda ctx: get_case(ctx, c.id).department_id)
    red = hall.open_alerts()[f"CASE_OVERDUE:{department_id}"]
    assert red.value == 1 and "最早应于 2027-01-05 办结" in red.detail
    ended = back.end_special_procedure(b.id, SpecialEndIn(result="听证通过", opinion="同意"))
    assert ended.special_procedures[0].working_days == 3 and ended.case.promised_date == date(2027, 1, 8)
    _steps(back, b.id, start=1)
    bad = CertificateIn(name="结婚证", number="J341122-2027-000001", identifier=CERT_ID[:-1] + "V")
    with pytest.raises(ApiError) as wrong_id:
        back.conclude_case(b.id, ConcludeIn(outcome=Outcome.APPROVED, certificate=bad))
    assert wrong_id.value.code == "CERT_IDENTIFIER_INVALID"
    certificate = CertificateIn(name="结婚证", number="J341122-2027-000001", identifier=CERT_ID)
    back.conclude_case(b.id, ConcludeIn(outcome=Outcome.APPROVED, certificate=certificate))

    # C denied; the denial notice mailed (表15); the alert clears
    _steps(back, c.id, StepResult.DISAGREE)
    back.conclude_case(c.id, ConcludeIn(outcome=Outcome.DENIED, reason="不符合法定条件"))
    assert not [k for k in hall.open_alerts() if k.startswith("CASE_OVERDUE")]
    clerk.result_ready(c.id, ResultReadyIn(delivery=Delivery.MAIL))
    mailed = clerk.mail_result(
        c.id,
        MailIn(
            carrier="中国邮政EMS",
            waybill_no="EA123456789CN",
            sent_on=date(2027, 1, 6),
            receiver_name="张老汉",
            receiver_phone="13812345678",
        ),
    )
    assert mailed.status is CaseStatus.MAILED

    # --- B's result: ready, a wrong card refused, the applicant's card accepted ----------------------------
    clerk.result_ready(b.id, ResultReadyIn())
    with pytest.raises(ApiError) as wrong_card:
        clerk.pick_up_result(b.id, PickupIn(card=person(ELDERLY_ID, "张老汉")), window=1)
    assert (wrong_card.value.status, wrong_card.value.code) == (403, "PICKUP_IDENTITY_MISMATCH")
    picked = clerk.pick_up_result(b.id, PickupIn(card=person()), window=1)
    assert picked.status is CaseStatus.PICKED_UP
    follow = {f.local_case_no: f.status_name for f in kiosk.follow_cases(ticket.follow_code)}
    assert follow == {a.local_case_no: "结果待领取", b.local_case_no: "结果已领取"}
    seen = kiosk.query_case(CaseQueryIn(local_case_no=a.local_case_no, query_password=a_password))
    assert seen.status is CaseStatus.RESULT_READY

    # --- the hall's trace of B: ticket, intake, every back-office step, result, pickup ---------------------
    trace = hall.client("manager").trace("case", b.id)
    kinds = [e.event_type for e in trace.events]
    assert kinds[:2] == ["queue.ticket.issued", "queue.ticket.called"]
    own = [k for k in kinds if k.startswith(("case.", "result."))]
    b_expected = [
        "case.submitted",
        "case.accepted",
        "case.step_completed",
        "case.special_procedure_started",
        "case.special_procedure_ended",
        "case.step_completed",
        "case.step_completed",
        "case.concluded",
        "result.ready_for_pickup",
        "result.pickup_refused",
        "result.picked_up",
    ]
    assert own == b_expected

    # --- the receiver: every case's whole trace, once, in order, accepted, the applicant protected --------
    expected = {
        a.id: [
            "case.submitted",
            "case.correction_required",
            "case.materials_received",
            "case.accepted",
            "case.step_completed",
            "case.returned_for_correction",
            "case.accepted",
            "case.step_completed",
            "case.step_completed",
            "case.step_completed",
            "case.concluded",
            "result.ready_for_pickup",
        ],
        b.id: b_expected,
        c.id: [
            "case.submitted",
            "case.materials_received",
            "case.accepted",
            "case.step_completed",
            "case.step_completed",
            "case.step_completed",
            "case.concluded",
            "result.ready_for_pickup",
            "result.mailed",
        ],
        d.id: ["case.submitted", "case.materials_received", "case.accepted", "case.concluded"],
    }

    def delivered(case_id: int) -> list[dict]:
        events: list[dict] = receiver.aggregate("case", str(case_id))["events"]
        return events

    for case_id, kinds in expected.items():
        count = len(kinds)
        wait_for(lambda c=case_id, n=count: len(delivered(c)) >= n, 60, f"case {case_id} delivered")
        events = delivered(case_id)
        assert [e["event_type"] for e in events] == kinds, case_id
        assert [e["seq"] for e in events] == list(range(1, len(kinds) + 1))
        for event in events:
            envelope = event["envelope"]
            text = str({k: v for k, v in envelope.items() if k != "protected"})
            assert YOUNG_ID not in text and ELDERLY_ID not in text and "13812345678" not in text
        assert wire.unprotect(PROTECT_KEY, events[0]["envelope"])["applicant"] in (
            YOUNG_ID,
            ELDERLY_ID,
            OTHER_ID,
        )
    assert receiver.stats()["apps"]["HALL-A"]["rejected"] == 0
