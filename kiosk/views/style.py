"""Look of the kiosk: one stylesheet, scaled for elder mode (larger type and targets, higher contrast).

Pages never set colours or sizes themselves: they give a widget a `role` (the `role=` argument of
widgets.button / widgets.label) and this sheet styles every role, in both modes.

Labels (QLabel[role=...]):
    "title"     a screen's heading (the question the visitor answers here)
    "hint"      a quieter explanation under a title (what to do, where the card goes)
    "error"     what went wrong and what to do now (red, bold)
    "notice"    a confirmation that something worked (green; e.g. 已通知工作人员)
    "number"    a ticket number, huge (A012)
    "big"       an important value that is not a number (people ahead, the window)
    "panel"     a framed box (a ticket, a guide's section)
Buttons (QPushButton[role=...]):
    (none)      an ordinary choice (a matter, a key on the keypad)
    "primary"   the main action of a screen (取号, 确认): filled, tallest
    "secondary" a second action beside it (上一步, 我已记下): outlined, as tall as primary
    "key"       a keypad / keyboard key: square, big type
    "help"      请工作人员帮助 (orange; bigger and filled in elder mode)
    "toggle"    one of several choices that may all be on (a complaint's phrases): filled when selected
Object names styled here: hallName, clock, offlineBanner.
"""

from __future__ import annotations

from dataclasses import dataclass

FONT_FAMILY = "Noto Sans CJK SC"


@dataclass(frozen=True)
class Palette:
    ink: str
    paper: str
    accent: str
    muted: str
    error: str
    ok: str
    help: str
    help_paper: str


NORMAL = Palette("#1f2933", "#f4f7fb", "#1565c0", "#52606d", "#b00020", "#1b5e20", "#e65100", "#fff4e5")
# Elder mode: black on white, darker accent and signal colours (all ≥ 7:1 contrast on white).
ELDER = Palette("#000000", "#ffffff", "#002f7a", "#000000", "#8b0000", "#0b4214", "#8a2b00", "#ffe0b2")


def stylesheet(elder: bool, *, compact: bool = False) -> str:
    """`compact` (landscape): header and footer controls keep the ordinary touch target in elder mode, so
    the page between them keeps the height its keys need."""
    scale = 1.35 if elder else 1.0
    p = ELDER if elder else NORMAL
    text, big, small, huge = (int(size * scale) for size in (30, 44, 24, 120))
    border = 3 if elder else 2
    target = int(72 * scale)  # the smallest touch target
    return f"""
    QWidget {{ font-family: "{FONT_FAMILY}"; font-size: {text}px; color: {p.ink}; background: {p.paper}; }}
    QLabel#hallName {{ font-size: {big}px; font-weight: bold; color: {p.accent}; }}
    QLabel#clock {{ font-size: {small}px; }}
    QLabel[role="title"] {{ font-size: {big}px; font-weight: bold; }}
    QLabel[role="hint"] {{ font-size: {small}px; color: {p.muted}; }}
    QLabel[role="error"] {{ color: {p.error}; font-weight: bold; }}
    QLabel[role="notice"] {{ color: {p.ok}; font-weight: bold; }}
    QLabel[role="number"] {{ font-size: {huge}px; font-weight: bold; color: {p.accent}; }}
    QLabel[role="big"] {{ font-size: {big}px; font-weight: bold; }}
    QLabel[role="panel"] {{ border: {border}px solid {p.accent}; border-radius: 14px; padding: 20px;
        background: #ffffff; }}
    QLabel#offlineBanner {{ background: #b00020; color: #ffffff; padding: 16px; font-size: {small}px;
        font-weight: bold; }}
    QPushButton {{
        background: #ffffff; border: {border}px solid {p.accent}; border-radius: 14px;
        padding: 12px 20px; min-height: {target}px; font-size: {text}px; color: {p.ink};
    }}
    QPushButton:pressed {{ background: {p.help_paper}; }}
    QPushButton:disabled {{ color: #9aa5b1; border-color: #cbd2d9; background: #eef1f4; }}
    QPushButton[role="primary"] {{ background: {p.accent}; color: #ffffff; font-size: {big}px;
        min-height: {int(150 * scale)}px; font-weight: bold; }}
    QPushButton[role="primary"]:disabled {{ background: #9aa5b1; color: #ffffff; border-color: #9aa5b1; }}
    QPushButton[role="secondary"] {{ background: #ffffff; color: {p.accent}; font-size: {big}px;
        min-height: {int(110 * scale)}px; font-weight: bold; }}
    QPushButton[role="key"] {{ font-size: {big}px; font-weight: bold; min-width: {int(56 * scale)}px;
        min-height: {int(70 * scale)}px; padding: 4px; }}
    QPushButton[role="help"] {{ background: {p.help if elder else p.help_paper};
        border: {border}px solid {p.help}; color: {"#ffffff" if elder else p.help}; font-weight: bold;
        min-height: {int(90 * scale) if elder else target}px; font-size: {big if elder else text}px; }}
    QPushButton[role="help"]:disabled {{ background: {p.help_paper}; color: {p.help}; }}
    {COMPACT_FRAME.replace("TEXT", str(text)) if compact and elder else ""}
    QFrame#simulatorPanel {{ background: #fff8c5; border: 2px dashed #9a6700; }}
    QFrame#simulatorPanel QWidget {{ background: #fff8c5; font-size: 20px; }}
    QLabel[role="sim"] {{ color: #6b4700; font-weight: bold; font-size: 20px; }}
    QPushButton[role="sim"] {{ min-height: 40px; padding: 4px 10px; font-size: 20px; border-radius: 6px;
        border: 1px solid #9a6700; background: #ffffff; }}
    /* take a ticket (h-ticket): identify, keypad, the ticket on screen */
    QLabel[role="callout"] {{ font-size: {big}px; border: 3px dashed {p.accent}; border-radius: 18px;
        padding: 40px 24px; qproperty-alignment: AlignCenter; }}
    QLabel[role="error"] {{ background: #fdecea; color: #8a1c12; border-radius: 10px; padding: 14px;
        font-weight: bold; }}
    QLabel[role="typed"] {{ font-size: {big}px; font-weight: bold; letter-spacing: 2px; padding: 10px;
        border-bottom: 3px solid {p.accent}; }}
    QLabel[role="ticketNumber"] {{ font-size: {int(96 * scale)}px; font-weight: bold; color: {p.accent};
        qproperty-alignment: AlignCenter; }}
    QPushButton[role="choice"] {{ font-size: {small}px; }}
    QPushButton[role="choice"][selected="true"] {{ background: {p.accent}; color: #ffffff; }}
    QPushButton[role="confirm"] {{ font-size: {big}px; font-weight: bold;
        min-height: {int(70 * scale)}px; padding: 4px; }}
    QPushButton[role="toggle"][selected="true"] {{ background: {p.accent}; color: #ffffff;
        font-weight: bold; }}
    QWidget#letterKeyboard QPushButton[role="key"] {{ min-width: 40px; }}
    QPushButton[role="confirm"] {{ background: {p.accent}; color: #ffffff; }}
    """


# landscape elder: header and footer controls no taller than the ordinary touch target
COMPACT_FRAME = """
    QPushButton#elderButton, QPushButton#languageButton, QPushButton#homeButton {
        min-height: 72px; padding: 6px 20px; }
    QPushButton[role="help"] { min-height: 72px; padding: 6px 20px; font-size: TEXTpx; }
"""
