"""R12: personal numbers in free text are found and masked; every free-text field of the contract masks."""

from __future__ import annotations

import types
import typing

import pytest
from pydantic.fields import FieldInfo

from hall_server.contract import idnumbers as numbers
from hall_server.contract.base import Model
from hall_server.contract.privacy import FREE_TEXT_MASK, find_personal_numbers, mask_personal_data
from tests.contract.test_contract import contract_models
from tests.factories import citizen_id

RESIDENT = citizen_id("34010419900101123")
HMT = citizen_id("81000019900101123")
FOREIGN_2023 = citizen_id("93315619900101123")


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        (f"身份证{RESIDENT}已核验", f"身份证{numbers.mask_number(RESIDENT)}已核验"),
        ("11010519491231002x 请核对", "1101**********002X 请核对"),  # lower-case check character
        (f"居住证{HMT}", f"居住证{numbers.mask_number(HMT)}"),
        (f"永居证 {FOREIGN_2023}", f"永居证 {numbers.mask_number(FOREIGN_2023)}"),
        ("３４０１０４１９９００１０１１２３４", "3401**********1234"),  # full width
        ("340104 19900101 1234", "3401**********1234"),  # written in groups
        ("340104199001011239", "3401**********1239"),  # wrong check character: still somebody's number
        ("旧证340104900101123。", "旧证3401*******1123。"),  # 15 digits (1999 and before)
        ("USA110079100101", "USA1*******0101"),  # 外国人永久居留证 (2004/2017)
        ("电话13812345678", "电话138****5678"),
        ("电话 +86 138-1234-5678 回电", "电话 +86 138****5678 回电"),
        ("8613812345678，0086 138 1234 5678", "86138****5678，0086 138****5678"),
        ("１３８１２３４５６７８，全角", "138****5678，全角"),
        ("港澳通行证H12345678 回乡证M1234567801", "港澳通行证H******78 回乡证M********01"),
        ("护照E12345678、EA1234567", "护照E******78、E******67"),
        ("台胞证号码：12345678", "台胞证号码：1*****78"),
        ("Passport No. 123456789", "Passport No. 1******89"),
    ],
)
def test_personal_numbers_are_masked(typed: str, masked: str):
    assert mask_personal_data(typed) == masked
    assert mask_personal_data(masked) == masked  # masking twice changes nothing


@pytest.mark.parametrize(
    "kept",
    [
        "转至不动产窗口，办件号330106250318000042",  # 18 digits without a birth date
        "预约码12345678 已签到",  # 8 digits alone: an appointment code, not a permit
        "2026-11-29 下午 A023 号",
        "咨询电话 0551-65123456，12345 热线",
        "统一社会信用代码11330106MB1234562M",
        "居住证 expired",
        "身份证 复印件2份",
        "全角标点：，。保持原样　（）",
    ],
)
def test_other_text_is_kept_as_typed(kept: str):
    assert find_personal_numbers(kept) == []
    assert mask_personal_data(kept) == kept


# str fields of request models that are not free text, and why.
NOT_FREE_TEXT = {
    "auth.LoginRequest.login": "compared, never stored",
    "auth.LoginRequest.password": "hashed, never stored",
    "auth.StaffIn.password": "hashed",
    "live.Auth.token": "a bearer token, compared as its hash",
    "identity.IdentityIn.number": "the identity itself: validated, stored encrypted, shown masked",
    "identity.IdentityIn.name": "the visitor's name: stored encrypted, shown masked (张*三)",
    "catalogue.MatterIn.implementing_org_uscc": "a USCC, validated by its check characters",
    "catalogue.MatterIn.consult_phone": "the hall's published consultation number, public by design",
    "catalogue.MatterIn.supervise_phone": "the published complaints number, public by design",
    "halls.HallIn.phone": "the hall's published number, public by design",
    "halls.HallIn.org_uscc": "a USCC, validated by its check characters",
    "catalogue.MatterIn.category_code": "a code looked up; an unknown one is refused",
    "queue.IssueTicketRequest.category_code": "a code looked up; an unknown one is refused",
    "queue.TransferRequest.to_category_code": "a code looked up; an unknown one is refused",
    "queue.WindowIn.category_codes": "codes looked up; an unknown one is refused",
    "queue.WindowCategoriesIn.category_codes": "codes looked up; an unknown one is refused",
    "queue.WindowIn.may_serve_codes": "codes looked up; an unknown one is refused",
    "appointments.SlotIn.category_code": "a code looked up; an unknown one is refused",
    "appointments.SlotGenerateIn.category_code": "a code looked up; an unknown one is refused",
    "sync.ReplayRequest.event_ids": "event ids looked up",
    "sync.ReplayRequest.target": "a configured target's name",
    "live.Subscribe.topics": "topic names, each matching TOPIC_PATTERN",
    "displays.DisplayProfileIn.category_codes": "codes looked up; an unknown one is refused",
    "evaluation.EvaluationIn.indicator_codes": "codes, each matching IndicatorCode's pattern",
    "evaluation.FollowEvaluationIn.indicator_codes": "codes, each matching IndicatorCode's pattern",
    "auth.StaffHallsIn.halls": "hall codes looked up; an unknown one is refused",
}


def _has_str(annotation: object) -> bool:
    if annotation is str:
        return True
    return any(_has_str(arg) for arg in typing.get_args(annotation) if arg is not types.NoneType)


def _constrained(info: FieldInfo) -> bool:
    """FreeText, or a pattern that leaves no room for free text."""
    return FREE_TEXT_MASK in info.metadata or any(getattr(m, "pattern", None) for m in info.metadata)


def test_every_free_text_field_of_a_request_masks():
    """A new str field of a request must be FreeText, have a pattern, or be listed above with a reason."""
    unguarded = []
    for name, model in contract_models().items():
        if not issubclass(model, Model) or model.model_config.get("extra") != "forbid":
            continue  # responses (MatterOut extends MatterIn) are not accepted from anyone
        for field, info in model.model_fields.items():
            key = f"{name}.{field}"
            if _has_str(info.annotation) and not _constrained(info) and key not in NOT_FREE_TEXT:
                unguarded.append(key)
    assert unguarded == []


def test_the_exemption_list_names_real_fields():
    models = contract_models()
    for key in NOT_FREE_TEXT:
        module, model, field = key.split(".")
        assert field in models[f"{module}.{model}"].model_fields, key
