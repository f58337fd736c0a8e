"""Identity numbers against the worked examples of standards.md §4."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hall_server.contract import idnumbers as numbers
from hall_server.contract.idnumbers import IdKind, InvalidIdNumber
from tests.factories import citizen_id


def test_gb11643_worked_examples():
    assert numbers.mod11_2_check("11010519491231002") == "X"
    assert numbers.mod11_2_check("44052418800101001") == "4"
    assert numbers.classify_person_number("11010519491231002X") is IdKind.RESIDENT
    assert numbers.classify_person_number("11010519491231002x") is IdKind.RESIDENT


def test_bad_check_digit_is_refused_with_a_code_and_chinese_message():
    with pytest.raises(InvalidIdNumber) as caught:
        numbers.classify_person_number("110105194912310021")
    assert caught.value.reason == "ID_CHECKSUM"
    assert "校验位" in str(caught.value)


@pytest.mark.parametrize(
    ("first17", "kind"),
    [
        ("81000019900101123", IdKind.HMT_PERMIT),
        ("82000019900101123", IdKind.HMT_PERMIT),
        ("83000019900101123", IdKind.HMT_PERMIT),
        ("93115619800101123", IdKind.FOREIGN_PR_2023),
    ],
)
def test_residence_permits_and_2023_foreign_card(first17, kind):
    assert numbers.classify_person_number(first17 + numbers.mod11_2_check(first17)) is kind


def test_old_foreign_permanent_resident_card():
    assert numbers.classify_person_number("USA123456789012") is IdKind.FOREIGN_PR_OLD


def test_impossible_birth_date_is_refused():
    first17 = "11010519491331002"
    with pytest.raises(InvalidIdNumber) as caught:
        numbers.classify_person_number(first17 + numbers.mod11_2_check(first17))
    assert caught.value.reason == "ID_BIRTH_DATE"


def test_kind_must_match_the_number():
    with pytest.raises(InvalidIdNumber) as caught:
        numbers.validate(IdKind.HMT_PERMIT, "11010519491231002X")
    assert caught.value.reason == "ID_KIND_MISMATCH"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",
        "11310000MB2F30661Y",
        "11100000000013338W",
        "91110000802100433B",
        "11330106MB1234562M",
    ],
)
def test_uscc_real_examples(code):
    assert numbers.validate_uscc(code) == code


def test_uscc_bad_check_and_bad_embedded_org_code():
    with pytest.raises(InvalidIdNumber) as caught:
        numbers.validate_uscc("91350100M000100Y44")
    assert caught.value.reason == "USCC_CHECKSUM"
    body = "91350100M000100Y5"  # embedded GB 11714 check changed from 4 to 5
    code = body + numbers.uscc_check(body)
    with pytest.raises(InvalidIdNumber) as caught:
        numbers.validate_uscc(code)
    assert caught.value.reason == "USCC_ORG_CHECKSUM"
    assert numbers.validate_uscc(code, strict=False) == code


def test_masks():
    assert numbers.mask_number("340102199003071234") == "3401**********1234"
    assert numbers.mask_name("张三") == "张*"
    assert numbers.mask_name("张小三") == "张*三"
    assert numbers.mask_name("欧阳小明") == "欧**明"


@given(st.text(max_size=40))
def test_any_text_is_either_a_valid_kind_or_a_coded_refusal(text):
    try:
        kind = numbers.classify_person_number(text)
    except InvalidIdNumber as exc:
        assert exc.reason.startswith("ID_")
    else:
        assert kind in IdKind


def test_a_birth_date_after_today_is_refused():
    born = date(2026, 11, 25)
    number = citizen_id("110105" + born.strftime("%Y%m%d") + "001")
    assert numbers.classify_person_number(number, today=born) is IdKind.RESIDENT
    with pytest.raises(numbers.InvalidIdNumber) as caught:
        numbers.classify_person_number(number, today=born - timedelta(days=1))
    assert caught.value.reason == "ID_BIRTH_DATE"
    with pytest.raises(numbers.InvalidIdNumber):  # without a hall clock: no one is born in 2099 yet
        numbers.classify_person_number(citizen_id("11010520990101001"))
