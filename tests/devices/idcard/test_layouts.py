"""The four 256-byte text layouts, both ways."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.idcard import layouts
from devices.idcard.cards import CARDS
from devices.idcard.errors import CardDataError, IdNumberError
from devices.idcard.layouts import decode_card, encode_card

LONG_TERM_UCS2 = bytes.fromhex("7F 95 1F 67")


def field(text: bytes, offset: int, size: int) -> str:
    return text[offset : offset + size].decode("utf-16-le").rstrip(" ")


@pytest.mark.parametrize("name", sorted(CARDS))
def test_every_fixture_round_trips(name: str) -> None:
    card = CARDS[name]
    text = encode_card(card)
    assert len(text) == layouts.TEXT_SIZE
    decoded = decode_card(text, card.photo_wlt, card.fingerprint)
    assert decoded == card
    assert decoded.raw_text == text


@pytest.mark.parametrize(
    ("name", "flag"),
    [
        ("resident_male", b"\x20\x00"),
        ("hmt_permit", b"\x4a\x00"),
        ("foreign_pr_old", b"\x49\x00"),
        ("foreign_pr_2023", b"\x59\x00"),
    ],
)
def test_type_flag_at_offset_248(name: str, flag: bytes) -> None:
    assert encode_card(CARDS[name])[248:250] == flag


def test_resident_offsets() -> None:
    text = encode_card(CARDS["resident_male"])
    assert text[0:4] == "张三".encode("utf-16-le")
    assert field(text, 30, 2) == "1"
    assert field(text, 32, 4) == "01"
    assert field(text, 36, 16) == "19900307"
    assert field(text, 52, 70) == "北京市东城区示例大街1号"
    assert field(text, 122, 36) == "11010119900307651X"
    assert field(text, 158, 30) == "北京市公安局东城分局"
    assert field(text, 188, 16) == "20150307"
    assert field(text, 204, 16) == "20350307"
    assert text[220:256] == " ".encode("utf-16-le") * 18


def test_long_term_validity() -> None:
    card = CARDS["resident_longterm"]
    text = encode_card(card)
    assert text[204:208] == LONG_TERM_UCS2
    assert decode_card(text).valid_to is None


def test_address_with_spaces_is_kept_whole() -> None:
    card = decode_card(encode_card(CARDS["resident_longterm"]))
    assert card.address == "北京市朝阳区示例路 100 号院 2 号楼 3 单元 401 室"


def test_nul_padding_is_stripped_like_spaces() -> None:
    text = bytearray(encode_card(CARDS["resident_male"]))
    text[4:30] = bytes(26)  # name field padded with NULs instead of spaces
    assert decode_card(bytes(text)).name == "张三"


def test_hmt_permit_offsets() -> None:
    text = encode_card(CARDS["hmt_permit"])
    assert field(text, 32, 4) == ""  # reserved where the resident card has the nation
    assert field(text, 220, 18) == "H60123456"
    assert field(text, 238, 4) == "01"
    card = decode_card(text)
    assert (card.pass_number, card.issue_count, card.nation) == ("H60123456", 1, None)


def test_old_foreign_card_offsets() -> None:
    text = encode_card(CARDS["foreign_pr_old"])
    assert field(text, 0, 120) == "SMITH, JOHN"
    assert field(text, 120, 2) == "1"
    assert field(text, 122, 30) == "GBR110090010112"
    assert field(text, 152, 6) == "GBR"
    assert field(text, 158, 30) == "约翰"
    assert field(text, 220, 16) == "19900101"
    assert field(text, 236, 4) == "05"
    assert field(text, 240, 8) == "1100"


def test_2023_foreign_card_english_name_spans_two_fields() -> None:
    card = CARDS["foreign_pr_2023"]
    assert len(card.name_en or "") > 35
    text = encode_card(card)
    assert text[52:122].decode("utf-16-le") == (card.name_en or "")[:35]
    assert field(text, 220, 22) == (card.name_en or "")[35:]
    assert field(text, 32, 4) == "00"
    assert field(text, 242, 6) == "ESP"
    assert decode_card(text).name_en == card.name_en


def test_2023_foreign_card_short_english_name() -> None:
    card = dataclasses.replace(CARDS["foreign_pr_2023"], name_en="LI, MEI")
    assert decode_card(encode_card(card)).name_en == "LI, MEI"


def test_a_wrong_check_digit_is_an_error_of_its_own() -> None:
    card = dataclasses.replace(CARDS["resident_male"], id_number="110101199003076511")
    with pytest.raises(IdNumberError) as caught:
        decode_card(encode_card(card))
    assert caught.value.code == "IDCARD_NUMBER_CHECKSUM"
    assert "110101199003076511" not in str(caught.value)


def test_a_malformed_number_is_reported_as_format() -> None:
    card = dataclasses.replace(CARDS["foreign_pr_old"], id_number="GBR11009001011X")
    with pytest.raises(IdNumberError) as caught:
        decode_card(encode_card(card))
    assert caught.value.code == "IDCARD_NUMBER_FORMAT"


def test_a_resident_number_on_a_residence_permit_is_refused() -> None:
    card = dataclasses.replace(CARDS["hmt_permit"], id_number="11010119900307651X")
    with pytest.raises(IdNumberError):
        decode_card(encode_card(card))


def test_unknown_type_flag() -> None:
    text = bytearray(encode_card(CARDS["resident_male"]))
    text[248:250] = "Z".encode("utf-16-le")
    with pytest.raises(CardDataError, match="无法识别的证件类型"):
        decode_card(bytes(text))


def test_wrong_text_size() -> None:
    with pytest.raises(CardDataError):
        decode_card(bytes(255))


@pytest.mark.parametrize(
    ("offset", "value"),
    [(30, "3"), (32, "57"), (36, "19901332"), (188, "2015030A"), (204, "长久")],
)
def test_undecodable_fields(offset: int, value: str) -> None:
    text = bytearray(encode_card(CARDS["resident_male"]))
    encoded = value.encode("utf-16-le")
    text[offset : offset + len(encoded)] = encoded
    with pytest.raises(CardDataError) as caught:
        decode_card(bytes(text))
    assert caught.value.code == "IDCARD_DATA_INVALID"


def test_nation_table() -> None:
    assert len(layouts.NATIONS) == 58
    assert [f"{n:02d}" for n in range(1, 57)] + ["97", "98"] == list(layouts.NATIONS)
    assert layouts.NATIONS["01"] == "汉"
    assert layouts.NATIONS["46"] == "德昂"
    assert layouts.NATIONS["98"] == "外国血统中国籍人士"


def test_sex_table() -> None:
    assert layouts.SEXES == {"0": "未知", "1": "男", "2": "女", "9": "未说明"}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_repr_leaks_no_personal_data(name: str) -> None:
    card = CARDS[name]
    shown = repr(card)
    for secret in (card.name, card.name_en, card.id_number, card.address, card.pass_number):
        if secret:
            assert secret not in shown


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@given(
    name=st.text(CJK, min_size=1, max_size=15),
    address=st.text(st.one_of(CJK, st.sampled_from(" 0123456789-")), min_size=1, max_size=35).map(str.strip),
    authority=st.text(CJK, min_size=1, max_size=15),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    nation=st.sampled_from(sorted(layouts.NATIONS)),
)
def test_resident_text_round_trips_for_any_fitting_values(
    name: str, address: str, authority: str, birth: date, nation: str
) -> None:
    card = dataclasses.replace(
        CARDS["resident_male"],
        name=name,
        address=address or None,
        authority=authority,
        birth=birth,
        nation=layouts.NATIONS[nation],
        nation_code=nation,
    )
    assert decode_card(encode_card(card), card.photo_wlt) == card


def test_card_type_titles() -> None:
    names = ("resident_male", "hmt_permit", "foreign_pr_old", "foreign_pr_2023")
    assert [CARDS[name].title for name in names] == [
        "居民身份证",
        "港澳台居民居住证",
        "外国人永久居留证",
        "外国人永久居留身份证",
    ]
