"""一件事 at the intake page as real Qt widgets offscreen (1366×768) against a real server (SQLite and
PostgreSQL), with the window's card reader and receipt printer as simulators over pty pairs: the clerk picks
the demo's 新生儿出生一件事 from the 一件事 entries of the matter list, gives the one-time notice, resumes the
joint case by the notice's number and accepts it: one receipt listing the member matters; then another
not accepted: one refusal notice. Every control
named, nothing clipped. With YIMEN_SCREENSHOTS=DIR the screens are saved as
DIR/counter-intake-joint*-1366.png.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from counter_client.controller.intake import Outcome
from hall_server.contract.cases import CaseStatus
from tests.counter.intake_fixtures import Desk
from tests.counter.test_intake_window import WAIT, call_with_card, click, printed, start, tick_pending
from tests.counter.test_window import check_and_shoot, find
from tests.kiosk.conftest import DemoHall

ENTRY = "【一件事】新生儿出生一件事（出生登记、医保参保、社保卡申领）"


def until_outcome(qtbot, controller, outcome: Outcome) -> None:
    """Wait for the intake's outcome; if it does not come, say what the page said instead (the 受理 wait
    failed once in a full run, 30 s with no outcome, and did not fail again in 30 runs)."""
    intake = controller.intake
    try:
        qtbot.waitUntil(lambda: intake.outcome is outcome, timeout=WAIT)
    except Exception as exc:
        state = f"outcome {intake.outcome}, busy {intake.busy!r}, online {controller.online}"
        raise AssertionError(f"{state}, message {intake.message!r} (error {intake.error})") from exc


def test_a_joint_matter_from_notice_to_receipt(qtbot, intake_hall: DemoHall, desk: Desk):
    window, controller = start(qtbot, intake_hall, desk)
    try:
        intake = controller.intake
        call_with_card(qtbot, window, controller, intake_hall, desk, "社会保障卡申领")
        click(qtbot, window, "intakeButton")
        qtbot.waitUntil(lambda: find(window, QWidget, "intakePage").isVisible(), timeout=WAIT)
        pick = find(window, QComboBox, "intakeMatter")
        qtbot.waitUntil(lambda: pick.findText(ENTRY) >= 0, timeout=WAIT)
        assert pick.findText(ENTRY) > pick.findText("社会保障卡申领")  # the 一件事 entries after the matters
        pick.setCurrentIndex(pick.findText(ENTRY))
        click(qtbot, window, "intakeOpenButton")
        qtbot.waitUntil(lambda: intake.joint is not None and not intake.busy, timeout=WAIT)
        joint = intake.joint
        assert joint is not None
        heading = find(window, QLabel, "intakeCase").text()
        assert heading.startswith("一件事：新生儿出生一件事") and f"收件编号 J{joint.id}" in heading
        photo = next(line for line in intake.material_lines() if line.name == "近期免冠照片")
        words = find(window, QLabel, f"materialText{photo.material_id}").text()
        assert "社会保障卡申领 需要" in words and "必交" in words
        find(window, QLineEdit, "formFieldContactPhone").setText("13812345678")
        tick_pending(qtbot, window, controller, "近期免冠照片")
        qtbot.waitUntil(
            lambda: find(window, QLabel, "missingText").text() == "尚缺：近期免冠照片", timeout=WAIT
        )
        check_and_shoot(window, "intake-joint", "1366")

        click(qtbot, window, "correctionCaseButton")
        until_outcome(qtbot, controller, Outcome.CORRECTION)
        text = printed(qtbot, desk, controller, 1)
        assert "一次性告知单" in text and f"编号：收件 J{joint.id}" in text and "1. 近期免冠照片" in text

        # 补正续办 by the notice's number
        click(qtbot, window, "newCaseButton")
        find(window, QLineEdit, "intakeResumeNumber").setText(f"收件 J{joint.id}")
        click(qtbot, window, "intakeResumeButton")
        qtbot.waitUntil(lambda: intake.joint is not None and not intake.busy, timeout=WAIT)
        assert "待补齐补正" in find(window, QLabel, "intakeCase").text()
        assert find(window, QLineEdit, "formFieldContactPhone").text() == "13812345678"
        tick_pending(qtbot, window, controller)
        click(qtbot, window, "acceptCaseButton")
        until_outcome(qtbot, controller, Outcome.CONCLUDED)
        accepted = intake.joint
        assert accepted is not None and accepted.status is CaseStatus.CONCLUDED_APPROVED
        number = accepted.local_case_no or ""
        message = find(window, QLabel, "intakeMessage").text()
        assert number and number in message and intake.query_password in message
        text = printed(qtbot, desk, controller, 2)
        assert f"受理编号：{number}" in text and "包含事项：" in text
        qtbot.waitUntil(lambda: find(window, QLabel, "printStatus").text() == "已打印", timeout=WAIT)
        check_and_shoot(window, "intake-joint-accepted", "1366")

        # another 一件事 for the same visitor, not accepted: one refusal notice
        click(qtbot, window, "newCaseButton")
        pick.setCurrentIndex(pick.findText(ENTRY))
        click(qtbot, window, "intakeOpenButton")
        qtbot.waitUntil(lambda: intake.joint is not None and not intake.busy, timeout=WAIT)
        find(window, QLineEdit, "refuseReason").setText("出生医学证明信息与申请不符")
        click(qtbot, window, "refuseCaseButton")
        until_outcome(qtbot, controller, Outcome.REFUSED)
        assert "一件事已不予受理" in find(window, QLabel, "intakeMessage").text()
        text = printed(qtbot, desk, controller, 3)
        assert "不予受理通知书" in text and "包含事项：" in text
        check_and_shoot(window, "intake-joint-refused", "1366")
    finally:
        controller.stop()
