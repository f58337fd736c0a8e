"""A full day at two windows as real Qt widgets offscreen (pytest-qt), against the real hall server and the
window devices' simulators: signing in through the page, keys and clicks only. Window 4 has a tablet pad,
window 5 a 5-key keypad (its 差评 come without reasons)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton

from counter_client.controller.counter import IDLE_TEXT, KEYPAD_BAD_TEXT, PAUSED_TEXT, Phase
from counter_client.views.app import build_counter
from hall_server.client import HallClient
from hall_server.contract.evaluation import Level, OpportunityStatus
from hall_server.contract.queue import TicketStatus, WindowState
from tests.counter.conftest import PASSWORD, counter_config

WAIT = 15000  # ms
LEFT = Qt.MouseButton.LeftButton


class Desk:
    """One window's counter on screen, driven as a clerk would."""

    def __init__(self, qtbot, hall, sims, login: str) -> None:
        self.qtbot, self.sims = qtbot, sims
        self.window, self.controller = build_counter(counter_config(hall, sims, login=login))
        qtbot.addWidget(self.window)
        self.window.show()
        self.controller.start()

    def find(self, kind, name: str):
        widget = self.window.findChild(kind, name)
        assert widget is not None, name
        return widget

    def text(self, name: str) -> str:
        return self.find(QLabel, name).text()

    def click(self, name: str) -> None:
        self.qtbot.waitUntil(lambda: self.window.findChild(QPushButton, name) is not None, timeout=WAIT)
        button = self.find(QPushButton, name)
        self.qtbot.waitUntil(lambda: button.isEnabled() and button.isVisible(), timeout=WAIT)
        self.qtbot.mouseClick(button, LEFT)

    def key(self, key: Qt.Key, button: str) -> None:
        """Press an action key once its button is enabled (the previous answer is in)."""
        self.qtbot.waitUntil(self.find(QPushButton, button).isEnabled, timeout=WAIT)
        self.window.activateWindow()  # keys go to the window in front, as on the clerk's PC
        self.qtbot.waitUntil(self.window.isActiveWindow, timeout=WAIT)
        self.qtbot.keyClick(self.window, key)

    def until(self, condition) -> None:
        self.qtbot.waitUntil(condition, timeout=WAIT)

    def sign_in(self, window: int) -> None:
        self.until(lambda: self.controller.online)
        self.find(QLineEdit, "password").setText(PASSWORD)
        self.click("signInButton")
        self.until(lambda: self.controller.phase is Phase.PICK_WINDOW and bool(self.controller.windows))
        self.click(f"window{window}")
        self.until(lambda: self.controller.phase is Phase.WORK and not self.controller.busy)

    def serving(self, number: str) -> None:
        self.until(lambda: self.text("currentNumber") == number)


def test_a_full_day_at_two_windows_on_screen(qtbot, demo_hall, window_sims, issue):
    four = Desk(qtbot, demo_hall, window_sims(press="satisfied"), "clerk01")
    five = Desk(qtbot, demo_hall, window_sims(press="dissatisfied", proto="hallbus"), "clerk02")
    try:
        four.sign_in(4)
        five.sign_in(5)
        t1, t2, t3 = issue(), issue(), issue()
        four.until(lambda: t1.number in four.text("nextNumbers"))

        # window 4: call (F1), recall (F2), no-show (F7)
        four.key(Qt.Key.Key_F1, "callNextButton")
        four.serving(t1.number)
        four.until(lambda: four.sims.shown() == f"请 {t1.number} 号到 4 号窗口")
        four.key(Qt.Key.Key_F2, "recallButton")
        four.until(lambda: "第 2 次" in four.text("currentStatus"))
        four.key(Qt.Key.Key_F7, "noShowButton")
        four.serving("")
        four.until(lambda: four.sims.shown() == IDLE_TEXT)

        # window 5 serves t2 and sends it to window 4 for one part, to come back
        five.key(Qt.Key.Key_F1, "callNextButton")
        five.serving(t2.number)
        five.key(Qt.Key.Key_F3, "startButton")
        five.click("transferButton")
        target = five.find(QComboBox, "transferTarget")
        target.setCurrentIndex(target.findText("窗口：4号社会事务窗口"))
        five.find(QLineEdit, "transferNote").setText("请在4号窗口核验营业执照")
        box = five.find(QCheckBox, "transferExpectReturn")
        five.qtbot.mouseClick(box, LEFT, pos=QPoint(8, box.height() // 2))  # on its tick box
        assert five.find(QCheckBox, "transferExpectReturn").isChecked()
        five.click("transferConfirm")
        five.serving("")

        four.key(Qt.Key.Key_F1, "callNextButton")
        four.serving(t2.number)
        assert "请在4号窗口核验营业执照" in four.text("currentDetails")
        assert "办完后回到 5 号窗口" in four.text("currentDetails")
        four.key(Qt.Key.Key_F4, "completeButton")
        four.until(lambda: f"{t2.number} 评价：满意" == four.text("ratingText"))

        five.until(lambda: five.text("nextNumbers").startswith(f"下一位：{t2.number}"))
        five.key(Qt.Key.Key_F1, "callNextButton")
        five.serving(t2.number)
        five.key(Qt.Key.Key_F4, "completeButton")
        five.until(lambda: five.text("ratingText") == f"{t2.number} 评价：不满意")

        # window 4: park (F6) and resume with one click, complete
        four.key(Qt.Key.Key_F1, "callNextButton")
        four.serving(t3.number)
        four.key(Qt.Key.Key_F6, "parkButton")
        four.find(QLineEdit, "parkNote").setText("回去复印身份证")
        four.click("parkConfirm")
        four.serving("")
        four.click(f"resumeParked{t3.number}")
        four.serving(t3.number)
        four.key(Qt.Key.Key_F4, "completeButton")
        four.until(lambda: four.text("ratingText") == f"{t3.number} 评价：满意")

        # pause for a meeting, resume
        four.click("pauseButton")
        reasons = four.find(QComboBox, "pauseReason")
        reasons.setCurrentIndex(reasons.findText("开会"))
        four.click("pauseConfirm")
        four.until(lambda: "暂停（开会）" in four.text("windowTitle"))
        four.until(lambda: four.sims.shown() == PAUSED_TEXT)
        assert not four.find(QPushButton, "callNextButton").isEnabled()
        four.click("pauseButton")  # now 恢复服务
        four.until(lambda: "服务中" in four.text("windowTitle"))

        four.until(lambda: "已办结 2 件" in four.text("dayText") and "过号 1" in four.text("dayText"))
        four.until(lambda: "满意 2" in four.text("dayText"))
        five.until(lambda: "已办结 1 件" in five.text("dayText") and "转出 1" in five.text("dayText"))

        # the server's record: each service contact rated on its own window's pad
        manager = HallClient.login(demo_hall.base_url, "manager", PASSWORD)
        contacts = {o.window_no: o for o in manager.ticket_opportunities(t2.id)}
        assert contacts[4].status is OpportunityStatus.EVALUATED
        assert contacts[4].evaluations[0].level is Level.SATISFIED
        keypad = contacts[5].evaluations[0]
        assert keypad.level is Level.DISSATISFIED and keypad.text == KEYPAD_BAD_TEXT
        assert manager.ticket(t2.id).status is TicketStatus.DONE

        for desk, number in ((four, 4), (five, 5)):
            desk.click("signOutButton")
            desk.until(lambda desk=desk: desk.controller.phase is Phase.SIGN_IN)
            assert manager.window(number).state is WindowState.CLOSED
    finally:
        four.controller.stop()
        five.controller.stop()
