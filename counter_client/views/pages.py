"""Before work: the sign-in page and the page where the clerk picks a window."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from counter_client.controller.counter import CounterController
from hall_server.contract.queue import WindowState
from kiosk.views.widgets import button, label, set_text


class SignInPage(QWidget):
    def __init__(self, controller: CounterController) -> None:
        super().__init__()
        self.setObjectName("signInPage")
        self.controller = controller
        self.title = label("signInTitle", "窗口工作人员登录", role="title")
        self.login = QLineEdit(controller.config.login)
        self.login.setObjectName("loginName")
        self.login.setAccessibleName("登录名")
        self.login.setPlaceholderText("登录名")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setAccessibleName("密码")
        self.password.setPlaceholderText("密码")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.submit = button("signInButton", "登录", self._submit, role="primary")
        self.password.returnPressed.connect(self._submit)
        form = QVBoxLayout()
        for widget in (self.title, self.login, self.password, self.submit):
            widget.setFixedWidth(420)
            form.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(form)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def _submit(self) -> None:
        self.controller.sign_in(self.login.text(), self.password.text())
        self.password.clear()

    def refresh(self) -> None:
        c = self.controller
        self.submit.setEnabled(not c.busy)
        set_text(self.submit, "正在登录…" if c.busy == "sign-in" else "登录")


class WindowPage(QWidget):
    """One button per window: free ones can be opened, one held by another clerk says by whom."""

    def __init__(self, controller: CounterController) -> None:
        super().__init__()
        self.setObjectName("windowPage")
        self.controller = controller
        self.title = label("windowPageTitle", "请选择本次登录的窗口", role="title")
        self.grid = QGridLayout()
        self.buttons: dict[int, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.grid)
        layout.addStretch(1)

    def refresh(self) -> None:
        c = self.controller
        for number, widget in list(self.buttons.items()):
            if number not in {w.number for w in c.windows}:
                self.grid.removeWidget(widget)
                widget.deleteLater()
                del self.buttons[number]
        for index, window in enumerate(c.windows):
            if window.number not in self.buttons:
                made = button(f"window{window.number}", "", partial(c.choose_window, window.number))
                self.buttons[window.number] = made
                self.grid.addWidget(made, index // 4, index % 4)
            widget = self.buttons[window.number]
            mine = c.staff is not None and window.staff_id == c.staff.id
            held = window.state is not WindowState.CLOSED and not mine
            who = f"\n已由{window.staff_name or '他人'}登录" if held else ""
            set_text(widget, f"{window.name}{who}")
            widget.setEnabled(not c.busy and not held)
