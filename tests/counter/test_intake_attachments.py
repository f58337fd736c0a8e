"""附件 at the counter, headless: a scanned file and a photo from the counter's camera (sim://camera, real
frames encoded as JPEG) attached to checklist lines of a case on a real hall server (SQLite and
PostgreSQL); the count per line, a file of another kind refused at the counter, and nothing more once the
case is accepted."""

from __future__ import annotations

import hashlib
from pathlib import Path

from counter_client.controller.attachments import media_type_of
from hall_server.client import HallClient
from tests.counter.conftest import PASSWORD
from tests.counter.intake_fixtures import Desk, open_intake, serve, tick_all_but
from tests.kiosk.conftest import DemoHall

SCAN = b"%PDF-1.7\n" + b"0 0 obj << >> endobj\n" * 100 + b"%%EOF\n"


def test_a_scan_and_a_camera_photo_are_attached_and_counted(
    intake_hall: DemoHall, desk: Desk, desk_counter, tmp_path: Path
):
    counter = desk_counter(camera="sim://camera?scene=face")
    intake = counter.controller.intake
    attachments = intake.attachments
    serve(counter, desk, intake_hall, "特困人员救助供养审核确认")
    open_intake(counter)
    case = intake.case
    assert case is not None and attachments.has_camera and attachments.can_attach()
    lines = {line.name: line.material_id for line in intake.material_lines()}
    form, consent = lines["特困人员救助供养申请书"], lines["家庭经济状况核对授权书"]
    assert attachments.count(form) == 0

    attachments.attach(form, SCAN)
    assert attachments.busy == form
    counter.until(lambda: attachments.busy is None)
    assert not intake.error, intake.message
    assert attachments.count(form) == 1 and intake.message == "已添加附件：特困人员救助供养申请书（1 个）"

    attachments.photo(consent)
    counter.until(lambda: attachments.busy is None)
    assert not intake.error, intake.message
    assert (attachments.count(form), attachments.count(consent)) == (1, 1)

    attachments.attach(form, b"GIF89a" + bytes(100))  # neither JPEG, PNG nor PDF: not sent
    assert intake.error and intake.message == "只能添加 JPG、PNG 图片或 PDF 文件"
    assert attachments.busy is None and attachments.count(form) == 1

    manager = HallClient.login(intake_hall.base_url, "manager", PASSWORD)
    stored = {a.material_name: a for a in manager.case_attachments(case.id)}
    assert stored["特困人员救助供养申请书"].sha256 == hashlib.sha256(SCAN).hexdigest()
    assert manager.download_attachment(case.id, stored["特困人员救助供养申请书"].id) == SCAN
    photo = manager.download_attachment(case.id, stored["家庭经济状况核对授权书"].id)
    assert media_type_of(photo) == "image/jpeg" and stored["家庭经济状况核对授权书"].size == len(photo)
    assert stored["家庭经济状况核对授权书"].attached_by == manager.case_attachments(case.id)[0].attached_by

    tick_all_but(counter)
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.case is not None and intake.case.local_case_no, intake.message
    assert not attachments.can_attach()  # accepted: the 附件 controls are off
    manager.close()


def test_without_a_camera_only_files(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "特困人员救助供养审核确认")
    open_intake(counter)
    assert not intake.attachments.has_camera
    material = intake.material_lines()[0].material_id
    intake.attachments.photo(material)
    assert intake.error and intake.message == "本窗口未配置摄像头，请选择扫描文件"
    assert intake.attachments.count(material) == 0
