"""Personal data typed into free text (R12): identity, permit, passport and mobile numbers are masked.

A clerk's transfer note or a cancel reason may hold a visitor's ID number or phone number. Every free-text
field of the contract is a `FreeText`, which masks them when the body is read, before anything stores,
logs, sends or shows it; the clerk's note is kept, with the number in the same masked form as everywhere
else (`3401**********1234`, `138****5678`). Masking rather than refusing: a refused note would be lost or
retyped without the number, and a number the detector misses would get through either way.

Detected (after full-width ０-９ Ａ-Ｚ ＋ － are read as their ASCII forms):
- 18-digit numbers with a birth date in positions 7-14: 居民身份证, 港澳台居民居住证 (810000/820000/830000),
  外国人永久居留身份证 2023 (9…); the check character is not required, so a mistyped one is masked too;
- 15-digit 居民身份证 (1999 and before) with a YYMMDD birth date in positions 7-12;
- 外国人永久居留证 (2004/2017): 3 letters + 12 digits;
- passports and travel permits: 1-2 letters + 7-10 digits (护照 E12345678 / EA1234567, 港澳居民来往内地通行证
  H12345678 / M1234567801, 往来港澳通行证 C12345678);
- any 6-20 letters and digits right after 护照/通行证/台胞证/居留证/居住证/身份证/证件 (号/号码) — e.g. the
  8-digit 台湾居民来往大陆通行证, which alone cannot be told from a date or an appointment code;
- mobile numbers 1[3-9]x xxxx xxxx, also with spaces or dashes and a +86 / 0086 / 86 prefix.

Pure standard library: the contract is imported by apps and devices without the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated

from pydantic import AfterValidator

_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + i): chr(0x30 + i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"＋": "+", "－": "-", "\u3000": " "}
)
_SEP = r"[ \-]?"  # one optional space or dash between digits, as numbers are written for reading
_START = r"(?<![0-9A-Za-z])"
_END = r"(?![0-9A-Za-z])"
_ID18 = re.compile(_START + r"\d(?:" + _SEP + r"\d){16}" + _SEP + r"[\dXx]" + _END)
_ID15 = re.compile(_START + r"\d(?:" + _SEP + r"\d){14}" + _END)
_FOREIGN_OLD = re.compile(_START + r"[A-Za-z]{3}" + _SEP + r"\d{12}" + _END)
_MOBILE = re.compile(
    _START + r"(?P<prefix>(?:\+|00)?86" + _SEP + r")?(?P<number>1[3-9]\d(?:" + _SEP + r"\d){8})" + _END
)
_DOCUMENT = re.compile(_START + r"[A-Za-z]{1,2}\d{7,10}" + _END)
_AFTER_KEYWORD = re.compile(
    r"(?:护照|通行证|台胞证|居留证|居住证|身份证|证件|passport)\s*(?:号码|号|no\.?|number)?\s*[:：]?\s*"
    r"(?P<number>(?=[A-Za-z]*\d)[A-Za-z0-9]{6,20})" + _END,
    re.IGNORECASE,
)


def mask_number(number: str) -> str:
    """`3401**********1234`: keep the first 4 and last 4, always hiding the birth date."""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 1)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_mobile(mobile: str) -> str:
    """`138****5678`."""
    return f"{mobile[:3]}****{mobile[-4:]}"


def mask_contact(phone: str) -> str:
    """A call-back phone (mobile or landline, dashes allowed) as it is shown and sent: `138****5678`,
    `055****3456`."""
    digits = phone.replace("-", "")
    return mask_mobile(digits) if len(digits) >= 7 else "*" * len(digits)


def mask_document(number: str) -> str:
    """Passports and permits (8-12 characters): the first and the last two only, `E******78`."""
    if len(number) >= 15:
        return mask_number(number)
    return number[:1] + "*" * max(len(number) - 3, 1) + number[-2:]


def _digits(text: str) -> str:
    return re.sub(r"[ \-]", "", text).upper()


def _plausible_birth(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1850 <= year <= 2099


def _id18(match: re.Match[str]) -> str | None:
    number = _digits(match.group())
    born = _plausible_birth(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return mask_number(number) if born else None


def _id15(match: re.Match[str]) -> str | None:
    number = _digits(match.group())
    born = _plausible_birth(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return mask_number(number) if born else None


def _foreign_old(match: re.Match[str]) -> str | None:
    return mask_number(_digits(match.group()))


def _mobile(match: re.Match[str]) -> str | None:
    return (match.group("prefix") or "") + mask_mobile(_digits(match.group("number")))


def _document(match: re.Match[str]) -> str | None:
    return mask_document(match.group().upper())


Finder = tuple[re.Pattern[str], str | None, Callable[[re.Match[str]], str | None]]
# In order: the first finder to claim a stretch of text masks it.
_FINDERS: tuple[Finder, ...] = (
    (_ID18, None, _id18),
    (_FOREIGN_OLD, None, _foreign_old),
    (_MOBILE, None, _mobile),
    (_ID15, None, _id15),
    (_DOCUMENT, None, _document),
    (_AFTER_KEYWORD, "number", lambda m: mask_document(m.group("number").upper())),
)


def normalize_width(text: str) -> str:
    """Full-width digits, Latin letters, plus, minus and the ideographic space as ASCII (same length)."""
    return text.translate(_FULL_WIDTH)


def find_personal_numbers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, masked form) of every personal number in `text`, in order, not overlapping."""
    plain = normalize_width(text)
    found: list[tuple[int, int, str]] = []
    for pattern, group, mask in _FINDERS:
        for match in pattern.finditer(plain):
            start, end = match.span(group or 0)
            if any(start < taken_end and taken_start < end for taken_start, taken_end, _ in found):
                continue
            masked = mask(match)
            if masked is not None:
                found.append((start, end, masked))
    return sorted(found)


def mask_personal_data(text: str) -> str:
    """The text with every personal number in it masked; everything else as typed."""
    found = find_personal_numbers(text)
    if not found:
        return text
    parts: list[str] = []
    position = 0
    for start, end, masked in found:
        parts.append(text[position:start])
        parts.append(masked)
        position = end
    parts.append(text[position:])
    return "".join(parts)


FREE_TEXT_MASK = AfterValidator(mask_personal_data)
FreeText = Annotated[str, FREE_TEXT_MASK]
"""Every free-text field (notes, reasons, names of things, descriptions): personal numbers masked on read."""
