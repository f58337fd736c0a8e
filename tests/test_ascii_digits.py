"""Digits are ASCII digits: str.isdigit(), int() and regex \\d also take '²', '٣' or '３', which either crash
int() (a 500) or let a second spelling of the same number through."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from hall_server.contract import idnumbers as numbers
from hall_server.contract.appointments import CheckInRequest
from hall_server.contract.live import Subscribe
from hall_server.platform.validation import is_citizen_id
from hall_server.sync import wire
from tests.factories import YOUNG_ID

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_an_id_number_in_other_digits_is_not_a_second_spelling():
    with pytest.raises(numbers.InvalidIdNumber) as caught:
        numbers.classify_person_number(YOUNG_ID.translate(ARABIC_INDIC))
    assert caught.value.reason == "ID_FORMAT"
    assert not is_citizen_id(YOUNG_ID.translate(ARABIC_INDIC))
    assert not is_citizen_id("²" * 18)


def test_contract_patterns_take_ascii_digits_only():
    with pytest.raises(ValidationError):
        CheckInRequest(code="12345678".translate(ARABIC_INDIC))
    with pytest.raises(ValidationError):
        Subscribe(topics=["window:٣"])
    assert Subscribe(topics=["window:3"]).topics == ["window:3"]


def test_a_signed_request_with_a_non_ascii_timestamp_is_refused_not_a_crash():
    headers = {wire.APP_ID_HEADER: "app", wire.TIMESTAMP_HEADER: "²"}
    with pytest.raises(wire.SignatureError) as caught:
        wire.verify({"app": b"secret"}, "POST", "/x", headers, b"", time.time())
    assert caught.value.code == "TIMESTAMP_SKEW"
