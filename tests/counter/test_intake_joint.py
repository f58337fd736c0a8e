"""一件事 (联办件) at the comprehensive window, in the counter's controller without a screen: a real hall
server (SQLite and PostgreSQL, the demo's 新生儿出生一件事 over three matters of three departments), the
window's ID card reader and receipt printer as simulators over pty pairs. One form and one de-duplicated
checklist, the one-time notice listing everything missing across the members, 补正续办 by the notice's
number, then 受理: one number and one query password, one receipt listing every member matter and its
department; a lost answer to 受理. What the printer received is checked at byte level (ESC/POS parsed,
GB18030, QR payload)."""

from __future__ import annotations

import re

import pytest

from counter_client.controller.intake import Outcome, PrintState
from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import CaseQueryIn, CaseStatus, MaterialsIn, ReturnForCorrectionIn
from hall_server.contract.joint import JointCaseOut, JointMatterIn
from tests.counter.conftest import PASSWORD, Counter
from tests.counter.intake_fixtures import Desk, printed, serve, tick_all_but, wire_text
from tests.counter.test_intake import CARD_MASKED, CARD_NAME
from tests.kiosk.conftest import DemoHall

NEWBORN, ASSIST = "NEWBORN", "ASSIST"
NAME = "新生儿出生一件事（出生登记、医保参保、社保卡申领）"


def _define_assist(hall: DemoHall) -> None:
    """困难救助一件事 over two matters that ask for some of the same materials."""
    admin = HallClient.login(hall.base_url, "admin", PASSWORD)
    try:
        wanted = {"特困人员救助供养审核确认", "最低生活保障审核确认"}
        ids = [m.id for m in admin.matters(category="SOCIAL_AFFAIRS") if m.name in wanted]
        admin.save_joint_matter(ASSIST, JointMatterIn(name="困难群众救助一件事", member_ids=sorted(ids)))
    finally:
        admin.close()


def _open_joint(counter: Counter, code: str = NEWBORN) -> JointCaseOut:
    intake = counter.controller.intake
    intake.show()
    counter.until(lambda: bool(intake.joint_matters) or intake.error)
    assert NEWBORN in [j.code for j in intake.joint_matters], intake.message
    intake.open_joint(code)
    counter.until(lambda: not intake.busy)
    assert intake.joint is not None and intake.case is None, intake.message
    return intake.joint


def test_joint_notice_then_resume_and_accept_prints_one_receipt(
    intake_hall: DemoHall, desk: Desk, desk_counter
):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "社会保障卡申领")
    joint = _open_joint(counter)
    members = [(child.matter_name, child.department) for child in joint.children]
    assert len(members) == 3 and len({d for _, d in members}) == 3
    assert joint.status is CaseStatus.SUBMITTED
    assert intake.heading().startswith(f"一件事：{NAME}")
    assert intake.heading().endswith(f" · 3 个事项 · 已收件 · 收件编号 J{joint.id} · 申请人 {CARD_MASKED}")
    assert all(f"{matter}（{department}）" in intake.message for matter, department in members)

    lines = intake.material_lines()
    names = [line.name for line in lines]
    assert len(names) == len(set(names))  # one line per material over the members
    assert all(line.matters for line in lines)
    for line in lines:
        assert line.words.startswith("必交" if line.required else "选交")
    form = {line.key: line for line in intake.form_lines()}
    assert form["applicant_name"].value == CARD_MASKED and form["applicant_name"].source == "读卡"
    missing = intake.missing()
    assert len(missing) >= 2

    # the first missing material brought, the rest not: one notice listing every one of them
    first = next(line for line in lines if line.name == missing[0])
    intake.tick(first.material_id, True)
    intake.set_value("contact_phone", "13812345678")
    intake.require_correction()
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.CORRECTION, intake.message
    noticed = intake.joint
    assert noticed is not None and noticed.status is CaseStatus.CORRECTION_REQUIRED
    assert noticed.missing == missing[1:]
    assert f"收件编号 J{joint.id}" in intake.message
    text = printed(counter, desk, 1)
    assert "一次性告知单" in text and f"编号：收件 J{joint.id}" in text
    assert f"申请人：{CARD_MASKED}" in text and CARD_NAME not in text
    wire, qr = wire_text(desk)
    flat = wire.replace("\n", "").replace(" ", "")  # lines wrapped to the paper, joined again
    assert f"办理事项：{NAME}包含事项：" in flat and qr == []
    for index, (matter, department) in enumerate(members, start=1):
        assert f"{index}.{matter}（{department}）" in flat
    for index, name in enumerate(missing[1:], start=1):
        assert f"{index}.{name}" in flat
    needs = {line.name: line.matters for line in lines}
    assert f"{needs[missing[1]]}需要" in flat

    # the visitor comes back: 补正续办 by the notice's number
    intake.new_case()
    assert intake.joint is None
    intake.resume(f"收件 J{joint.id}")
    counter.until(lambda: not intake.busy)
    assert intake.joint is not None and intake.joint.id == joint.id, intake.message
    assert intake.missing() == missing[1:]
    received = {line.name for line in intake.material_lines() if line.received_before}
    assert missing[0] in received
    assert {line.key: line.value for line in intake.form_lines()}["contact_phone"] == "13812345678"
    tick_all_but(counter)
    intake.accept()
    counter.until(lambda: not intake.busy)
    accepted = intake.joint
    assert accepted is not None and accepted.local_case_no, intake.message
    # the demo's three members are 即办件: the whole is concluded at once, as each child is
    assert accepted.status is CaseStatus.CONCLUDED_APPROVED and intake.outcome is Outcome.CONCLUDED
    assert "一件事已当场办结" in intake.message
    number = accepted.local_case_no
    assert number and re.fullmatch(r"\d{6}", intake.query_password)
    assert number in intake.message and intake.query_password in intake.message
    assert all(c.status is CaseStatus.CONCLUDED_APPROVED and c.local_case_no for c in accepted.children)

    text = printed(counter, desk, 2)
    assert f"受理编号：{number}" in text and f"查询密码：{intake.query_password}" in text
    assert desk.pages()[-1].qr_texts == [intake.query_url(number)]
    assert intake.query_url(number).endswith(f"/c/{number}")
    wire, qr = wire_text(desk)
    receipt = wire[wire.rindex("受理回执") :]
    flat = receipt.replace("\n", "").replace(" ", "")
    assert f"受理编号：{number}" in receipt and CARD_NAME not in receipt
    for index, child in enumerate(accepted.children, start=1):
        assert f"{index}.{child.matter_name}（{child.department}）编号：{child.local_case_no}" in flat
    assert "办理结果：已当场办结" in receipt and "承诺办结" not in receipt
    assert qr == [intake.query_url(number).encode()]

    # the joint case number on the receipt finds the joint case again (closed: nothing more to receive)
    intake.new_case()
    intake.resume(f" {number} ")
    counter.until(lambda: not intake.busy)
    assert intake.joint is not None and intake.joint.id == joint.id, intake.message
    assert intake.error and "不能再收件" in intake.message and not intake.can("accept")


def test_joint_not_accepted_prints_one_refusal_notice(intake_hall: DemoHall, desk: Desk, desk_counter):
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "社会保障卡申领")
    joint = _open_joint(counter)
    intake.refuse("")
    assert intake.message == "请填写不予受理的理由"
    intake.refuse("新生儿出生未满规定时限且出生医学证明信息与申请不符")
    counter.until(lambda: not intake.busy)
    assert intake.outcome is Outcome.REFUSED, intake.message
    refused = intake.joint
    assert refused is not None and refused.status is CaseStatus.NOT_ACCEPTED
    assert all(child.status is CaseStatus.NOT_ACCEPTED for child in refused.children)
    assert "3 个事项" in intake.message and not intake.can("accept") and intake.can("new")
    text = printed(counter, desk, 1)
    assert "不予受理通知书" in text and f"编号：收件 J{joint.id}" in text
    assert f"申请人：{CARD_MASKED}" in text and CARD_NAME not in text
    wire, qr = wire_text(desk)
    flat = wire.replace("\n", "").replace(" ", "")
    assert f"办理事项：{NAME}包含事项：" in flat and qr == []
    assert "理由：新生儿出生未满规定时限且出生医学证明信息与申请不符" in flat
    for index, child in enumerate(refused.children, start=1):
        assert f"{index}.{child.matter_name}（{child.department}）" in flat


def test_a_lost_answer_to_joint_accept_shows_the_number(intake_hall: DemoHall, desk: Desk, desk_counter):
    """The server accepted but the counter never heard: 受理 again finds the joint case accepted and prints
    its receipt with its number and a new query password (the lost one stops working), reprinted after
    the printer ran out of paper. The case is
    困难群众救助一件事, whose members share materials: one line each, naming both members."""
    _define_assist(intake_hall)
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "最低生活保障审核确认")
    joint = _open_joint(counter, ASSIST)
    lines = {line.name: line for line in intake.material_lines()}
    # one line for a material both members ask for, named with both
    both = set(lines["家庭经济状况核对授权书"].matters.split("、"))
    assert both == {"特困人员救助供养审核确认", "最低生活保障审核确认"}
    assert lines["家庭经济状况核对授权书"].words == "必交 · 原件 1 份"  # as the single page words it
    assert [line.name for line in intake.material_lines()].count("残疾人证") == 1
    tick_all_but(counter)
    clerk = HallClient.login(intake_hall.base_url, "clerk01", PASSWORD)
    try:
        clerk.receive_joint_materials(joint.id, MaterialsIn(received=sorted(intake.ticked)))
        lost = clerk.accept_joint_case(joint.id)
    finally:
        clerk.close()
    desk.paper.set_paper("out")
    intake.accept()
    counter.until(lambda: not intake.busy and intake.print_state is not PrintState.PRINTING)
    assert intake.outcome is Outcome.ACCEPTED and intake.joint is not None, intake.message
    assert intake.joint.local_case_no == lost.case.local_case_no
    renewed = intake.query_password
    assert re.fullmatch(r"\d{6}", renewed), intake.message
    assert not intake.error and f"查询密码 {renewed}" in intake.message
    # the printer out of paper keeps the outcome; 重新打印 once it is back
    assert intake.print_state is PrintState.FAILED and "打印机缺纸" in intake.print_message
    assert desk.pages() == [] and intake.can("reprint")
    desk.paper.set_paper("ok")
    intake.reprint()
    text = printed(counter, desk, 1)
    assert f"受理编号：{lost.case.local_case_no}" in text and "未能打印" not in text
    on_paper = re.search(r"查询密码：(\d{6})", text)
    assert on_paper is not None and on_paper.group(1) == renewed, text
    # the password on the paper opens the joint case at the kiosk; the lost one no longer does
    kiosk = HallClient(intake_hall.base_url, intake_hall.tokens["kiosk-1"])
    try:
        number = lost.case.local_case_no or ""
        seen = kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=on_paper.group(1)))
        assert seen.local_case_no == number and len(seen.members) == len(lost.case.children)
        if lost.query_password != renewed:  # one in a million the same six digits
            with pytest.raises(ApiError) as refused:
                kiosk.query_case(CaseQueryIn(local_case_no=number, query_password=lost.query_password))
            assert refused.value.code == "CASE_QUERY_FAILED"
    finally:
        kiosk.close()


def test_a_member_returned_by_the_back_office_opens_by_the_joint_number(
    intake_hall: DemoHall, desk: Desk, desk_counter
):
    """退回窗口补正 of one member of an accepted 一件事: the visitor brings the joint receipt; its number
    opens that member with the back office's list, and 受理 takes it again under its own number. With two
    members returned, the clerk is told each one's number."""
    _define_assist(intake_hall)
    counter = desk_counter()
    intake = counter.controller.intake
    serve(counter, desk, intake_hall, "最低生活保障审核确认")
    _open_joint(counter, ASSIST)
    tick_all_but(counter)
    intake.accept()
    counter.until(lambda: not intake.busy)
    accepted = intake.joint
    assert intake.outcome is Outcome.ACCEPTED and accepted is not None and accepted.local_case_no, (
        intake.message
    )
    first, second = accepted.children
    manager = HallClient.login(intake_hall.base_url, "manager", PASSWORD)
    try:
        manager.return_for_correction(
            first.case_id, ReturnForCorrectionIn(missing="残疾人证原件", opinion="复印件不清晰")
        )

        intake.new_case()
        intake.resume(f" {accepted.local_case_no} ")
        counter.until(lambda: not intake.busy)
        assert intake.joint is None and intake.case is not None and intake.case.id == first.case_id, (
            intake.message
        )
        assert intake.message == "后台退回补正：残疾人证原件。收齐后按“受理”重新受理"
        intake.accept()
        counter.until(lambda: not intake.busy)
        assert intake.outcome is Outcome.ACCEPTED and intake.case.status is CaseStatus.ACCEPTED, (
            intake.message
        )
        assert intake.case.local_case_no == first.local_case_no

        for child in (first, second):
            manager.return_for_correction(
                child.case_id, ReturnForCorrectionIn(missing="户口簿原件", opinion="原件未带")
            )
    finally:
        manager.close()
    intake.new_case()
    intake.resume(f"收件 J{accepted.id}")
    counter.until(lambda: not intake.busy)
    assert intake.error and intake.case is None and intake.joint is None and not intake.can("accept")
    assert "2 个事项被退回补正" in intake.message
    assert f"{first.matter_name} {first.local_case_no}" in intake.message
    assert f"{second.matter_name} {second.local_case_no}" in intake.message
