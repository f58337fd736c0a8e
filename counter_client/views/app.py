"""The counter window: header (hall, window, clerk, state, pause / resume / close / sign out), the message
lines (offline, device warnings, the last outcome), and one page per phase. `build_counter` wires the
window to a controller, the client and the devices."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_client.config import CounterConfig
from counter_client.controller.counter import PAUSE_NAMES, CounterController, Phase
from counter_client.controller.devices import WindowDevices
from counter_client.views.intake import IntakePage
from counter_client.views.pages import SignInPage, WindowPage
from counter_client.views.pickup import PickupDialog
from counter_client.views.style import stylesheet
from counter_client.views.work import WorkPage
from hall_server.client import HallClient
from hall_server.client.runner import Runner
from hall_server.contract.queue import WindowState
from kiosk.views.qtrunner import QtRunner
from kiosk.views.widgets import button, label

STATE_NAMES = {WindowState.OPEN: "服务中", WindowState.PAUSED: "暂停", WindowState.CLOSED: "未开放"}


class CounterWindow(QMainWindow):
    def __init__(self, controller: CounterController) -> None:
        super().__init__()
        self.setObjectName("counterWindow")
        self.setWindowTitle("一门 · 窗口终端")
        self.resize(1366, 768)
        self.setStyleSheet(stylesheet())
        self.controller = controller
        c = controller
        self.hall_name = label("hallName", wrap=False)
        self.window_title = label("windowTitle", wrap=False)
        self.screen_text = label("screenText", role="hint", wrap=False)  # what the window's LED screen says
        self.complaint_button = button("complaintButton", "记录投诉", self._open_complaint)
        self.pickup_button = button("pickupButton", "综合出件", c.pickup.open)
        self.pickup_dialog = PickupDialog(c.pickup, self)
        self.pause_button = button("pauseButton", "暂停", self._pause_or_resume)
        self.close_button = button("closeWindowButton", "关闭窗口", c.close_window)
        self.sign_out_button = button("signOutButton", "退出登录", c.sign_out)
        self.banner = label("offlineBanner")
        self.warnings = label("deviceWarnings", role="warning")
        self.notice = label("notice")
        self.sign_in_page = SignInPage(controller)
        self.window_page = WindowPage(controller)
        self.work_page = WorkPage(controller)
        self.intake_page = IntakePage(controller)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        # The screen's size is fixed: the pages take the room left, never grow the window past the screen.
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        for page in (self.sign_in_page, self.window_page, self.work_page, self.intake_page):
            self.pages.addWidget(page)
        header = QHBoxLayout()
        header.addWidget(self.hall_name)
        header.addWidget(self.window_title, 1)
        header.addWidget(self.screen_text)
        for widget in (
            self.complaint_button,
            self.pickup_button,
            self.pause_button,
            self.close_button,
            self.sign_out_button,
        ):
            header.addWidget(widget)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(self.warnings)
        layout.addWidget(self.notice)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(body)
        controller.subscribe(self.refresh)
        # a window deleted before its controller stops must not be refreshed any more
        self.destroyed.connect(partial(controller.unsubscribe, self.refresh))
        self.timer = QTimer(self)  # the waited / serving times go on ticking
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.work_page.tick)
        self.timer.start()
        self.refresh()

    def _open_complaint(self) -> None:
        self.work_page.open_complaint()

    def _pause_or_resume(self) -> None:
        c = self.controller
        if c.allowed("resume"):
            c.resume()
        elif c.allowed("pause"):
            self.work_page.open_pause()

    def refresh(self) -> None:
        c = self.controller
        page: dict[Phase, SignInPage | WindowPage | WorkPage | IntakePage] = {
            Phase.SIGN_IN: self.sign_in_page,
            Phase.PICK_WINDOW: self.window_page,
            Phase.WORK: self.intake_page if c.intake.shown else self.work_page,
        }
        shown = page[c.phase]
        self.pages.setCurrentWidget(shown)
        shown.refresh()
        self.hall_name.setText(c.hall_name or "政务服务中心")
        window = c.window
        if c.phase is Phase.WORK and window is not None:
            state = STATE_NAMES[window.state]
            if window.state is WindowState.PAUSED and window.pause_reason is not None:
                state += f"（{PAUSE_NAMES[window.pause_reason]}）"
            who = c.staff.name if c.staff else ""
            self.window_title.setText(f"{window.name} · {who} · {state}")
        else:
            self.window_title.setText(f"员工：{c.staff.name}" if c.staff else "")
        working = c.phase is Phase.WORK
        self.screen_text.setText(f"窗口屏：{c.screen_text()}")
        self.screen_text.setVisible(working and bool(c.config.ledscreen))
        for widget in (self.complaint_button, self.pickup_button, self.pause_button, self.close_button):
            widget.setVisible(working)
        self.pickup_dialog.refresh()
        self.complaint_button.setEnabled(c.allowed("complaint"))
        self.sign_out_button.setVisible(c.phase is not Phase.SIGN_IN)
        self.sign_out_button.setEnabled(not c.busy and c.current is None)
        resume = c.allowed("resume")
        self.pause_button.setText("恢复服务" if resume else "暂停")
        self.pause_button.setAccessibleName(self.pause_button.text())
        self.pause_button.setEnabled(resume or c.allowed("pause"))
        self.close_button.setEnabled(c.allowed("close"))
        self.banner.setText(f"{c.offline_reason}：操作暂停，正在重新连接…")
        self.banner.setVisible(not c.online and bool(c.offline_reason))
        self.warnings.setText("；".join(c.device_warnings))
        self.warnings.setVisible(bool(c.device_warnings))
        notice = c.notice
        self.notice.setVisible(notice is not None)
        if notice is not None:
            self.notice.setText(notice.text)
            self.notice.setProperty("role", "error" if notice.error else "notice")
            self.notice.style().polish(self.notice)


def build_counter(
    config: CounterConfig, runner: Runner | None = None
) -> tuple[CounterWindow, CounterController]:
    """The window and its controller, not yet started (call controller.start() once the window shows)."""
    client = HallClient(config.server, timeout=10.0)
    devices = WindowDevices(config.ledscreen, config.evalpad, config.idcard, config.printer)
    controller = CounterController(config, client, devices, runner or QtRunner())
    return CounterWindow(controller), controller
