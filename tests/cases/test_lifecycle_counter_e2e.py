"""Issue 17 end to end through the real server (SQLite and PostgreSQL), the counter client and the reference
hall-sync receiver as the platform target, with the intake done by the counter's own controller (headless)
on the demo hall, its window's ID card reader and receipt printer as simulators over pty pairs:

a ticket taken at the kiosk and called at window 4; the visitor's card read at the counter; a first case
accepted (受理回执), then a second matter for the same person whose 家庭经济状况核对授权书 is reused from
the first; something missing, so the 一次性告知单 is printed; the visitor comes back with another ticket and
the clerk resumes the case by the notice's number (补正续办) and accepts it: the receipt carries the case
number, the query password and the QR of /c/{number}. What the printer received is read at byte level
(ESC/POS parsed, GB18030 text, the QR payload). Then the back office (typed client) approves it with a
hearing across New Year (元旦) that stops the clock; at the counter's 综合出件 panel a card of somebody else
is refused and the applicant's card read on the reader takes the result. At the end the receiver holds
every event of the case once, in order, and the hall's trace of the case runs ticket → intake → back-office
steps → result → pickup."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from counter_client.controller.counter import Phase
from counter_client.controller.intake import Outcome
from counter_client.controller.pickup import PickupStage
from hall_server.client import HallClient
from hall_server.contract.cases import (
    CaseStatus,
    ConcludeIn,
    SpecialEndIn,
    SpecialKind,
    SpecialStartIn,
    StepIn,
    StepPhase,
)
from hall_server.contract.cases import Outcome as CaseOutcome
from tests.conftest import SHANGHAI
from tests.counter.conftest import Counter
from tests.counter.intake_fixtures import (  # noqa: F401 (desk, desk_counter: fixtures, used by name)
    CLERK,
    PASSWORD,
    WINDOW,
    Desk,
    desk,
    desk_counter,
    open_intake,
    printed,
    received_chunks,
    serve,
    start_demo_hall,
    tick_all_but,
    wire_text,
)
from tests.kiosk.conftest import DemoHall
from tests.platform.helpers import SignedClient, hall_delivering_to, settings_for, start_platform
from tests.sync.processes import wait_for

CARD_NAME, CARD_MASKED = "张三", "张*"  # resident_male
FIRST, SECOND = "特困人员救助供养审核确认", "最低生活保障审核确认"
LEFT_OUT = "最低生活保障申请书"  # the visitor forgot it the first time


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, SignedClient]]:
    """The reference hall-sync receiver (the platform target): its address and a signed client."""
    platform = start_platform(settings_for(f"sqlite:///{tmp_path}/platform.db"))
    client = SignedClient(platform.base_url)
    yield platform.base_url, client
    client.close()
    platform.stop()


@pytest.fixture
def intake_hall(
    database_url: str, tmp_path: Path, clock: Any, monkeypatch: pytest.MonkeyPatch, receiver: Any
) -> Iterator[DemoHall]:
    """The demo hall (as tests/counter's, which `desk_counter` signs in to) delivering its events to the
    receiver; the Monday before New Year."""
    clock.set(datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI))
    hall = start_demo_hall(hall_delivering_to(receiver[0], database_url, tmp_path, monkeypatch), clock)
    yield hall
    hall.server.stop()


def _on(clock: Any, day: date, hour: int = 10) -> None:
    clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=SHANGHAI))


def _back_office(hall: DemoHall, work: Callable[[HallClient], Any]) -> Any:
    """后台审批 by the demo's back-office account (signed in afresh: the day has moved)."""
    with HallClient.login(hall.base_url, "backoffice", PASSWORD) as back:
        return work(back)


def _end_visit(counter: Counter) -> None:
    """办结 the ticket being served (no rating pad at this window: recorded as not rated)."""
    c = counter.controller
    counter.act(c.complete)
    assert c.current is None, c.notice


def test_a_case_from_the_counter_intake_to_the_pickup(
    intake_hall: DemoHall,
    desk: Desk,  # noqa: F811 (the fixture imported above)
    desk_counter: Callable[..., Counter],  # noqa: F811
    clock: Any,
    receiver: Any,
):
    hall, signed = intake_hall, receiver[1]
    counter = desk_counter()
    c, intake = counter.controller, counter.controller.intake

    # --- first visit: the ticket called, the card read, a first case accepted ------------------------------
    serve(counter, desk, hall, FIRST)
    first_ticket = c.current
    assert first_ticket is not None and c.card is not None and c.card.visitor.startswith(CARD_MASKED)
    open_intake(counter)
    intake.set_value("contact_phone", "13812345678")
    intake.set_value("address", "示范县幸福路1号")
    tick_all_but(counter)
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.ACCEPTED and intake.case, intake.message
    first_no = intake.case.local_case_no
    assert first_no and f"受理编号：{first_no}" in printed(counter, desk, 1)

    # a second matter for the same person: the authorisation reused from the first case, one thing missing
    intake.new_case()
    intake.open(next(m.id for m in intake.matters if m.name == SECOND))
    counter.until(lambda: not intake.busy)
    case = intake.case
    assert case is not None, intake.message
    lines = {line.name: line for line in intake.material_lines()}
    assert lines["家庭经济状况核对授权书"].needless == f"无需提交（已有材料复用：{first_no}）"
    tick_all_but(counter, LEFT_OUT)
    assert intake.missing() == [LEFT_OUT]
    mark = received_chunks(desk)
    intake.require_correction()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.CORRECTION and intake.case, intake.message
    assert intake.case.status is CaseStatus.CORRECTION_REQUIRED and intake.case.missing == [LEFT_OUT]
    assert "一次性告知单" in printed(counter, desk, 2)
    notice, _ = wire_text(desk, mark)  # the notice at byte level
    assert "一次性告知单" in notice and f"编号：收件 {case.id}" in notice
    assert f"办理事项：{SECOND}" in notice and f"申请人：{CARD_MASKED}" in notice
    assert f"1. {LEFT_OUT}" in notice and CARD_NAME not in notice
    assert "告知日期：2026年12月28日" in notice
    _end_visit(counter)

    # --- the visitor comes back with the application: 补正续办 by the notice's number, then 受理 -----------
    _on(clock, date(2026, 12, 28), 15)
    serve(counter, desk, hall, SECOND)
    intake.new_case()
    intake.resume(f"收件 {case.id}")
    counter.until(lambda: not intake.busy)
    assert intake.case is not None and intake.case.id == case.id, intake.message
    assert intake.missing() == [LEFT_OUT]
    tick_all_but(counter)
    mark = received_chunks(desk)
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.ACCEPTED and intake.case, intake.message
    accepted = intake.case
    case_no, password = accepted.local_case_no, intake.query_password
    assert accepted.status is CaseStatus.ACCEPTED and case_no and re.fullmatch(r"\d{6}", password)
    assert f"受理编号：{case_no}" in printed(counter, desk, 3)
    receipt, qr = wire_text(desk, mark)
    assert "受理回执" in receipt and f"受理编号：{case_no}" in receipt and f"查询密码：{password}" in receipt
    assert f"办理事项：{SECOND}" in receipt and CARD_NAME not in receipt
    assert qr == [intake.query_url(case_no).encode()] and qr[0].endswith(f"/c/{case_no}".encode())
    _end_visit(counter)
    c.sign_out()
    counter.until(lambda: c.phase is Phase.SIGN_IN and not c.busy)

    # --- the back office: 承办, a hearing from 12-31 across 元旦 to 01-06, 审核, 批准 ---------------------
    promised = accepted.promised_date
    assert promised is not None
    _back_office(
        hall, lambda b: b.complete_step(case.id, StepIn(phase=StepPhase.UNDERTAKE, opinion="承办：材料齐全"))
    )
    _on(clock, date(2026, 12, 31))
    started = _back_office(
        hall,
        lambda b: b.start_special_procedure(
            case.id,
            SpecialStartIn(
                kind=SpecialKind.HEARING, reason_basis="《行政许可法》第四十六条", expected_days=3
            ),
        ),
    )
    assert started.case.status is CaseStatus.SUSPENDED
    _on(clock, date(2027, 1, 6))

    def approve(back: HallClient) -> Any:
        ended = back.end_special_procedure(case.id, SpecialEndIn(result="听证通过", opinion="同意"))
        for phase in list(StepPhase)[1:]:
            back.complete_step(case.id, StepIn(phase=phase, opinion="审查意见：同意"))
        back.conclude_case(
            case.id, ConcludeIn(outcome=CaseOutcome.APPROVED, description="准予享受最低生活保障")
        )
        return ended

    ended = _back_office(hall, approve)
    assert ended.special_procedures[0].working_days == 3  # 12-31, 01-04, 01-05: 元旦 does not count
    assert ended.case.promised_date is not None and ended.case.promised_date > promised

    # --- 综合出件 at the counter: result ready, a wrong card refused, the applicant's card takes it ---------
    counter.sign_in(CLERK, WINDOW)
    pickup = c.pickup
    pickup.open()
    pickup.find(f" {case_no.lower()} ")
    counter.until(lambda: pickup.stage is not PickupStage.LOOKING)
    assert pickup.stage is PickupStage.FOUND and pickup.result, pickup.message
    assert pickup.result.status is CaseStatus.CONCLUDED_APPROVED
    pickup.mark_ready()
    counter.until(lambda: pickup.stage is not PickupStage.LOOKING)
    assert pickup.stage is PickupStage.WAIT_CARD, pickup.message
    desk.place("hmt_permit")  # somebody else's card
    counter.until(lambda: pickup.message is not None and pickup.message.error)
    assert pickup.stage is PickupStage.WAIT_CARD and pickup.message
    assert pickup.message.text == "所读身份证件与申请人或授权代理人不符，不能领取"
    desk.place("resident_male")
    counter.until(lambda: pickup.stage is PickupStage.DONE)
    assert pickup.result and pickup.result.status is CaseStatus.PICKED_UP, pickup.message
    assert pickup.message and pickup.message.text.startswith("核验通过，本人已领取")

    # --- the receiver holds the case's whole story once, in order; the hall's trace tells the same --------
    expected = [
        "case.submitted",
        "case.materials_received",  # what was brought at the first visit
        "case.correction_required",
        "case.materials_received",  # the rest, at the second
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

    def delivered() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = signed.aggregate("case", str(case.id))["events"]
        return events

    wait_for(lambda: len(delivered()) >= len(expected), 60, "the case delivered")
    events = delivered()
    assert [e["event_type"] for e in events] == expected, [e["event_type"] for e in events]
    assert [e["seq"] for e in events] == list(range(1, len(expected) + 1))
    assert signed.stats()["apps"]["HALL-A"]["rejected"] == 0

    with HallClient.login(hall.base_url, "manager", PASSWORD) as manager:
        trace = manager.trace("case", case.id)
    kinds = [e.event_type for e in trace.events]
    assert kinds[:2] == ["queue.ticket.issued", "queue.ticket.called"]
    assert [k for k in kinds if k.startswith(("case.", "result."))] == expected
    stages = ["queue.ticket.", "case.submitted", "case.step_completed", "result.ready", "result.picked_up"]
    at = [next(i for i, k in enumerate(kinds) if k.startswith(stage)) for stage in stages]
    assert at == sorted(at), kinds
