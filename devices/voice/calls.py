"""What a call says, as tokens: "请 A012 号 到 5 号窗口 办理" → 请 A 零 一 二 号 ， 到 五 号 窗口 办理.

The ticket number is read character by character (letter, then each digit, 0 as 零), as halls do, so that
A012 is never "A twelve"; the window is a cardinal number (12 → 十二, 105 → 一百零五). A recall adds 再次
("请 A012 号 再次到 5 号窗口 办理"). `PAUSE` marks a phrase break: a longer silence for the clip engine, a
comma for espeak. Every token has a clip (`CLIP_NAMES`, the file stem under devices/voice/clips/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devices.errors import DeviceError

PAUSE = "，"
DIGITS = "零一二三四五六七八九"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
WORD_CLIPS = {
    "请": "qing",
    "号": "hao",
    "到": "dao",
    "窗口": "chuangkou",
    "办理": "banli",
    "再次": "zaici",
    "十": "shi",
    "百": "bai",
}
CLIP_NAMES: dict[str, str] = {
    **WORD_CLIPS,
    **{digit: f"digit{value}" for value, digit in enumerate(DIGITS)},
    **{letter: f"letter_{letter.lower()}" for letter in LETTERS},
}
TICKET_PATTERN = re.compile(r"[A-Z]{0,3}[0-9]{1,5}")
MAX_WINDOW = 999


class VoiceCallError(DeviceError):
    code = "VOICE_BAD_CALL"


@dataclass(frozen=True)
class Call:
    """One call to a window: `ticket` like "A012", `window` 1–999, `recall` to call the same ticket again."""

    ticket: str
    window: int
    recall: bool = False


def call_tokens(call: Call) -> list[str]:
    ticket = call.ticket.strip().upper()
    if not TICKET_PATTERN.fullmatch(ticket):
        raise VoiceCallError(
            "票号无法朗读", detail=f"ticket {call.ticket!r}: up to 3 letters then 1–5 digits"
        )
    if not 1 <= call.window <= MAX_WINDOW:
        raise VoiceCallError("窗口号无法朗读", detail=f"window {call.window}: 1–{MAX_WINDOW}")
    spelled = [DIGITS[int(char)] if char.isdigit() else char for char in ticket]
    going = ["再次", "到"] if call.recall else ["到"]
    return ["请", *spelled, "号", PAUSE, *going, *cardinal(call.window), "号", "窗口", "办理"]


def cardinal(number: int) -> list[str]:
    """1–999 as spoken: 5 → 五, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五, 110 → 一百一十."""
    if not 1 <= number <= MAX_WINDOW:
        raise VoiceCallError("数字超出朗读范围", detail=str(number))
    hundreds, tens, ones = number // 100, number // 10 % 10, number % 10
    tokens: list[str] = []
    if hundreds:
        tokens += [DIGITS[hundreds], "百"]
    if tens:
        if tens > 1 or hundreds:
            tokens.append(DIGITS[tens])
        tokens.append("十")
    elif hundreds and ones:
        tokens.append("零")
    if ones:
        tokens.append(DIGITS[ones])
    return tokens
