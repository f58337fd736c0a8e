"""收件受理 in the counter's controller, without a screen: a real hall server (SQLite and PostgreSQL), the
window's ID card reader and receipt printer as simulators over pty pairs. Intake with materials reused from
the visitor's earlier case, the one-time notice then 补正 and acceptance, 不予受理, a 即办件, the printer
out of paper then 重新打印, and a lost answer to 受理 mended with a new query password. What the printer
received is checked at byte level: ESC/POS parsed, GB18030 text, the QR payload."""

from __future__ import annotations

import re

from counter_client.controller.intake import Outcome, PrintState
from hall_server.client import HallClient
from hall_server.contract.cases import CaseStatus, MaterialsIn, ReturnForCorrectionIn
from tests.counter.conftest import PASSWORD
from tests.counter.intake_fixtures import Desk, issue, open_intake, printed, serve, tick_all_but, wire_text
from tests.kiosk.conftest import DemoHall

CARD_NAME, CARD_MASKED = "张三", "张*"  # resident_male


def test_reused_materials_then_accept_prints_the_receipt(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter()
    c = counter.controller
    intake = c.intake
    serve(counter, desk, intake_hall, "特困人员救助供养审核确认")
    open_intake(counter)
    first = intake.case
    assert first is not None and first.status is CaseStatus.SUBMITTED
    needless = {line.name: line.needless for line in intake.material_lines() if line.needless}
    assert needless["申请人居民身份证"] == "无需提交（数据共享获取）"
    form = {line.key: line for line in intake.form_lines()}
    assert form["applicant_name"].value == CARD_MASKED and form["applicant_name"].source == "读卡"
    assert not form["applicant_name"].editable and form["contact_phone"].editable
    assert intake.missing() == ["特困人员救助供养申请书", "家庭经济状况核对授权书"]

    intake.set_value("contact_phone", "12345")
    intake.accept()
    assert "联系人手机号码格式不正确" in intake.message and intake.error
    intake.set_value("contact_phone", "13812345678")
    intake.set_value("address", "示范县幸福路1号")
    intake.accept()  # refused by the server: nothing ticked
    counter.until(lambda: not intake.busy)
    assert intake.message == (
        "材料不齐全，不能受理：缺特困人员救助供养申请书、家庭经济状况核对授权书。请出具一次性告知单"
    )

    tick_all_but(counter)
    assert intake.missing() == []
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.ACCEPTED, intake.message
    case_no = intake.case.local_case_no if intake.case else None
    assert case_no and re.fullmatch(r"\d{6}", intake.query_password)
    assert case_no in intake.message and intake.query_password in intake.message
    text = printed(counter, desk, 1)
    assert f"受理编号：{case_no}" in text
    assert f"申请人：{CARD_MASKED}" in text and CARD_NAME not in text
    assert "办理事项：特困人员救助供养审核确认" in text
    assert f"查询密码：{intake.query_password}" in text
    assert intake.case and intake.case.promised_date
    promised = intake.case.promised_date
    assert f"承诺办结：{promised.year}年{promised.month}月{promised.day}日前" in text
    assert desk.pages()[-1].qr_texts == [intake.query_url(case_no)]
    assert intake.query_url(case_no).endswith(f"/c/{case_no}")

    wire, qr = wire_text(desk)  # the same, at byte level
    assert "受理回执" in wire and f"受理编号：{case_no}" in wire and CARD_NAME not in wire
    assert qr == [intake.query_url(case_no).encode()]

    # a second case for the same person: the form from the first, its received materials reused
    intake.new_case()
    intake.open(next(m.id for m in intake.matters if m.name == "最低生活保障审核确认"))
    counter.until(lambda: not intake.busy)
    second = {line.name: line for line in intake.material_lines()}
    assert second["家庭经济状况核对授权书"].needless == f"无需提交（已有材料复用：{case_no}）"
    assert second["申请人家庭居民户口簿"].needless == "无需提交（数据共享获取）"
    assert not second["最低生活保障申请书"].needless
    form = {line.key: line for line in intake.form_lines()}
    assert (form["contact_phone"].value, form["contact_phone"].source) == ("13812345678", "历史办件")
    assert "其中" in intake.message and "无需提交" in intake.message


def test_one_time_notice_then_correction_and_accept(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "内地居民离婚登记")
    open_intake(counter)
    tick_all_but(counter, "结婚证", "离婚协议书")
    intake.require_correction()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.CORRECTION, intake.message
    case = intake.case
    assert case is not None and case.status is CaseStatus.CORRECTION_REQUIRED
    assert case.missing == ["结婚证", "离婚协议书"]
    text = printed(counter, desk, 1)
    assert "一次性告知单" in text and f"编号：收件 {case.id}" in text
    assert f"申请人：{CARD_MASKED}" in text
    assert "1. 结婚证" in text and "2. 离婚协议书" in text
    assert "原因：未提交；需原件" in text
    wire, _ = wire_text(desk)
    assert "办理事项：内地居民离婚登记" in wire and CARD_NAME not in wire
    assert "告知日期：2026年11月25日" in wire  # the hall's day (the test clock)

    # the visitor comes back with the rest: the clerk resumes the case by the notice's number
    intake.new_case()
    intake.resume(f"收件 {case.id}")
    counter.until(lambda: not intake.busy)
    assert intake.case is not None and intake.case.status is CaseStatus.CORRECTION_REQUIRED
    assert intake.missing() == ["结婚证", "离婚协议书"]
    tick_all_but(counter)
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.ACCEPTED and intake.case.status is CaseStatus.ACCEPTED
    assert "受理回执" in printed(counter, desk, 2)


def test_not_accepted_prints_the_refusal_notice(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "内地居民离婚登记")
    open_intake(counter)
    intake.refuse(" ")
    assert intake.message == "请填写不予受理的理由"
    intake.refuse("双方未就子女抚养达成协议，不属于协议离婚登记情形")
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.REFUSED and intake.case and intake.case.status is CaseStatus.NOT_ACCEPTED
    text = printed(counter, desk, 1)
    assert "不予受理通知书" in text and "理由：双方未就子女抚养达成协议" in text
    assert f"申请人：{CARD_MASKED}" in text
    assert not intake.can("accept") and intake.can("new")
    intake.accept()  # a closed intake: nothing sent
    assert intake.outcome is Outcome.REFUSED


def test_instant_matter_is_concluded_at_once(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "社会保障卡申领")
    open_intake(counter)
    tick_all_but(counter)
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.CONCLUDED and intake.case
    assert intake.case.status is CaseStatus.CONCLUDED_APPROVED
    assert "即办件已当场办结" in intake.message
    text = printed(counter, desk, 1)
    assert "办理结果：已当场办结" in text and "承诺办结" not in text


def test_paper_out_keeps_the_case_and_reprints(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "社会保障卡申领")
    open_intake(counter)
    tick_all_but(counter)
    desk.paper.set_paper("out")
    intake.accept()
    counter.until(lambda: not intake.busy and intake.print_state is not PrintState.PRINTING)
    assert intake.outcome is Outcome.CONCLUDED
    assert intake.print_state is PrintState.FAILED
    assert "打印机缺纸" in intake.print_message and "重新打印" in intake.print_message
    counter.until(lambda: any("打印机不可用" in w for w in counter.controller.device_warnings))
    assert desk.pages() == [] and intake.can("reprint")
    desk.paper.set_paper("ok")
    intake.reprint()
    text = printed(counter, desk, 1)
    assert f"查询密码：{intake.query_password}" in text
    counter.until(lambda: not counter.controller.device_warnings)


def test_a_lost_answer_to_accept_is_mended_with_a_new_password(
    intake_hall: DemoHall, desk: Desk, desk_counter
):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "社会保障卡申领")
    open_intake(counter)
    tick_all_but(counter)
    assert intake.case is not None
    # the server accepted, but the counter never heard: the same case accepted by another call
    clerk = HallClient.login(intake_hall.base_url, "clerk01", PASSWORD)
    received = [line.material_id for line in intake.material_lines() if line.material_id in intake.ticked]
    clerk.receive_materials(intake.case.id, MaterialsIn(received=received))
    lost = clerk.accept_case(intake.case.id)
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.CONCLUDED, intake.message
    assert intake.case.local_case_no == lost.case.local_case_no
    assert re.fullmatch(r"\d{6}", intake.query_password)
    text = printed(counter, desk, 1)
    assert f"受理编号：{lost.case.local_case_no}" in text
    clerk.close()


def test_intake_needs_a_visitor_and_a_card(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter(printer="")
    c = counter.controller
    c.intake.show()
    assert not c.intake.shown and c.notice and "请先叫号" in c.notice.text
    issue(intake_hall, "社会保障卡申领")
    counter.until(lambda: c.allowed("call-next"))
    counter.act(c.call_next)
    c.intake.show()
    assert c.intake.shown
    c.intake.open()
    assert "请办事人将身份证放在窗口读卡器上" in c.intake.message


def test_a_case_returned_by_the_back_office_is_accepted_again_at_the_window(
    intake_hall: DemoHall, desk: Desk, desk_counter
):
    """退回窗口补正 from the back office: the clerk finds the case by the 受理编号 on the visitor's receipt,
    sees what the back office asked for, and accepts it again (same number, a new receipt)."""
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "内地居民离婚登记")
    open_intake(counter)
    tick_all_but(counter)
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.ACCEPTED, intake.message
    case = intake.case
    assert case is not None and case.local_case_no
    printed(counter, desk, 1)

    manager = HallClient.login(intake_hall.base_url, "manager", PASSWORD)
    try:
        back = manager.return_for_correction(
            case.id, ReturnForCorrectionIn(missing="户口簿原件\n离婚协议书原件", opinion="复印件不清晰")
        )
    finally:
        manager.close()
    assert back.case.status is CaseStatus.CORRECTION_REQUIRED

    intake.new_case()
    intake.resume(f" {case.local_case_no} ")
    counter.until(lambda: not intake.busy)
    assert intake.case is not None and intake.case.id == case.id, intake.message
    assert intake.message == "后台退回补正：户口簿原件；离婚协议书原件。收齐后按“受理”重新受理"
    assert intake.can("accept") and intake.missing() == []
    intake.accept()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.ACCEPTED and intake.case.status is CaseStatus.ACCEPTED, intake.message
    assert intake.case.local_case_no == case.local_case_no
    assert f"受理编号：{case.local_case_no}" in printed(counter, desk, 2)
