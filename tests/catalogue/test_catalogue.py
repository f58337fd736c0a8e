"""The catalogue through the service functions and the API: code rules, search, the 12 elements."""

from __future__ import annotations

import pytest

from hall_server.client import ApiError
from tests.factories import ORG_USCC, matter_in


def test_search_by_name_initials_pinyin_and_code(client_for, hall):
    kiosk = client_for("kiosk")
    assert [m.name for m in kiosk.matters("结婚")] == ["内地居民结婚登记"]
    assert [m.name for m in kiosk.matters("ndjmjhdj")] == ["内地居民结婚登记"]
    assert [m.name for m in kiosk.matters("jhdj")] == ["内地居民结婚登记"]  # initials with words left out
    assert [m.name for m in kiosk.matters("jiehun")] == ["内地居民结婚登记"]
    assert [m.name for m in kiosk.matters("340101")] == ["企业设立登记"]
    assert [m.name for m in kiosk.matters("", high_frequency=True)] == ["内地居民结婚登记"]
    assert kiosk.matters("zzzz") == []


def test_direct_matches_rank_before_loose_initials(client_for, hall):
    admin = client_for("admin")
    # initials dsjhzbldj: "jhdj" only with letters in between; it would sort first by name (丢 < 内)
    admin.save_matter(
        matter_in("340700102000", "丢失结婚证补领登记", "SOCIAL", type="07", high_frequency=True)
    )
    assert [m.name for m in admin.matters("jhdj")] == ["内地居民结婚登记", "丢失结婚证补领登记"]


def test_matter_shows_all_twelve_elements(client_for, hall):
    matter = client_for("kiosk").matter(hall.matters["marriage"])
    assert matter.catalog_code == "340700101000" and matter.task_code.startswith(ORG_USCC)
    assert matter.type_name == "行政确认" and matter.level_name == "县级"
    assert matter.legal_basis and matter.process_steps and matter.conditions and matter.application_form
    assert matter.promised_limit.value == 5 and matter.fees.basis == "不收费" and matter.result.name == "证书"
    assert matter.materials_to_bring == 1  # ID obtainable by data sharing; the photo is optional


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"catalog_code": "3407001010"}, "CATALOG_CODE_LENGTH"),
        ({"catalog_code": "340100101000"}, "CATALOG_CODE_TYPE"),
        ({"task_code": f"{ORG_USCC}3340700101000"}, "TASK_CODE_PARTS"),
        (
            {"task_code": f"{ORG_USCC[:-1]}X4340700101000", "implementing_org_uscc": ORG_USCC[:-1] + "X"},
            "TASK_CODE_USCC",
        ),
        ({"handle_item_code": "1" * 33}, "HANDLE_ITEM_CODE"),
        ({"promised_limit": {"value": 30}}, "PROMISED_LIMIT"),
        ({"category_code": "NOPE"}, "CATEGORY_NOT_FOUND"),
    ],
)
def test_code_rules_refuse_bad_matters(client_for, hall, change, code):
    data = matter_in("340700101000", "内地居民结婚登记", "SOCIAL", type="07").model_dump(mode="json")
    data.update(change)
    from hall_server.contract.catalogue import MatterIn

    with pytest.raises(ApiError) as caught:
        client_for("admin").save_matter(MatterIn.model_validate(data))
    assert caught.value.code == code and caught.value.status in (404, 422)
