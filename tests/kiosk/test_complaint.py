"""我要投诉 at the kiosk, touch only: the ID card on the pty reader simulator → one of today's tickets from
the real hall server → subject, preset phrases, a phone on the keypad → recorded with channel KIOSK; or
without a ticket, with a window number. Refusals happen on the kiosk (no phrase, a bad phone, an unknown
window); the idle timeout wipes the flow from the middle, screen and memory."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from devices.idcard.cards import CARDS
from devices.voice.player import RecordingAudioOut
from hall_server.contract.complaints import ComplaintChannel, ComplaintQuery, ComplaintSubject
from hall_server.contract.evaluation import Level
from kiosk.config import Language
from kiosk.controller.complaint import ComplaintStage
from kiosk.controller.devices import identity_of
from kiosk.controller.evaluate import RateStage
from kiosk.controller.kiosk import KioskController, Screen
from kiosk.texts import tr
from tests.kiosk.test_elder import started
from tests.kiosk.test_evaluate import ready, served
from tests.kiosk.test_offline_and_idle import shown_texts

MOBILE = "13812345678"


def kiosk_complaints(demo_hall) -> list:
    with demo_hall.staff("manager") as manager:
        return manager.complaints(ComplaintQuery(channel=ComplaintChannel.KIOSK))


def type_keys(flow, keys: str) -> None:
    for key in keys:
        flow.press(key)


def test_bound_to_todays_ticket_found_by_the_id_card(headless_kiosk, demo_hall, simulators):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    ticket = served(demo_hall, identity_of(CARDS["resident_male"]))
    flow = controller.complaint
    flow.start()
    assert controller.screen is Screen.COMPLAINT and flow.stage is ComplaintStage.BIND
    flow.bind_by_card()
    assert flow.stage is ComplaintStage.WAIT_CARD
    simulators.place("resident_male")
    runner.run_until(lambda: flow.stage is ComplaintStage.TICKETS)
    [line] = flow.tickets
    assert line.number == ticket.number
    flow.choose_ticket(0)
    flow.choose_subject(ComplaintSubject.ATTITUDE)
    assert flow.offered_phrases() == ("curt", "materials", "absent", "shirk")
    flow.toggle("materials")
    flow.toggle("curt")
    flow.phrases_done()
    assert flow.stage is ComplaintStage.CONTACT
    type_keys(flow, MOBILE)
    flow.confirm_typed()
    assert flow.stage is ComplaintStage.CONFIRM
    summary = "\n".join(flow.summary(Language.ZH))
    assert "138****5678" in summary and MOBILE not in summary and ticket.number in summary
    flow.submit()
    runner.run_until(lambda: flow.stage is ComplaintStage.DONE)

    [stored] = kiosk_complaints(demo_hall)
    assert flow.recorded is not None and flow.recorded.id == stored.id
    assert (stored.ticket_id, stored.window_no, stored.subject) == (ticket.id, 4, ComplaintSubject.ATTITUDE)
    assert stored.text == "工作人员态度生硬；未一次性告知所需材料"  # in the screen's order, not the touches'
    assert stored.staff_name and stored.contact == flow.recorded.contact == "138****5678"
    assert flow.recorded.due_date > flow.recorded.recorded_on
    controller.go_home()
    assert (flow.stage, flow.tickets, flow.ticket, flow.contact) == (ComplaintStage.BIND, [], None, "")


def test_without_a_ticket_a_window_number_and_no_phone(headless_kiosk, demo_hall):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online and bool(controller.window_numbers), timeout=15)
    flow = controller.complaint
    flow.start()
    flow.skip_binding()
    assert flow.stage is ComplaintStage.WINDOW
    type_keys(flow, "99")
    flow.confirm_typed()  # the demo hall has windows 1 to 12
    assert flow.stage is ComplaintStage.WINDOW
    assert flow.message == tr("complaint.window_unknown", Language.ZH, n=99)
    flow.clear()
    type_keys(flow, "3")
    flow.confirm_typed()
    flow.choose_subject(ComplaintSubject.FACILITIES)
    flow.toggle("device")
    flow.phrases_done()
    flow.skip_contact()
    assert flow.summary(Language.ZH)[0] == "投诉窗口：3 号窗口"
    flow.submit()
    runner.run_until(lambda: flow.stage is ComplaintStage.DONE)
    [stored] = kiosk_complaints(demo_hall)
    assert (stored.ticket_id, stored.window_no, stored.subject) == (None, 3, ComplaintSubject.FACILITIES)
    assert (stored.text, stored.contact) == ("自助设备故障", None)


def test_from_a_rating_the_complaint_is_about_the_service_just_rated(headless_kiosk, demo_hall, simulators):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    ticket = served(demo_hall, identity_of(CARDS["resident_male"]))
    controller.evaluate.start()
    simulators.place("resident_male")
    runner.run_until(lambda: controller.evaluate.stage is RateStage.RATE)
    controller.evaluate.rate(Level.DISSATISFIED)
    controller.evaluate.give_reason("attitude")
    runner.run_until(lambda: controller.evaluate.stage is RateStage.DONE)
    controller.evaluate.complain()
    flow = controller.complaint
    assert controller.screen is Screen.COMPLAINT and flow.stage is ComplaintStage.SUBJECT
    assert flow.ticket is not None and flow.ticket.ticket_id == ticket.id
    flow.back()  # not about that service after all: the first question again
    assert flow.stage is ComplaintStage.BIND


def test_confirm_stays_disabled_until_a_phrase_is_chosen(qtbot, kiosk_window, demo_hall):
    window, controller = kiosk_window()
    qtbot.waitUntil(lambda: controller.online, timeout=60000)
    flow = controller.complaint
    qtbot.mouseClick(window.findChild(QPushButton, "complaintButton"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.findChild(QPushButton, "complaintNoBindButton"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.findChild(QPushButton, "complaintSkipButton"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.findChild(QPushButton, "complaintSubjectEfficiency"), Qt.MouseButton.LeftButton)
    assert flow.stage is ComplaintStage.PHRASES
    next_button = window.findChild(QPushButton, "complaintNextButton")
    wait = window.findChild(QPushButton, "complaintPhraseWait")
    assert next_button.isVisible() and not next_button.isEnabled()
    flow.phrases_done()  # a tap that slipped past the disabled button changes nothing
    assert flow.stage is ComplaintStage.PHRASES
    qtbot.mouseClick(wait, Qt.MouseButton.LeftButton)
    assert next_button.isEnabled() and wait.isChecked() and wait.text().startswith("✓")
    qtbot.mouseClick(wait, Qt.MouseButton.LeftButton)  # off again
    assert not next_button.isEnabled() and not wait.isChecked() and flow.phrases == []
    assert not window.findChild(QPushButton, "complaintPhraseCurt").isVisible()  # another subject's
    flow.submit()
    assert kiosk_complaints(demo_hall) == []


def test_a_bad_phone_is_refused_on_the_kiosk(qtbot, kiosk_window, demo_hall):
    window, controller = kiosk_window()
    qtbot.waitUntil(lambda: controller.online, timeout=60000)
    flow = controller.complaint
    flow.start()
    flow.skip_binding()
    flow.skip_window()
    flow.choose_subject(ComplaintSubject.OTHER)
    flow.toggle("call_me")
    flow.phrases_done()
    assert flow.stage is ComplaintStage.CONTACT

    def tap(name: str) -> None:
        qtbot.mouseClick(window.findChild(QPushButton, name), Qt.MouseButton.LeftButton)

    for key in "12345678901":  # eleven digits, but no mobile starts with 12
        tap(f"complaintKey{key}")
    tap("complaintKeyConfirm")
    message = window.findChild(QLabel, "complaintMessage")
    assert flow.stage is ComplaintStage.CONTACT
    assert message.isVisible() and message.text() == tr("complaint.contact_bad", Language.ZH)
    tap("complaintKeyClear")
    assert not message.isVisible()
    for key in "055165123456":  # a landline with its area code, without the dash
        tap(f"complaintKey{key}")
    assert window.findChild(QLabel, "complaintTyped").text() == "0551 6512 3456"
    tap("complaintKeyConfirm")
    assert flow.stage is ComplaintStage.CONFIRM
    summary = window.findChild(QLabel, "complaintSummary").text()
    assert "055****3456" in summary and "055165123456" not in summary
    assert kiosk_complaints(demo_hall) == []  # nothing sent before 提交投诉


def test_server_gone_at_submit_keeps_what_was_chosen(headless_kiosk, demo_hall):
    controller, runner = headless_kiosk()
    runner.run_until(lambda: controller.online, timeout=15)
    flow = controller.complaint
    flow.start()
    flow.skip_binding()
    flow.skip_window()
    flow.choose_subject(ComplaintSubject.POLICY)
    flow.toggle("fees")
    flow.phrases_done()
    flow.skip_contact()
    demo_hall.server.stop()
    flow.submit()
    runner.run_until(lambda: flow.stage is ComplaintStage.FAILED, timeout=20)
    assert controller.server_down and flow.recorded is None
    assert flow.failure_key() == "complaint.send_failed" and flow.error == ""
    flow.back()
    assert flow.stage is ComplaintStage.CONFIRM and flow.phrases == ["fees"]


def test_idle_wipes_the_flow_from_the_middle(qtbot, kiosk_window, demo_hall, simulators):
    now = [1000.0]
    window, controller = kiosk_window(idle_seconds=30)
    assert isinstance(controller, KioskController)
    controller.monotonic = lambda: now[0]
    controller.touch()
    qtbot.waitUntil(lambda: controller.online and controller.devices.works("reader"), timeout=60000)
    ticket = served(demo_hall, identity_of(CARDS["resident_male"]))
    flow = controller.complaint
    flow.start()
    flow.bind_by_card()
    simulators.place("resident_male")
    qtbot.waitUntil(lambda: flow.stage is ComplaintStage.TICKETS, timeout=60000)
    flow.choose_ticket(0)
    flow.choose_subject(ComplaintSubject.ATTITUDE)
    flow.toggle("shirk")
    flow.phrases_done()
    type_keys(flow, MOBILE)
    assert any(ticket.number in text for text in shown_texts(window))
    assert "138 1234 5678" in shown_texts(window)

    now[0] += 30
    controller.tick()
    assert controller.screen is Screen.HOME
    assert (flow.stage, flow.tickets, flow.ticket, flow.phrases) == (ComplaintStage.BIND, [], None, [])
    assert flow.phone_typed == flow.contact == ""
    for text in shown_texts(window):
        assert MOBILE[-4:] not in text.replace(" ", "") and ticket.number not in text


def test_elder_mode_speaks_each_step(demo_hall, simulators):
    controller, _runner = started(
        demo_hall, simulators, RecordingAudioOut(), voice="sim://voice?engine=espeak", elder=True
    )
    try:
        flow = controller.complaint
        flow.start()
        flow.skip_binding()
        flow.skip_window()
        flow.choose_subject(ComplaintSubject.EFFICIENCY)
        flow.toggle("wait")
        flow.phrases_done()
        type_keys(flow, "123")
        flow.confirm_typed()
        assert controller.speaker is not None
        said = list(controller.speaker.said)
        expected = [
            tr("speak.complaint", Language.ZH),
            tr("complaint.prompt.window", Language.ZH),
            tr("complaint.prompt.subject", Language.ZH),
            tr("complaint.prompt.phrases", Language.ZH),
            tr("complaint.prompt.contact", Language.ZH),
            tr("complaint.contact_bad", Language.ZH),
        ]
        assert said[-len(expected) :] == expected
    finally:
        controller.stop()
