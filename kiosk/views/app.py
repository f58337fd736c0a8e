"""The kiosk window: header (hall, clock, 长者模式, language), the offline banner, one page per screen,
and the footer (home, help). `build_kiosk` wires the window to a controller, the client and the devices."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from devices.voice.player import AudioOut
from hall_server.client import HallClient
from hall_server.client.runner import Runner
from kiosk.config import KioskConfig, Language, Orientation
from kiosk.controller.devices import DeviceHub
from kiosk.controller.kiosk import HelpState, KioskController, Screen
from kiosk.controller.simpanel import SimulatorPanel
from kiosk.texts import tr
from kiosk.views.checkin import CheckInPage
from kiosk.views.complaint import ComplaintPage
from kiosk.views.evaluate import EvaluatePage
from kiosk.views.guide import GuidePage
from kiosk.views.home import HomePage
from kiosk.views.identify import IdentifyPage
from kiosk.views.lookup import LookupPage
from kiosk.views.matters import MattersPage
from kiosk.views.qtrunner import QtRunner
from kiosk.views.simpanel import SimulatorStrip
from kiosk.views.style import FONT_FAMILY, stylesheet
from kiosk.views.ticket import IssuePage, TicketPage
from kiosk.views.widgets import button, label, set_text

TOUCHES = frozenset(
    {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress, QEvent.Type.Wheel}
)
SIZES = {Orientation.PORTRAIT: (1080, 1920), Orientation.LANDSCAPE: (1920, 1080)}


class KioskWindow(QMainWindow):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.setObjectName("kioskWindow")
        self.controller = controller
        self.setWindowTitle("一门 · 自助服务")
        self.resize(*SIZES[controller.config.orientation])
        c = controller
        self.hall_name = label("hallName")  # wraps rather than widen the window in elder mode
        self.clock = label("clock", wrap=False)
        self.elder_button = button("elderButton", "", lambda: c.set_elder(not c.elder))
        self.language_button = button("languageButton", "", self._toggle_language)
        self.banner = label("offlineBanner")
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        # The screen's size is fixed: the pages take the room left, never grow the window past the screen.
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.page_of: dict[Screen, QWidget] = {}
        self.home_button = button("homeButton", "", c.go_home)
        self.help_button = button("helpButton", "", c.request_help, role="help")
        self.help_notice = label("helpNotice", role="notice")
        self.footer = QHBoxLayout()
        self.footer.addWidget(self.home_button)
        self.footer.addStretch(1)
        self.footer.addWidget(self.help_notice, 2)
        self.footer.addWidget(self.help_button)

        header = QHBoxLayout()
        header.addWidget(self.hall_name, 1)
        header.addWidget(self.clock)
        header.addWidget(self.elder_button)
        header.addWidget(self.language_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        landscape = controller.config.orientation is Orientation.LANDSCAPE
        # landscape: every pixel of height goes to the page (the keypad and keyboard need it in elder mode)
        layout.setContentsMargins(32, 12 if landscape else 24, 32, 12 if landscape else 24)
        layout.setSpacing(12 if landscape else 20)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        layout.addLayout(self.footer)
        self.simulator_strip: SimulatorStrip | None = None
        if controller.config.simulated:  # a demo PC: stand-ins for the card, the paper, the phone
            self.simulator_strip = SimulatorStrip(SimulatorPanel(controller))
            layout.addWidget(self.simulator_strip)
        self.setCentralWidget(body)

        self.add_page(Screen.HOME, HomePage(controller))
        matters = MattersPage(controller)  # the same picker for taking a ticket and for 办事指南
        self.add_page(Screen.MATTERS, matters)
        self.page_of[Screen.GUIDES] = matters
        self.add_page(Screen.GUIDE, GuidePage(controller))
        self.add_page(Screen.LOOKUP, LookupPage(controller))
        self.add_page(Screen.IDENTIFY, IdentifyPage(controller))
        self.add_page(Screen.ISSUE, IssuePage(controller))
        self.add_page(Screen.TICKET, TicketPage(controller))
        self.add_page(Screen.CHECKIN, CheckInPage(controller))
        self.add_page(Screen.EVALUATE, EvaluatePage(controller))
        self.add_page(Screen.COMPLAINT, ComplaintPage(controller))
        controller.subscribe(self.refresh)
        # a window deleted before its controller stops must not be refreshed any more
        self.destroyed.connect(partial(controller.unsubscribe, self.refresh))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._styled_elder: bool | None = None
        self.refresh()

    def add_page(self, screen: Screen, page: QWidget) -> None:
        self.page_of[screen] = page
        self.pages.addWidget(page)

    def _toggle_language(self) -> None:
        c = self.controller
        c.set_language(Language.EN if c.language is Language.ZH else Language.ZH)

    def _tick(self) -> None:
        self.controller.tick()
        self.clock.setText(datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Any touch, click or key anywhere in the window (a keypad key, a list scrolled) restarts the idle
        timer: a button consumes its press, so the window's own mousePressEvent would never hear of it."""
        if event.type() in TOUCHES and isinstance(watched, QWidget) and watched.window() is self:
            self.controller.touch()
        return False

    def refresh(self) -> None:
        c = self.controller
        if self._styled_elder is not c.elder:
            self.setStyleSheet(stylesheet(c.elder, compact=c.config.orientation is Orientation.LANDSCAPE))
            self._styled_elder = c.elder
        self.hall_name.setText(c.hall_name or "政务服务中心")
        self.clock.setText(datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"))
        set_text(self.elder_button, tr("common.elder_off" if c.elder else "common.elder_on", c.language))
        set_text(self.language_button, tr("common.language", c.language))
        set_text(self.home_button, tr("common.home", c.language))
        self.home_button.setVisible(c.screen is not Screen.HOME)
        self.banner.setText(tr("common.offline", c.language))
        self.banner.setVisible(c.server_down)
        self._refresh_help()
        page = self.page_of.get(c.screen, self.page_of[Screen.HOME])
        left = self.pages.currentWidget()
        self.pages.setCurrentWidget(page)
        if self.simulator_strip is not None:
            self.simulator_strip.refresh()
        # Back home (flows reset), every page re-renders: a hidden page must not keep a visitor's name or
        # number on its labels.
        wiped = c.screen is Screen.HOME and left is not page
        for shown in self.page_of.values() if wiped else (page,):
            refresh = getattr(shown, "refresh", None)
            if refresh is not None:
                refresh()

    def _refresh_help(self) -> None:
        c = self.controller
        set_text(self.help_button, tr("common.help", c.language))
        self.help_button.setEnabled(c.online or c.help is not HelpState.NONE)
        notice = {
            HelpState.SENDING: "help.sending",
            HelpState.SENT: "help.sent",
            HelpState.FAILED: "help.failed",
        }
        key = notice.get(c.help)
        self.help_notice.setText(tr(key, c.language) if key else "")
        self.help_notice.setProperty("role", "error" if c.help is HelpState.FAILED else "notice")
        self.help_notice.style().polish(self.help_notice)
        self.help_notice.setVisible(key is not None)


def build_kiosk(
    config: KioskConfig, runner: Runner | None = None, audio_out: AudioOut | None = None
) -> tuple[KioskWindow, KioskController]:
    """The window and its controller, not yet started (call controller.start() once the window shows)."""
    client = HallClient(config.server, config.token, timeout=10.0)
    controller = KioskController(config, client, DeviceHub(config), runner or QtRunner(), audio_out=audio_out)
    window = KioskWindow(controller)
    return window, controller


def application_font() -> QFont:
    font = QFont(FONT_FAMILY)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return font


class InstallCheck(QObject):
    """`yimen kiosk|counter --screenshot PATH / --exit-after S`: once the window shows the hall server's data
    (`ready`), save it as PNG and quit 0; if the server has not answered within the wait, quit 2 (`failure`
    says why)."""

    def __init__(
        self,
        window: QWidget,
        screenshot: Path | None,
        wait_seconds: float,
        ready: Callable[[], bool],
        server: str,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.screenshot = screenshot
        self.ready = ready
        self.server = server
        self.failure = ""
        self.deadline = time.monotonic() + wait_seconds
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._check)
        self.timer.start()

    def _check(self) -> None:
        answered = self.ready()
        if self.screenshot is not None and answered:
            refresh = getattr(self.window, "refresh", None)
            if refresh is not None:
                refresh()
            self.window.grab().save(str(self.screenshot))
            self._quit(0)
        elif time.monotonic() >= self.deadline:
            if not answered:
                self.failure = f"大厅服务器 {self.server} 在规定时间内没有应答，请检查地址和网络"
            self._quit(0 if answered else 2)

    def _quit(self, status: int) -> None:
        self.timer.stop()
        QApplication.instance().exit(status)  # type: ignore[union-attr]
