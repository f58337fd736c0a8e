"""电子证照标识 (GB/T 36904 structure, standards.md §3.5):
`1.2.156.3005.2.{type}.{issuer}.{serial}.{version}.{check}`.

The check character is ISO/IEC 7064 MOD 37,36 (hybrid system) over the concatenation of the four middle parts
(type code, issuer code, serial, version). Pure functions: no database, no clock."""

from __future__ import annotations

import re

PREFIX = "1.2.156.3005.2."
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 36 characters, values 0..35
MODULUS = 36
_TYPE = re.compile(r"^[0-9A-Z]{18}\d{3}$")  # the defining ministry's USCC + a 3-digit type number
_ISSUER = re.compile(r"^(?:[0-9A-Z]{18}|\d{6})$")  # the issuer's USCC, or a 6-digit region-style code
_SERIAL = re.compile(r"^[0-9A-Z]{1,32}$")
_VERSION = re.compile(r"^\d{3}$")


def check_character(body: str) -> str:
    """ISO/IEC 7064 MOD 37,36: the character that makes the hybrid check of body + it come out right."""
    product = MODULUS
    for char in body:
        value = ALPHABET.index(char)
        total = (product + value) % MODULUS or MODULUS
        product = (total * 2) % (MODULUS + 1)
    return ALPHABET[(MODULUS + 1 - product) % MODULUS]


def problem(identifier: str) -> str | None:
    """None when the identifier is well formed and its check character right; else what is wrong (Chinese)."""
    if not identifier.startswith(PREFIX):
        return f"电子证照标识应以 {PREFIX} 开头"
    parts = identifier[len(PREFIX) :].split(".")
    if len(parts) != 5:
        return "电子证照标识应为：证照类型代码.颁发机构代码.流水号.版本号.校验位"
    type_code, issuer, serial, version, check = parts
    for value, pattern, name in (
        (type_code, _TYPE, "证照类型代码"),
        (issuer, _ISSUER, "颁发机构代码"),
        (serial, _SERIAL, "流水号"),
        (version, _VERSION, "版本号"),
    ):
        if not pattern.fullmatch(value):
            return f"电子证照标识的{name}格式不正确"
    if len(check) != 1 or check_character(type_code + issuer + serial + version) != check:
        return "电子证照标识的校验位不正确"
    return None


def is_valid(identifier: str) -> bool:
    return problem(identifier) is None
