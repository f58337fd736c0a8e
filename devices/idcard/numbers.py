"""Identity-number checks for the four card types: pure functions over strings.

* 居民身份证 and 港澳台居民居住证: 18 characters, GB 11643 check character (ISO 7064 MOD 11-2): weights
  7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over the first 17 digits, r = Σ mod 11, check = "10X98765432"[r].
  Residence permits use the address codes 810000 (Hong Kong), 820000 (Macau), 830000 (Taiwan).
* 外国人永久居留身份证 (2023): 18 characters `9` + 16 digits + check character, same GB 11643 rule.
* 外国人永久居留证 (old): 15 characters, three letters (nationality) and twelve digits; only the shape is
  checked.
"""

from __future__ import annotations

import re
from enum import Enum

GB11643_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
GB11643_CHECK_CHARS = "10X98765432"

_RESIDENT = re.compile(r"\d{17}[\dX]")
_HMT_PERMIT = re.compile(r"8[123]0000\d{11}[\dX]")
_FOREIGN_PR_2023 = re.compile(r"9\d{16}[\dX]")
_FOREIGN_PR_OLD = re.compile(r"[A-Z]{3}\d{12}")


class NumberCheck(Enum):
    VALID = "valid"
    BAD_FORMAT = "bad_format"
    BAD_CHECKSUM = "bad_checksum"


def gb11643_check_char(first17: str) -> str:
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("GB 11643 needs exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, GB11643_WEIGHTS, strict=True))
    return GB11643_CHECK_CHARS[total % 11]


def _check_gb11643(number: str, shape: re.Pattern[str]) -> NumberCheck:
    if not shape.fullmatch(number):
        return NumberCheck.BAD_FORMAT
    if gb11643_check_char(number[:17]) != number[17]:
        return NumberCheck.BAD_CHECKSUM
    return NumberCheck.VALID


def check_resident_number(number: str) -> NumberCheck:
    return _check_gb11643(number, _RESIDENT)


def check_hmt_permit_number(number: str) -> NumberCheck:
    return _check_gb11643(number, _HMT_PERMIT)


def check_foreign_pr_2023_number(number: str) -> NumberCheck:
    return _check_gb11643(number, _FOREIGN_PR_2023)


def check_foreign_pr_old_number(number: str) -> NumberCheck:
    return NumberCheck.VALID if _FOREIGN_PR_OLD.fullmatch(number) else NumberCheck.BAD_FORMAT
