"""附件 on the intake page as real Qt widgets offscreen (1366×768) against a real server (SQLite and
PostgreSQL): a scanned file attached to a checklist line through its 添加附件 control (the file dialog's
choice handed over as a path), a photo from the counter's camera (sim://camera), the count shown on the
line, the controls named and unclipped, and off once the case is accepted. With YIMEN_SCREENSHOTS=DIR the
page is saved as DIR/counter-intake-attachments-1366.png."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QPushButton

from counter_client.views.attachments import AttachmentControl
from tests.counter.intake_fixtures import Desk
from tests.counter.test_intake_window import WAIT, call_with_card, click, open_case, start, tick_pending
from tests.counter.test_window import check_and_shoot, find
from tests.kiosk.conftest import DemoHall

SCAN = b"\x89PNG\r\n\x1a\n" + bytes(300)


def test_a_file_and_a_photo_attached_from_the_page(qtbot, intake_hall: DemoHall, desk: Desk, tmp_path: Path):
    window, controller = start(qtbot, intake_hall, desk, camera="sim://camera?scene=face")
    try:
        intake = controller.intake
        call_with_card(qtbot, window, controller, intake_hall, desk, "特困人员救助供养审核确认")
        open_case(qtbot, window, controller)
        line = next(m for m in intake.material_lines() if m.name == "特困人员救助供养申请书")
        control = find(window, AttachmentControl, f"attachments{line.material_id}")
        count = find(window, QLabel, f"attachmentCount{line.material_id}")
        add = find(window, QPushButton, f"attachFile{line.material_id}")
        photo = find(window, QPushButton, f"attachPhoto{line.material_id}")
        assert add.accessibleName() == "为特困人员救助供养申请书添加扫描件" and count.text() == ""
        # the page shows the new checklist a moment after the case opened
        qtbot.waitUntil(lambda: add.isVisible() and add.isEnabled() and photo.isVisible(), timeout=WAIT)

        scan = tmp_path / "申请书.png"
        scan.write_bytes(SCAN)
        control.attach_file(scan)
        qtbot.waitUntil(lambda: count.text() == "附件 1", timeout=WAIT)
        click(qtbot, window, f"attachPhoto{line.material_id}")
        qtbot.waitUntil(lambda: count.text() == "附件 2", timeout=WAIT)
        assert "已添加附件：特困人员救助供养申请书（2 个）" in find(window, QLabel, "intakeMessage").text()
        check_and_shoot(window, "intake-attachments", "1366")

        tick_pending(qtbot, window, controller)
        click(qtbot, window, "acceptCaseButton")
        qtbot.waitUntil(
            lambda: intake.case is not None and intake.case.local_case_no is not None, timeout=WAIT
        )

        # the accepted case's checklist is drawn anew: its controls, found again, are off
        def off() -> bool:
            names = (f"attachFile{line.material_id}", f"attachPhoto{line.material_id}")
            return not any(find(window, QPushButton, name).isEnabled() for name in names)

        qtbot.waitUntil(off, timeout=WAIT)
        assert find(window, QLabel, f"attachmentCount{line.material_id}").text() == "附件 2"
    finally:
        controller.stop()
