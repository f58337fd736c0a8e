"""Look of the counter: a desk screen read at arm's length (1366×768 up), dense but calm. Widgets take a
`role` and this sheet styles it; pages never set colours or sizes themselves.

Labels: "title" (a panel's heading), "number" (the ticket number being served), "hint" (quieter text),
"error" / "notice" / "warning" (the message line), "figure" (a figure of the clerk's day).
Buttons: "primary" (叫号), "action" (the other ticket actions), "danger" (过号, 取消), "small".
"""

from __future__ import annotations

from kiosk.views.style import FONT_FAMILY

INK, PAPER, ACCENT, MUTED = "#1f2933", "#f4f7fb", "#1565c0", "#52606d"


def stylesheet() -> str:
    return f"""
    QWidget {{ font-family: "{FONT_FAMILY}"; font-size: 16px; color: {INK}; background: {PAPER}; }}
    QLabel#hallName {{ font-size: 18px; font-weight: bold; color: {ACCENT}; }}
    QLabel#windowTitle {{ font-size: 18px; font-weight: bold; }}
    QLabel[role="title"] {{ font-size: 17px; font-weight: bold; color: {ACCENT}; }}
    QLabel[role="hint"] {{ color: {MUTED}; font-size: 14px; }}
    QLabel[role="number"] {{ font-size: 56px; font-weight: bold; color: {ACCENT}; }}
    QLabel[role="figure"] {{ font-size: 22px; font-weight: bold; }}
    QLabel[role="error"] {{ background: #fdecea; color: #8a1c12; padding: 8px; font-weight: bold; }}
    QLabel[role="notice"] {{ background: #e8f5e9; color: #1b5e20; padding: 8px; font-weight: bold; }}
    QLabel[role="warning"] {{ background: #fff4e5; color: #8a4b00; padding: 8px; font-weight: bold; }}
    QLabel#offlineBanner {{ background: #b00020; color: #ffffff; padding: 8px; font-weight: bold; }}
    QFrame[role="panel"] {{ background: #ffffff; border: 1px solid #cbd2d9; border-radius: 8px; }}
    QFrame[role="panel"] QWidget {{ background: #ffffff; }}
    QPushButton {{ background: #ffffff; border: 1px solid {ACCENT}; border-radius: 6px; padding: 6px 12px;
        min-height: 34px; }}
    QPushButton:disabled {{ color: #9aa5b1; border-color: #cbd2d9; background: #eef1f4; }}
    QPushButton[role="primary"] {{ background: {ACCENT}; color: #ffffff; font-weight: bold; font-size: 18px;
        min-height: 48px; }}
    QPushButton[role="primary"]:disabled {{ background: #9aa5b1; color: #ffffff; border-color: #9aa5b1; }}
    QPushButton[role="action"] {{ font-weight: bold; min-height: 48px; }}
    QPushButton[role="danger"] {{ color: #8a1c12; border-color: #8a1c12; min-height: 48px; }}
    QPushButton[role="danger"]:disabled {{ color: #9aa5b1; border-color: #cbd2d9; background: #eef1f4; }}
    QPushButton[selected="true"] {{ background: {ACCENT}; color: #ffffff; font-weight: bold; }}
    QPushButton[role="small"] {{ min-height: 26px; padding: 2px 8px; font-size: 14px; }}
    QWidget#intakePage QLabel, QWidget#intakePage QLineEdit, QWidget#intakePage QComboBox {{
        font-size: 18px; }}
    QLabel#intakeCase {{ font-size: 22px; font-weight: bold; }}
    QCheckBox::indicator {{ width: 26px; height: 26px; }}
    QLineEdit:read-only {{ background: #eef1f4; }}
    QLineEdit, QComboBox {{ background: #ffffff; border: 1px solid #9aa5b1; border-radius: 4px; padding: 4px;
        min-height: 28px; }}
    """
