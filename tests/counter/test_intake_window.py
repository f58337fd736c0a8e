"""收件受理 as real Qt widgets offscreen (1366×768, the smallest counter screen) against a real server
(SQLite and PostgreSQL), with the window's card reader and receipt printer as simulators over pty pairs:
intake with materials reused from the visitor's earlier case, the printer out of paper then 重新打印, the
one-time notice then 补正 and 受理, a 即办件, and 不予受理. Every control named, nothing clipped. With
YIMEN_SCREENSHOTS=DIR the intake screens are saved as DIR/counter-intake-*-1366.png."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QWidget

from counter_client.controller.counter import Phase
from counter_client.controller.intake import Outcome, PrintState
from counter_client.views.app import build_counter
from counter_client.views.attachments import AttachmentControl
from hall_server.contract.cases import CaseStatus
from tests.counter.conftest import PASSWORD, counter_config
from tests.counter.intake_fixtures import CLERK, WINDOW, Desk, issue
from tests.counter.test_window import check_and_shoot, find
from tests.kiosk.conftest import DemoHall

WAIT = 30000  # ms: as patient as tests/conftest.py makes qtbot (a loaded CI machine)


def click(qtbot, window: QWidget, name: str) -> None:
    widget = find(window, QPushButton, name)
    # the view shows a page a moment after the controller changed phase
    qtbot.waitUntil(lambda: widget.isVisible() and widget.isEnabled(), timeout=WAIT)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def start(qtbot, hall: DemoHall, desk: Desk, **config: str):
    """The counter signed in at window WINDOW with the desk's devices (and `config`'s, e.g. camera=...)."""
    window, controller = build_counter(counter_config(hall, None, login=CLERK, **desk.config(), **config))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    controller.start()
    try:
        qtbot.waitUntil(lambda: controller.online, timeout=WAIT)
        find(window, QLineEdit, "password").setText(PASSWORD)
        click(qtbot, window, "signInButton")
        picking = lambda: controller.phase is Phase.PICK_WINDOW and bool(controller.windows)  # noqa: E731
        qtbot.waitUntil(picking, timeout=60000)
        click(qtbot, window, f"window{WINDOW}")
        qtbot.waitUntil(lambda: controller.phase is Phase.WORK and not controller.busy, timeout=WAIT)
    except BaseException:
        # a controller left running keeps its devices and posts to a deleted window in later tests
        controller.stop()
        raise
    return window, controller


def call_with_card(qtbot, window: QWidget, controller, hall: DemoHall, desk: Desk, matter: str) -> None:
    ticket = issue(hall, matter)
    qtbot.waitUntil(lambda: controller.allowed("call-next"), timeout=WAIT)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: find(window, QLabel, "currentNumber").text() == ticket.number, timeout=WAIT)
    desk.place("resident_male")
    qtbot.waitUntil(lambda: controller.visitor_identity is not None, timeout=WAIT)


def open_case(qtbot, window: QWidget, controller, matter: str | None = None) -> None:
    intake = controller.intake
    if not intake.shown:
        click(qtbot, window, "intakeButton")
    qtbot.waitUntil(lambda: find(window, QWidget, "intakePage").isVisible(), timeout=WAIT)
    pick = find(window, QComboBox, "intakeMatter")
    qtbot.waitUntil(lambda: pick.count() > 0, timeout=WAIT)
    if matter is not None:
        assert pick.findText(matter) >= 0, matter
        pick.setCurrentIndex(pick.findText(matter))
    click(qtbot, window, "intakeOpenButton")
    qtbot.waitUntil(lambda: intake.case is not None and not intake.busy, timeout=WAIT)


def tick_pending(qtbot, window: QWidget, controller, *left_out: str) -> None:
    for line in controller.intake.material_lines():
        if line.required and not line.needless and not line.received_before and line.name not in left_out:
            box = find(window, QCheckBox, f"material{line.material_id}")
            assert box.isEnabled() and box.accessibleName() == line.name
            box.setChecked(True)


def printed(qtbot, desk: Desk, controller, count: int) -> str:
    intake = controller.intake
    qtbot.waitUntil(lambda: intake.print_state is not PrintState.PRINTING, timeout=WAIT)
    assert intake.print_state is PrintState.PRINTED, intake.print_message
    assert len(desk.pages()) == count
    return desk.text(desk.pages()[-1])


def test_reused_materials_and_a_printer_out_of_paper(qtbot, intake_hall: DemoHall, desk: Desk):
    window, controller = start(qtbot, intake_hall, desk)
    try:
        intake = controller.intake
        call_with_card(qtbot, window, controller, intake_hall, desk, "特困人员救助供养审核确认")
        open_case(qtbot, window, controller)
        assert "特困人员救助供养审核确认 · 已收件" in find(window, QLabel, "intakeCase").text()
        assert find(window, QLineEdit, "formFieldApplicantName").isReadOnly()
        assert find(window, QLabel, "formSourceApplicantName").text() == "读卡"
        find(window, QLineEdit, "formFieldContactPhone").setText("13812345678")
        find(window, QLineEdit, "formFieldAddress").setText("示范县幸福路1号")
        tick_pending(qtbot, window, controller)
        qtbot.waitUntil(lambda: "可以受理" in find(window, QLabel, "missingText").text(), timeout=WAIT)
        check_and_shoot(window, "intake", "1366")
        click(qtbot, window, "acceptCaseButton")
        qtbot.waitUntil(lambda: intake.outcome is Outcome.ACCEPTED, timeout=WAIT)
        first_no = intake.case.local_case_no if intake.case else ""
        assert first_no and first_no in find(window, QLabel, "intakeMessage").text()
        assert intake.query_password in find(window, QLabel, "intakeMessage").text()
        assert f"受理编号：{first_no}" in printed(qtbot, desk, controller, 1)
        assert not find(window, QPushButton, "acceptCaseButton").isEnabled()

        # the same visitor's second matter: the form and a material from the first case
        click(qtbot, window, "newCaseButton")
        open_case(qtbot, window, controller, "最低生活保障审核确认")
        reused = next(line for line in intake.material_lines() if line.name == "家庭经济状况核对授权书")
        box = find(window, QCheckBox, f"material{reused.material_id}")
        assert box.isChecked() and not box.isEnabled()
        words = find(window, QLabel, f"materialText{reused.material_id}").text()
        assert f"无需提交（已有材料复用：{first_no}）" in words
        assert find(window, QLineEdit, "formFieldContactPhone").text() == "13812345678"
        assert find(window, QLabel, "formSourceContactPhone").text() == "历史办件"
        check_and_shoot(window, "intake-reused", "1366")

        tick_pending(qtbot, window, controller)
        desk.paper.set_paper("out")
        click(qtbot, window, "acceptCaseButton")
        status = find(window, QLabel, "printStatus")
        qtbot.waitUntil(lambda: "打印机缺纸" in status.text(), timeout=WAIT)
        assert intake.outcome is Outcome.ACCEPTED and intake.case.status is CaseStatus.ACCEPTED
        qtbot.waitUntil(lambda: "打印机不可用" in find(window, QLabel, "deviceWarnings").text(), timeout=WAIT)
        check_and_shoot(window, "intake-paper-out", "1366")
        desk.paper.set_paper("ok")
        click(qtbot, window, "reprintCaseButton")
        second_no = intake.case.local_case_no if intake.case else ""
        assert f"受理编号：{second_no}" in printed(qtbot, desk, controller, 2)
        qtbot.waitUntil(lambda: status.text() == "已打印", timeout=WAIT)

        click(qtbot, window, "intakeBackButton")
        qtbot.waitUntil(lambda: find(window, QWidget, "workPage").isVisible(), timeout=WAIT)
    finally:
        controller.stop()


def test_notice_then_correction_instant_and_refusal(qtbot, intake_hall: DemoHall, desk: Desk):
    window, controller = start(qtbot, intake_hall, desk)
    try:
        intake = controller.intake
        call_with_card(qtbot, window, controller, intake_hall, desk, "内地居民离婚登记")
        open_case(qtbot, window, controller)
        tick_pending(qtbot, window, controller, "结婚证", "离婚协议书")
        qtbot.waitUntil(
            lambda: find(window, QLabel, "missingText").text() == "尚缺：结婚证、离婚协议书", timeout=WAIT
        )
        click(qtbot, window, "correctionCaseButton")
        qtbot.waitUntil(lambda: intake.outcome is Outcome.CORRECTION, timeout=WAIT)
        case_id = intake.case.id if intake.case else 0
        text = printed(qtbot, desk, controller, 1)
        assert "一次性告知单" in text and "1. 结婚证" in text and "2. 离婚协议书" in text
        check_and_shoot(window, "intake-notice", "1366")

        # 补正: the visitor is back with the rest; the clerk continues the case by the notice's number
        click(qtbot, window, "newCaseButton")
        find(window, QLineEdit, "intakeResumeNumber").setText(f"收件 {case_id}")
        click(qtbot, window, "intakeResumeButton")
        qtbot.waitUntil(lambda: intake.case is not None and not intake.busy, timeout=WAIT)
        assert "待补齐补正" in find(window, QLabel, "intakeCase").text()
        tick_pending(qtbot, window, controller)
        click(qtbot, window, "acceptCaseButton")
        qtbot.waitUntil(lambda: intake.outcome is Outcome.ACCEPTED, timeout=WAIT)
        assert "受理回执" in printed(qtbot, desk, controller, 2)

        # a 即办件: concluded at the window at once
        click(qtbot, window, "newCaseButton")
        open_case(qtbot, window, controller, "社会保障卡申领")
        tick_pending(qtbot, window, controller)
        click(qtbot, window, "acceptCaseButton")
        qtbot.waitUntil(lambda: intake.outcome is Outcome.CONCLUDED, timeout=WAIT)
        assert "即办件已当场办结" in find(window, QLabel, "intakeMessage").text()
        assert "办理结果：已当场办结" in printed(qtbot, desk, controller, 3)

        # 不予受理 with its reason
        click(qtbot, window, "newCaseButton")
        open_case(qtbot, window, controller, "食品经营许可（新办）")
        click(qtbot, window, "refuseCaseButton")
        assert find(window, QLabel, "intakeMessage").text() == "请填写不予受理的理由"
        find(window, QLineEdit, "refuseReason").setText("经营场所为居民住宅，不符合食品经营场所要求")
        click(qtbot, window, "refuseCaseButton")
        qtbot.waitUntil(lambda: intake.outcome is Outcome.REFUSED, timeout=WAIT)
        assert intake.case is not None and intake.case.matter_name == "食品经营许可（新办）"
        text = printed(qtbot, desk, controller, 4)
        assert "不予受理通知书" in text and "经营场所为居民住宅" in text
        check_and_shoot(window, "intake-refused", "1366")
    finally:
        controller.stop()


def test_a_checklist_drawn_anew_leaves_no_old_line_behind(qtbot, intake_hall: DemoHall, desk: Desk):
    """Each case's checklist (and form) is drawn anew. The old lines must leave the page at once, not when
    Qt gets round to deleting them: until then they stayed the page's children, drawn over the new lines,
    refreshed with the new case's state, and found by their names, which the next case's lines share (a
    补正续办 resumes the same case: the same material ids), so a box found by name could be an old one."""
    window, controller = start(qtbot, intake_hall, desk)
    try:
        intake = controller.intake
        call_with_card(qtbot, window, controller, intake_hall, desk, "特困人员救助供养审核确认")
        open_case(qtbot, window, controller)
        lines = intake.material_lines()
        submitted = [line for line in lines if not line.needless]
        assert submitted and len(window.findChildren(AttachmentControl)) == len(submitted)
        find(window, QLineEdit, "refuseReason").setText("申请人户籍不在本县")
        click(qtbot, window, "refuseCaseButton")
        qtbot.waitUntil(lambda: intake.outcome is Outcome.REFUSED, timeout=WAIT)
        printed(qtbot, desk, controller, 1)

        def old_lines() -> list[str]:
            boxes = [box for box in window.findChildren(QCheckBox) if box.objectName().startswith("material")]
            fields = [edit for edit in window.findChildren(QLineEdit) if edit.objectName().startswith("form")]
            controls = window.findChildren(AttachmentControl)
            return [widget.objectName() for widget in boxes + fields + controls]

        # 新收件 empties the page in the click's own handler, before the event loop deletes anything
        click(qtbot, window, "newCaseButton")
        assert intake.subject is None
        assert old_lines() == []
        controller.changed()  # the controller notifying while the old lines await deletion touches none
        assert old_lines() == []

        # the next case's lines, one widget per name, the old ones gone
        open_case(qtbot, window, controller)
        for line in intake.material_lines():
            assert len(window.findChildren(QCheckBox, f"material{line.material_id}")) == 1, line.name
        assert len(window.findChildren(AttachmentControl)) == len(submitted)
    finally:
        controller.stop()
