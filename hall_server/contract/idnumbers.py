"""Identity numbers: kinds, check digits and masks (pure functions, no keys, no database), in the contract
so that a kiosk or counter checks a typed number exactly as the server will.

- 居民身份证 (GB 11643-1999): 6 address + 8 birth date + 3 sequence (odd = male) + ISO 7064 MOD 11-2 check.
- 港澳台居民居住证: the same format and check, address code 810000 (HK) / 820000 (Macau) / 830000 (Taiwan).
- 外国人永久居留身份证 2023: 18 digits starting with 9, MOD 11-2 check like the resident number.
- 外国人永久居留证 2017 (and 2004): 3 Latin letters + 12 digits, no public check digit.
- 统一社会信用代码 (GB 32100-2015): 18 chars over 0-9A-HJ-NP-RTUWXY, MOD 31 check, with the embedded
  9-char organisation code (GB 11714) carrying its own MOD 11 check.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from hall_server.contract.identity import IdKind as IdKind

# One mask for numbers, shared with the numbers found in free text.
from hall_server.contract.privacy import mask_number as mask_number

_MOD11_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MOD11_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_EIGHTEEN = re.compile(r"^[0-9]{17}[0-9X]$")
_FOREIGN_OLD = re.compile(r"^[A-Z]{3}[0-9]{12}$")
_USCC = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$")


class InvalidIdNumber(ValueError):
    """`reason` is a machine-readable code; str() is a Chinese message for the screen."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def mod11_2_check(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _MOD11_WEIGHTS, strict=True))
    return _MOD11_CHECK[total % 11]


def uscc_check(first17: str) -> str:
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def org_code_check(first8: str) -> str:
    def value(ch: str) -> int:
        return int(ch) if "0" <= ch <= "9" else ord(ch) - ord("A") + 10

    remainder = 11 - sum(value(ch) * w for ch, w in zip(first8, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def normalize(number: str) -> str:
    return number.strip().replace(" ", "").upper()


def birth_date_of(number: str) -> date | None:
    """Birth date encoded in an 18-digit number (resident, HMT permit, 2023 foreign card)."""
    if not _EIGHTEEN.match(number):
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def _latest_today() -> date:
    return datetime.now(timezone(timedelta(hours=14))).date()  # UTC+14 is the first to start a day


def classify_person_number(raw: str, today: date | None = None) -> IdKind:
    """Validate a personal identity number and return its kind; raises InvalidIdNumber. A birth date after
    `today` (the hall's service day; when not given, the latest date anywhere on Earth now) is refused."""
    number = normalize(raw)
    if _FOREIGN_OLD.match(number):
        return IdKind.FOREIGN_PR_OLD
    if not _EIGHTEEN.match(number):
        raise InvalidIdNumber("ID_FORMAT", "证件号码格式不正确，应为18位（末位可为X）")
    if mod11_2_check(number[:17]) != number[17]:
        raise InvalidIdNumber("ID_CHECKSUM", "证件号码校验位不正确，请核对后重新输入")
    born = birth_date_of(number)
    if born is None or born > (today or _latest_today()):
        raise InvalidIdNumber("ID_BIRTH_DATE", "证件号码中的出生日期无效")
    if number[0] == "9":
        return IdKind.FOREIGN_PR_2023
    if number[:6] in ("810000", "820000", "830000"):
        return IdKind.HMT_PERMIT
    return IdKind.RESIDENT


def validate_uscc(raw: str, *, strict: bool = True) -> str:
    """Return the normalised code or raise InvalidIdNumber. `strict` also checks the embedded org code."""
    code = normalize(raw)
    if not _USCC.match(code):
        raise InvalidIdNumber("USCC_FORMAT", "统一社会信用代码格式不正确，应为18位数字或大写字母")
    if uscc_check(code[:17]) != code[17]:
        raise InvalidIdNumber("USCC_CHECKSUM", "统一社会信用代码校验位不正确，请核对后重新输入")
    if strict and org_code_check(code[8:16]) != code[16]:
        raise InvalidIdNumber("USCC_ORG_CHECKSUM", "统一社会信用代码中的组织机构代码校验位不正确")
    return code


def validate(kind: IdKind, raw: str, today: date | None = None) -> str:
    """Validate a number claimed to be of `kind`; return it normalised."""
    if kind is IdKind.USCC:
        return validate_uscc(raw)
    found = classify_person_number(raw, today)
    if found is not kind:
        raise InvalidIdNumber("ID_KIND_MISMATCH", "证件号码与所选证件类型不符")
    return normalize(raw)


def mask_name(name: str) -> str:
    """`张*` for two characters, `张*三` for three, `欧**明` for four or more (Latin names likewise)."""
    name = name.strip()
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]
