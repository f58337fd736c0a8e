"""综合出件 at the counter as real Qt widgets offscreen on the demo hall, the visitor's ID card on the pty
reader simulator: the case number typed, 结果已到窗口, a card of somebody else refused by the hall server
(and traced there), the applicant's card accepted: 结果已领取; an agent recorded from the card read, whose
card then picks the result up; a result to be mailed (快递寄送) and mailed with its waybill."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QPushButton
from sqlalchemy import select

from counter_client.controller.counter import Phase
from counter_client.controller.pickup import PickupStage
from counter_client.views.app import build_counter
from devices.idcard.cards import CARDS
from hall_server.catalogue.models import HallMatter, Matter
from hall_server.contract.cases import (
    STATUS_NAMES,
    CaseOpenIn,
    CaseStatus,
    MaterialsIn,
    MaterialState,
)
from hall_server.events.models import Event
from kiosk.controller.devices import identity_of
from tests.counter.conftest import PASSWORD, counter_config

WAIT = 30000  # ms: as patient as tests/conftest.py makes qtbot (a loaded CI machine)
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "counter"


def _concluded_case(demo_hall) -> tuple[int, str]:
    """A 即办件 of the card `resident_male`, concluded at a window."""
    query = (
        select(Matter.id)
        .join(HallMatter, HallMatter.matter_id == Matter.id)
        .where(Matter.case_type == "1", HallMatter.enabled.is_(True))
        .order_by(Matter.id)
    )
    matter = demo_hall.server.state.uow.read(lambda ctx: ctx.session.scalars(query).first())
    with demo_hall.staff("clerk01") as clerk:
        case = clerk.open_case(CaseOpenIn(matter_id=matter, applicant=identity_of(CARDS["resident_male"])))
        pending = [m.material_id for m in case.materials if m.state is MaterialState.PENDING]
        clerk.receive_materials(case.id, MaterialsIn(received=pending))
        accepted = clerk.accept_case(case.id).case
    assert accepted.local_case_no is not None
    return accepted.id, accepted.local_case_no


def _shown(window, name: str) -> QPushButton | None:
    """The visible, enabled control of that name (the view follows the controller a moment later, and a
    rebuilt list's old buttons linger hidden until deleted)."""
    shown = [b for b in window.findChildren(QPushButton, name) if b.isVisible() and b.isEnabled()]
    return shown[0] if shown else None


def _click(qtbot, window, name: str) -> None:
    qtbot.waitUntil(lambda: _shown(window, name) is not None, timeout=WAIT)
    control = _shown(window, name)
    assert control is not None and control.accessibleName(), name
    qtbot.mouseClick(control, Qt.MouseButton.LeftButton)


def _signed_in(qtbot, demo_hall, sims):
    window, controller = build_counter(counter_config(demo_hall, sims, login="clerk04"))
    qtbot.addWidget(window)
    window.show()
    controller.start()
    try:
        qtbot.waitUntil(lambda: controller.online, timeout=WAIT)
        window.findChild(QLineEdit, "password").setText(PASSWORD)
        _click(qtbot, window, "signInButton")
        picking = lambda: controller.phase is Phase.PICK_WINDOW and bool(controller.windows)  # noqa: E731
        qtbot.waitUntil(picking, timeout=60000)
        _click(qtbot, window, "window4")
        qtbot.waitUntil(lambda: controller.phase is Phase.WORK and not controller.busy, timeout=WAIT)
    except BaseException:
        # a controller left running keeps its devices and posts to a deleted window in later tests
        controller.stop()
        raise
    return window, controller


def _open_case(qtbot, window, controller, number: str):
    _click(qtbot, window, "pickupButton")
    dialog = window.pickup_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=WAIT)
    dialog.findChild(QLineEdit, "pickupCaseNumber").setText(number)
    _click(qtbot, dialog, "pickupFindButton")
    qtbot.waitUntil(lambda: controller.pickup.stage is PickupStage.FOUND, timeout=WAIT)
    return dialog


def _case_events(demo_hall, case_id: int) -> list[str]:
    def types(ctx):
        rows = ctx.session.scalars(
            select(Event.event_type)
            .where(Event.aggregate_type == "case", Event.aggregate_id == str(case_id))
            .order_by(Event.aggregate_seq)
        )
        return list(rows)

    return demo_hall.server.state.uow.read(types)


def test_pickup_with_a_wrong_card_refused_then_the_applicant_s_card(qtbot, demo_hall, window_sims):
    case_id, number = _concluded_case(demo_hall)
    sims = window_sims()
    window, controller = _signed_in(qtbot, demo_hall, sims)
    try:
        pickup = controller.pickup
        dialog = _open_case(qtbot, window, controller, number)
        summary = dialog.findChild(QLabel, "pickupSummary")
        assert STATUS_NAMES[CaseStatus.CONCLUDED_APPROVED] in summary.text()
        _click(qtbot, dialog, "pickupReadyButton")
        qtbot.waitUntil(lambda: pickup.stage is PickupStage.WAIT_CARD, timeout=WAIT)
        assert STATUS_NAMES[CaseStatus.RESULT_READY] in summary.text()
        message = dialog.findChild(QLabel, "pickupMessage")
        assert "请读取领取人" in message.text()
        sims.place("hmt_permit")  # somebody else's card
        qtbot.waitUntil(lambda: "不符" in message.text(), timeout=WAIT)
        assert pickup.stage is PickupStage.WAIT_CARD and message.property("role") == "error"
        sims.place("resident_male")  # the applicant's
        qtbot.waitUntil(lambda: pickup.stage is PickupStage.DONE, timeout=WAIT)
        assert STATUS_NAMES[CaseStatus.PICKED_UP] in summary.text()
        assert "本人已领取" in message.text()
        _click(qtbot, dialog, "pickupCloseButton")
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    finally:
        controller.stop()

    assert _case_events(demo_hall, case_id)[-3:] == [
        "result.ready_for_pickup",
        "result.pickup_refused",
        "result.picked_up",
    ]


def test_an_agent_recorded_from_the_card_then_picks_the_result_up(qtbot, demo_hall, window_sims):
    case_id, number = _concluded_case(demo_hall)
    sims = window_sims()
    window, controller = _signed_in(qtbot, demo_hall, sims)
    try:
        pickup = controller.pickup
        dialog = _open_case(qtbot, window, controller, number)
        message = dialog.findChild(QLabel, "pickupMessage")
        summary = dialog.findChild(QLabel, "pickupSummary")
        _click(qtbot, dialog, "pickupAgentButton")
        assert pickup.stage is PickupStage.WAIT_AGENT and "请读取代理人身份证" in message.text()
        sims.place("resident_male")  # the applicant's own card: not an agent
        qtbot.waitUntil(lambda: "申请人本人" in message.text(), timeout=WAIT)
        assert pickup.stage is PickupStage.WAIT_AGENT and message.property("role") == "error"
        sims.place("resident_longterm")  # the agent's
        qtbot.waitUntil(lambda: "已登记授权代理人" in message.text(), timeout=WAIT)
        assert pickup.stage is PickupStage.FOUND and "授权代理人：" in summary.text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / "pickup-agent.png"))
        _click(qtbot, dialog, "pickupDeliveryWindow")
        _click(qtbot, dialog, "pickupReadyButton")
        qtbot.waitUntil(lambda: pickup.stage is PickupStage.WAIT_CARD, timeout=WAIT)
        sims.place("resident_longterm")  # the agent picks it up
        qtbot.waitUntil(lambda: pickup.stage is PickupStage.DONE, timeout=WAIT)
        assert STATUS_NAMES[CaseStatus.PICKED_UP] in summary.text()
        assert "授权代理人已领取" in message.text()
    finally:
        controller.stop()
    assert _case_events(demo_hall, case_id)[-3:] == [
        "case.agent_recorded",
        "result.ready_for_pickup",
        "result.picked_up",
    ]


def test_a_result_to_be_mailed_is_mailed_with_its_waybill(qtbot, demo_hall, window_sims):
    case_id, number = _concluded_case(demo_hall)
    sims = window_sims()
    window, controller = _signed_in(qtbot, demo_hall, sims)
    try:
        pickup = controller.pickup
        dialog = _open_case(qtbot, window, controller, number)
        message = dialog.findChild(QLabel, "pickupMessage")
        summary = dialog.findChild(QLabel, "pickupSummary")
        assert not dialog.findChild(QGroupBox, "pickupMailBox").isVisible()
        _click(qtbot, dialog, "pickupDeliveryMail")
        assert dialog.findChild(QPushButton, "pickupDeliveryMail").isChecked()
        _click(qtbot, dialog, "pickupReadyButton")
        qtbot.waitUntil(lambda: pickup.can_mail(), timeout=WAIT)
        assert STATUS_NAMES[CaseStatus.RESULT_READY] in summary.text() and "快递寄送" in summary.text()
        box = dialog.findChild(QGroupBox, "pickupMailBox")
        assert box.isVisible()
        for name in ("pickupMailCarrier", "pickupMailWaybill", "pickupMailReceiver", "pickupMailPhone"):
            assert box.findChild(QLineEdit, name).accessibleName()
        box.findChild(QLineEdit, "pickupMailCarrier").setText("中国邮政EMS")
        box.findChild(QLineEdit, "pickupMailWaybill").setText("EA123456789CN")
        box.findChild(QLineEdit, "pickupMailReceiver").setText("王小二")
        box.findChild(QLineEdit, "pickupMailPhone").setText("13812345678")
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / "pickup-mail.png"))
        box.findChild(QLineEdit, "pickupMailWaybill").setText("EA123")  # too short
        box.findChild(QLineEdit, "pickupMailPhone").setText("1381234567")  # 10 digits
        _click(qtbot, box, "pickupMailButton")
        assert "物流单号" in message.text() and "接收人手机号" in message.text()
        assert message.property("role") == "error" and pickup.can_mail()
        box.findChild(QLineEdit, "pickupMailWaybill").setText("EA123456789CN")
        box.findChild(QLineEdit, "pickupMailPhone").setText("13812345678")
        _click(qtbot, box, "pickupMailButton")
        qtbot.waitUntil(lambda: pickup.stage is PickupStage.DONE, timeout=WAIT)
        assert STATUS_NAMES[CaseStatus.MAILED] in summary.text()
        assert "EA123456789CN" in summary.text() and "王*二" in summary.text()
        assert "已寄出：中国邮政EMS EA123456789CN" in message.text()
        dialog.grab().save(str(SHOTS / "pickup-mailed.png"))
    finally:
        controller.stop()
    assert _case_events(demo_hall, case_id)[-2:] == ["result.ready_for_pickup", "result.mailed"]
