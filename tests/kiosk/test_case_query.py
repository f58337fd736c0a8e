"""办件查询 on the kiosk's 我的排队/办件 screen, the real window offscreen against the demo hall: the case
number and the query password typed on the screen's keys, the state in the contract's words (R3), the
lock after too many wrong passwords (429 from the hall server) said plainly; a 一件事's joint number with
each member matter's state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton
from sqlalchemy import select

from hall_server.catalogue.models import HallMatter, Matter
from hall_server.contract.cases import (
    STATUS_NAMES,
    CaseOpenIn,
    CaseStatus,
    MaterialsIn,
    MaterialState,
    ResultReadyIn,
)
from hall_server.contract.joint import JointCaseOpenIn
from kiosk.controller.casequery import QueryField, QueryStage
from kiosk.controller.kiosk import Screen
from tests.factories import person


def _instant_matter(demo_hall) -> int:
    query = (
        select(Matter.id)
        .join(HallMatter, HallMatter.matter_id == Matter.id)
        .where(Matter.case_type == "1", HallMatter.enabled.is_(True))
        .order_by(Matter.id)
    )
    return demo_hall.server.state.uow.read(lambda ctx: ctx.session.scalars(query).first())


def _shown(window, name: str) -> QPushButton | None:
    """The visible control of that name (a keypad's replaced keys linger hidden until deleted)."""
    shown = [b for b in window.findChildren(QPushButton, name) if b.isVisible() and b.isEnabled()]
    return shown[0] if shown else None


def _tap(qtbot, window, name: str) -> None:
    qtbot.waitUntil(lambda: _shown(window, name) is not None)
    control = _shown(window, name)
    assert control is not None and control.accessibleName()
    qtbot.mouseClick(control, Qt.MouseButton.LeftButton)


def _type(qtbot, window, text: str) -> None:
    for key in text:
        _tap(qtbot, window, f"caseKey{key}")


def test_the_case_state_in_the_contract_words_and_the_lock(qtbot, kiosk_window, demo_hall):
    window, c = kiosk_window()
    qtbot.waitUntil(lambda: c.online, timeout=30000)
    with demo_hall.staff("clerk04") as clerk:
        case = clerk.open_case(CaseOpenIn(matter_id=_instant_matter(demo_hall), applicant=person()))
        pending = [m.material_id for m in case.materials if m.state is MaterialState.PENDING]
        clerk.receive_materials(case.id, MaterialsIn(received=pending))
        accepted = clerk.accept_case(case.id)
        clerk.result_ready(case.id, ResultReadyIn())
    number, password = accepted.case.local_case_no, accepted.query_password
    assert number is not None
    c.lookup.start()
    assert c.screen is Screen.LOOKUP
    _tap(qtbot, window, "lookupCaseQueryButton")
    query = c.lookup.case_query
    assert query.active and window.findChild(QPushButton, "lookupTickets") is None
    _type(qtbot, window, number)
    _tap(qtbot, window, "casePasswordField")
    assert query.field is QueryField.PASSWORD
    _type(qtbot, window, password)
    _tap(qtbot, window, "caseKeyConfirm")
    qtbot.waitUntil(lambda: query.stage is QueryStage.SHOWN)
    answer = window.findChild(QLabel, "caseQueryAnswer")
    qtbot.waitUntil(lambda: STATUS_NAMES[CaseStatus.RESULT_READY] in answer.text())
    assert answer.isVisible() and query.password == ""
    wrong = f"{(int(password) + 1) % 10**6:06d}"
    for _ in range(5):
        _type(qtbot, window, wrong)
        _tap(qtbot, window, "caseKeyConfirm")
        qtbot.waitUntil(lambda: query.stage is QueryStage.WRONG)
        assert "不正确" in answer.text()
        query.stage = QueryStage.ENTER
    _type(qtbot, window, password)  # even the right one now waits
    _tap(qtbot, window, "caseKeyConfirm")
    qtbot.waitUntil(lambda: query.stage is QueryStage.LOCKED)
    qtbot.waitUntil(lambda: "15分钟后再试" in answer.text())
    c.go_home()
    assert not query.active and query.number == "" and query.found is None


def test_a_joint_number_answers_with_the_overall_state_and_each_member(qtbot, kiosk_window, demo_hall):
    """The demo's 新生儿出生一件事: its joint number and one password; the answer names the overall state and
    each member matter's own."""
    window, c = kiosk_window()
    qtbot.waitUntil(lambda: c.online, timeout=30000)
    with demo_hall.staff("clerk04") as clerk:
        joint = clerk.open_joint_case(JointCaseOpenIn(joint_code="NEWBORN", applicant=person()))
        pending = [m.material_ids[0] for m in joint.materials if m.state is MaterialState.PENDING]
        clerk.receive_joint_materials(joint.id, MaterialsIn(received=pending))
        accepted = clerk.accept_joint_case(joint.id)
    number, password = accepted.case.local_case_no, accepted.query_password
    assert number is not None
    c.lookup.start()
    _tap(qtbot, window, "lookupCaseQueryButton")
    query = c.lookup.case_query
    _type(qtbot, window, number)
    _tap(qtbot, window, "casePasswordField")
    _type(qtbot, window, password)
    _tap(qtbot, window, "caseKeyConfirm")
    qtbot.waitUntil(lambda: query.stage is QueryStage.SHOWN)
    assert query.found is not None and len(query.found.members) == 3
    answer = window.findChild(QLabel, "caseQueryAnswer")
    qtbot.waitUntil(lambda: answer.text().startswith(f"{accepted.case.name}：{accepted.case.status_name}"))
    for child in accepted.case.children:
        assert f"{child.matter_name}：{child.status_name}" in answer.text()
    assert answer.isVisible() and answer.wordWrap()
