"""Look of the kiosk: one stylesheet, scaled for elder mode (larger type and targets, higher contrast)."""

from __future__ import annotations

FONT_FAMILY = "Noto Sans CJK SC"


def stylesheet(elder: bool) -> str:
    scale = 1.35 if elder else 1.0
    text = int(30 * scale)
    big = int(44 * scale)
    small = int(24 * scale)
    ink, paper, accent = ("#000000", "#ffffff", "#003d99") if elder else ("#1f2933", "#f4f7fb", "#1565c0")
    return f"""
    QWidget {{ font-family: "{FONT_FAMILY}"; font-size: {text}px; color: {ink}; background: {paper}; }}
    QLabel#hallName {{ font-size: {big}px; font-weight: bold; color: {accent}; }}
    QLabel#clock {{ font-size: {small}px; }}
    QLabel[role="title"] {{ font-size: {big}px; font-weight: bold; }}
    QLabel[role="hint"] {{ font-size: {small}px; color: {"#000000" if elder else "#52606d"}; }}
    QLabel#offlineBanner {{ background: #b00020; color: #ffffff; padding: 16px; font-size: {small}px; }}
    QPushButton {{
        background: #ffffff; border: {3 if elder else 2}px solid {accent}; border-radius: 14px;
        padding: 12px 20px; min-height: {int(72 * scale)}px; font-size: {text}px; color: {ink};
    }}
    QPushButton:disabled {{ color: #9aa5b1; border-color: #cbd2d9; }}
    QPushButton[role="primary"] {{ background: {accent}; color: #ffffff; font-size: {big}px;
        min-height: {int(150 * scale)}px; font-weight: bold; }}
    QPushButton[role="primary"]:disabled {{ background: #9aa5b1; color: #ffffff; }}
    QFrame#simulatorPanel {{ background: #fff8c5; border: 2px dashed #9a6700; }}
    QFrame#simulatorPanel QWidget {{ background: #fff8c5; font-size: 20px; }}
    QLabel[role="sim"] {{ color: #6b4700; font-weight: bold; font-size: 20px; }}
    QPushButton[role="sim"] {{ min-height: 40px; padding: 4px 10px; font-size: 20px; border-radius: 6px;
        border: 1px solid #9a6700; background: #ffffff; }}
    QPushButton[role="help"] {{ background: #fff4e5; border-color: #e65100; color: #8a2b00; }}
    /* take a ticket (h-ticket): identify, keypad, the ticket on screen */
    QLabel[role="callout"] {{ font-size: {big}px; border: 3px dashed {accent}; border-radius: 18px;
        padding: 40px 24px; qproperty-alignment: AlignCenter; }}
    QLabel[role="error"] {{ background: #fdecea; color: #8a1c12; border-radius: 10px; padding: 14px;
        font-weight: bold; }}
    QLabel[role="typed"] {{ font-size: {big}px; font-weight: bold; letter-spacing: 2px; padding: 10px;
        border-bottom: 3px solid {accent}; }}
    QLabel[role="ticketNumber"] {{ font-size: {int(96 * scale)}px; font-weight: bold; color: {accent};
        qproperty-alignment: AlignCenter; }}
    QPushButton[role="choice"] {{ font-size: {small}px; }}
    QPushButton[role="choice"][selected="true"] {{ background: {accent}; color: #ffffff; }}
    QPushButton[role="key"], QPushButton[role="confirm"] {{ font-size: {big}px; font-weight: bold;
        min-height: {int(70 * scale)}px; padding: 4px; }}
    QPushButton[role="confirm"] {{ background: {accent}; color: #ffffff; }}
    """
