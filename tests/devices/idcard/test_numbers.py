from __future__ import annotations

import pytest

from devices.idcard import numbers
from devices.idcard.cards import CARDS
from devices.idcard.layouts import NUMBER_CHECKS
from devices.idcard.numbers import NumberCheck


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),
        ("11010119900307651", "X"),
        ("81000019880520123", "8"),
        ("91172419850615002", "4"),
    ],
)
def test_gb11643_check_char(first17: str, check: str) -> None:
    assert numbers.gb11643_check_char(first17) == check


def test_gb11643_needs_17_digits() -> None:
    with pytest.raises(ValueError, match="17 digits"):
        numbers.gb11643_check_char("1101051949123100")


@pytest.mark.parametrize(
    ("number", "result"),
    [
        ("11010519491231002X", NumberCheck.VALID),
        ("110105194912310021", NumberCheck.BAD_CHECKSUM),
        ("11010519491231002x", NumberCheck.BAD_FORMAT),
        ("11010519491231002", NumberCheck.BAD_FORMAT),
        ("1101051949123100AX", NumberCheck.BAD_FORMAT),
    ],
)
def test_resident_numbers(number: str, result: NumberCheck) -> None:
    assert numbers.check_resident_number(number) is result


@pytest.mark.parametrize(
    ("number", "result"),
    [
        ("810000198805201238", NumberCheck.VALID),
        ("810000198805201237", NumberCheck.BAD_CHECKSUM),
        ("11010519491231002X", NumberCheck.BAD_FORMAT),  # a resident number is no residence permit
        ("840000198805201238", NumberCheck.BAD_FORMAT),
    ],
)
def test_hmt_permit_numbers(number: str, result: NumberCheck) -> None:
    assert numbers.check_hmt_permit_number(number) is result


@pytest.mark.parametrize(
    ("number", "result"),
    [
        ("911724198506150024", NumberCheck.VALID),
        ("911724198506150025", NumberCheck.BAD_CHECKSUM),
        ("11010519491231002X", NumberCheck.BAD_FORMAT),
    ],
)
def test_foreign_pr_2023_numbers(number: str, result: NumberCheck) -> None:
    assert numbers.check_foreign_pr_2023_number(number) is result


@pytest.mark.parametrize(
    ("number", "result"),
    [
        ("GBR110090010112", NumberCheck.VALID),
        ("gbr110090010112", NumberCheck.BAD_FORMAT),
        ("GB1110090010112", NumberCheck.BAD_FORMAT),
        ("GBR11009001011", NumberCheck.BAD_FORMAT),
    ],
)
def test_foreign_pr_old_numbers(number: str, result: NumberCheck) -> None:
    assert numbers.check_foreign_pr_old_number(number) is result


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_fixture_number_is_valid_for_its_card_type(name: str) -> None:
    card = CARDS[name]
    assert NUMBER_CHECKS[card.card_type](card.id_number) is NumberCheck.VALID
