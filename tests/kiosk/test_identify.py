"""The IDENTIFY step: the ID card on the pty reader simulator, or a number typed on the keypad and checked
before anything is sent; headless (controller + LoopRunner) and as real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from hall_server.contract.devicehealth import PartState
from hall_server.contract.identity import IdKind
from kiosk.config import Orientation
from kiosk.controller.devices import CardEvent
from kiosk.controller.identify import Entry
from kiosk.controller.kiosk import Screen
from tests.kiosk.conftest import wait_ready

RESIDENT_MALE = "11010119900307651X"  # the number on the simulator's resident_male card (张三)
GOOD_TYPED = "340104199001011239"
USCC = "91350100M000100Y43"


def ready(controller, runner):
    runner.run_until(lambda: controller.online and controller.devices.works("reader"), timeout=15)


def test_a_reader_plugged_in_after_the_start_is_opened_and_reads_cards(headless_kiosk, simulators, tmp_path):
    plugged = tmp_path / "ttyUSB0"  # not there yet: the reader is plugged in (or enumerated) after the start
    controller, runner = headless_kiosk(idcard=f"serial://{plugged}?baud=115200")
    runner.run_until(lambda: controller.devices.part("reader") is not None)
    assert controller.devices.part("reader").state is PartState.ABSENT
    plugged.symlink_to(simulators.reader.endpoint)  # as udev's /dev/serial/by-id link appears
    wait_ready(controller, runner, "reader")
    got = []
    controller.identify.start("ticket.purpose", got.append)
    simulators.place("resident_male")
    runner.run_until(lambda: got)
    assert got[0].number == RESIDENT_MALE


def type_in(flow, text):
    for key in text:
        flow.press(key)


def test_a_card_on_the_reader_gives_the_identity_once_masked_and_reset_wipes_it(headless_kiosk, simulators):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    got = []
    controller.identify.start("ticket.purpose", got.append)
    assert controller.screen is Screen.IDENTIFY
    assert controller.identify.entry is Entry.CARD
    simulators.place("resident_male")
    runner.run_until(lambda: got)
    assert got[0].kind is IdKind.RESIDENT
    assert got[0].number == RESIDENT_MALE
    assert got[0].name == "张三"
    assert controller.identify.masked_name == "张*"
    assert controller.identify.masked_number == "1101**********651X"
    controller.identify.on_card(CardEvent("read", got[0]))
    assert len(got) == 1  # the callback runs once per start()
    controller.go_home()
    assert controller.identify.identity is None
    assert controller.identify.masked_number == ""


def test_a_failed_read_is_explained_and_the_next_placement_works(headless_kiosk, simulators):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    got = []
    controller.identify.start("ticket.purpose", got.append)
    simulators.card.faults.read_failures = 1
    simulators.place("resident_male")
    runner.run_until(lambda: controller.identify.message or got)
    assert not got
    assert "没有读到证件信息" in controller.identify.message
    simulators.remove()
    runner.run_until(lambda: not controller.identify.card_present)
    simulators.place("resident_male")
    runner.run_until(lambda: got)
    assert got[0].number == RESIDENT_MALE
    assert controller.identify.message == ""


def test_without_a_reader_the_keypad_is_offered_at_once(headless_kiosk, tmp_path):
    controller, runner = headless_kiosk(idcard=f"serial://{tmp_path}/no-such-port")
    runner.run_until(lambda: controller.online and controller.devices.part("reader") is not None, timeout=15)
    controller.identify.start("ticket.purpose", lambda identity: None)
    assert controller.identify.entry is Entry.KEYPAD
    assert controller.identify.message == "读卡器暂时无法使用，请手工输入证件号码"


def test_a_typed_number_with_a_wrong_check_digit_is_refused_before_sending(headless_kiosk):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    got = []
    flow = controller.identify
    flow.start("ticket.purpose", got.append)
    flow.use_keypad()
    type_in(flow, GOOD_TYPED[:-1] + "5")
    flow.submit()
    assert flow.message == "证件号码校验位不正确，请核对后重新输入"
    assert not got
    flow.backspace()
    flow.press(GOOD_TYPED[-1])
    flow.submit()
    assert [identity.number for identity in got] == [GOOD_TYPED]
    assert got[0].kind is IdKind.RESIDENT and got[0].name is None
    assert flow.masked_number == "3401**********1239"


def test_the_kind_must_match_and_letters_outside_the_kind_are_not_offered(headless_kiosk):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    flow = controller.identify
    flow.start("ticket.purpose", lambda identity: None)
    flow.use_keypad()
    assert IdKind.USCC not in flow.kinds()
    flow.choose_kind(IdKind.HMT_PERMIT)
    type_in(flow, GOOD_TYPED)
    flow.submit()
    assert flow.message == "证件号码与所选证件类型不符，请核对证件类型"
    flow.clear()
    flow.press("A")  # not a key of a residence permit
    assert flow.typed == ""


def test_a_company_types_its_uscc(headless_kiosk):
    controller, runner = headless_kiosk()
    ready(controller, runner)
    got = []
    flow = controller.identify
    flow.start("ticket.purpose", got.append, allow_company=True)
    flow.use_keypad()
    flow.choose_kind(IdKind.USCC)
    assert "I" not in flow.offered_keys() and "O" not in flow.offered_keys()
    type_in(flow, USCC[:-1] + "A")
    flow.submit()
    assert flow.message == "统一社会信用代码校验位不正确，请核对后重新输入"
    flow.backspace()
    flow.press(USCC[-1])
    flow.submit()
    assert got[0].kind is IdKind.USCC and got[0].number == USCC


def test_the_keypad_page_refuses_a_bad_number_and_takes_a_good_one(qtbot, kiosk_window):
    window, controller = kiosk_window()
    qtbot.waitUntil(lambda: controller.online and controller.devices.works("reader"), timeout=60000)
    got = []
    controller.identify.start("ticket.purpose", got.append)
    title = window.findChild(QLabel, "identifyTitle")
    assert title.text() == "请将身份证放在感应区" and title.isVisible()
    window.grab().save("/tmp/identify-card.png")
    qtbot.mouseClick(window.findChild(QPushButton, "useKeypadButton"), Qt.MouseButton.LeftButton)
    for key in GOOD_TYPED[:-1] + "5":
        qtbot.mouseClick(window.findChild(QPushButton, f"key{key}"), Qt.MouseButton.LeftButton)
    assert window.findChild(QLabel, "typedNumber").text() == "340104 19900101 1235"
    qtbot.mouseClick(window.findChild(QPushButton, "keyConfirm"), Qt.MouseButton.LeftButton)
    message = window.findChild(QLabel, "identifyMessage")
    assert message.isVisible() and message.text() == "证件号码校验位不正确，请核对后重新输入"
    window.grab().save("/tmp/identify-keypad.png")
    qtbot.mouseClick(window.findChild(QPushButton, "keyBackspace"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.findChild(QPushButton, "key9"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.findChild(QPushButton, "keyConfirm"), Qt.MouseButton.LeftButton)
    assert [identity.number for identity in got] == [GOOD_TYPED]
    assert window.findChild(QLabel, "identityRead").text() == "已读取：3401**********1239"


def test_the_company_keypad_fits_landscape_in_elder_mode(qtbot, kiosk_window):
    window, controller = kiosk_window(orientation=Orientation.LANDSCAPE, elder=True)
    qtbot.waitUntil(lambda: controller.online, timeout=60000)
    controller.identify.start("ticket.purpose", lambda identity: None, allow_company=True)
    controller.identify.use_keypad()
    qtbot.mouseClick(window.findChild(QPushButton, "kindCompany"), Qt.MouseButton.LeftButton)
    assert window.findChild(QPushButton, "keyY").isVisible()
    assert window.findChild(QPushButton, "keyI") is None
    confirm = window.findChild(QPushButton, "keyConfirm")
    assert confirm.isVisible()
    assert window.rect().contains(confirm.mapTo(window, confirm.rect().bottomRight()))
    window.grab().save("/tmp/identify-company-landscape-elder.png")
    # header and footer take about 290 px of the 1080 (the window itself grows on taller pages: see home)
    assert window.findChild(QWidget, "identifyPage").minimumSizeHint().height() <= 790
