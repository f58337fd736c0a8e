"""电子证照标识: ISO/IEC 7064 MOD 37,36 check character on the samples verified in standards.md §3.5."""

from __future__ import annotations

import pytest

from hall_server.cases.certid import check_character, is_valid, problem

VERIFIED = [
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",  # a 6-digit issuer code
]


@pytest.mark.parametrize("identifier", VERIFIED)
def test_the_verified_samples_validate(identifier: str) -> None:
    assert problem(identifier) is None and is_valid(identifier)


@pytest.mark.parametrize("identifier", VERIFIED)
def test_every_other_check_character_is_refused(identifier: str) -> None:
    body, right = identifier[:-1], identifier[-1]
    wrong = [c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c != right]
    assert all(problem(body + c) == "电子证照标识的校验位不正确" for c in wrong)


def test_a_changed_character_in_the_body_is_caught() -> None:
    sample = VERIFIED[0]
    changed = sample.replace("20230000403", "20230000404")
    assert problem(changed) == "电子证照标识的校验位不正确"


def test_check_character_of_the_concatenated_parts() -> None:
    assert check_character("11100000000013338W011" + "11430000006122244L" + "20230000403" + "001") == "U"


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("2.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U", "开头"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.001.U", "证照类型代码.颁发机构代码"),
        ("1.2.156.3005.2.1110000000013338W011.11430000006122244L.20230000403.001.U", "证照类型代码格式"),
        ("1.2.156.3005.2.11100000000013338W011.1143000.20230000403.001.U", "颁发机构代码格式"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023-0403.001.U", "流水号格式"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.1.U", "版本号格式"),
    ],
)
def test_malformed_identifiers_say_which_part(identifier: str, message: str) -> None:
    assert message in (problem(identifier) or "")
