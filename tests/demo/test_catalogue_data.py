"""The demo hall's service catalogue (hall_server/demo/catalogue.json) is complete and valid.

Complete: every window category of R1 is served, and every matter carries all 12 elements (R4).
Valid: it parses with the wire contract, and every code is structurally right — 基本编码 12,
实施编码 31 built from a checksum-valid USCC (GB 32100, including the embedded organisation-code check),
业务办理项编码 33.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import hall_server.demo
from hall_server.contract.catalogue import (
    CaseType,
    CategoryIn,
    Level,
    MatterIn,
    TimeLimit,
    TimeUnit,
)
from hall_server.contract.idnumbers import validate_uscc

CATALOGUE_PATH = Path(hall_server.demo.__file__).parent / "catalogue.json"
DATA = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
MATTERS = [MatterIn.model_validate(raw) for raw in DATA["matters"]]
CATEGORIES = [CategoryIn.model_validate(raw) for raw in DATA["categories"]]

EXPECTED_CATEGORIES = {
    "ENTERPRISE": ("企业服务", "A"),
    "SOCIAL_AFFAIRS": ("社会事务", "B"),
    "INVESTMENT": ("投资审批", "C"),
    "INTERMEDIARY": ("中介服务", "D"),
    "PUBLIC_RESOURCES": ("公共资源交易", "E"),
    "RESULT_PICKUP": ("综合出件", "F"),
    "CONSULTATION": ("咨询", "G"),
}
BUSINESS_CATEGORIES = ("ENTERPRISE", "SOCIAL_AFFAIRS", "INVESTMENT", "INTERMEDIARY", "PUBLIC_RESOURCES")
PROVINCE = "34"  # 安徽


def _ids(matter: MatterIn) -> str:
    return matter.catalog_code


def _promised_within_legal(promised: TimeLimit, legal: TimeLimit) -> bool:
    """Compare across units conservatively: w working days may span up to w*7/5 natural days;
    n natural days never end later than n working days."""
    if promised.unit == legal.unit:
        return promised.value <= legal.value
    if promised.unit is TimeUnit.WORKING_DAY:
        return promised.value * 7 <= legal.value * 5
    return promised.value <= legal.value


# ---- the file as a whole ---------------------------------------------------------------------------


def test_top_level_keys() -> None:
    assert set(DATA) == {"hall", "categories", "matters", "joint_matters"}


def test_joint_matters_are_over_demo_matters() -> None:
    """一件事: at least two members, each a demo matter (offered by the demo hall, which imports them all)."""
    by_code = {m["catalog_code"]: m for m in DATA["matters"]}
    for joint in DATA["joint_matters"]:
        assert len(set(joint["members"])) >= 2
        assert all(code in by_code for code in joint["members"])


def test_hall() -> None:
    hall = DATA["hall"]
    assert hall["code"] == "341122-ZWFW-01"
    assert hall["name"]
    assert hall["region_code"] == "341122000000"
    assert hall["region_code"].startswith(PROVINCE)
    assert Level(hall["level"]) is Level.COUNTY
    assert validate_uscc(hall["org_uscc"], strict=True) == hall["org_uscc"]
    assert hall["org_uscc"][2:8] == hall["region_code"][:6]
    for key in ("address", "phone", "hours"):
        assert hall[key].strip(), key


def test_seven_categories_with_their_prefixes() -> None:
    found = {c.code: (c.name, c.prefix) for c in CATEGORIES}
    assert found == EXPECTED_CATEGORIES
    assert len({c.prefix for c in CATEGORIES}) == len(CATEGORIES)
    assert len({c.sort_order for c in CATEGORIES}) == len(CATEGORIES)


def test_category_service_minutes_are_realistic() -> None:
    """Consultation is quicker than any business window; investment approval takes longest."""
    minutes = {c.code: c.default_service_minutes for c in CATEGORIES}
    assert all(minutes["CONSULTATION"] < minutes[code] for code in BUSINESS_CATEGORIES)
    assert minutes["INVESTMENT"] == max(minutes.values())


def test_at_least_forty_matters() -> None:
    assert len(MATTERS) >= 40


def test_every_category_has_matters() -> None:
    counts = Counter(m.category_code for m in MATTERS)
    assert set(counts) == set(EXPECTED_CATEGORIES), "unknown category in a matter, or an empty category"
    for code in BUSINESS_CATEGORIES:
        assert counts[code] >= 3, code


def test_names_and_codes_are_unique() -> None:
    for attribute in ("name", "catalog_code", "task_code"):
        values = [getattr(m, attribute) for m in MATTERS]
        duplicates = [v for v, n in Counter(values).items() if n > 1]
        assert not duplicates, f"duplicate {attribute}: {duplicates}"
    handles = [m.handle_item_code for m in MATTERS if m.handle_item_code]
    assert len(handles) == len(set(handles))


def test_some_matters_have_handle_item_codes() -> None:
    assert any(m.handle_item_code for m in MATTERS)


def test_data_sharing_spares_materials() -> None:
    """R6: 能通过数据共享获取的材料不需提交."""
    sharing = [m for m in MATTERS if any(mat.obtainable_by_sharing for mat in m.materials)]
    assert len(sharing) >= 5


def test_high_frequency_matters() -> None:
    """R7: a high-frequency zone needs its matters (about a third of the catalogue)."""
    assert sum(m.high_frequency for m in MATTERS) >= 10


def test_most_matters_are_at_most_one_visit() -> None:
    assert sum(m.one_visit for m in MATTERS) > len(MATTERS) / 2


# ---- every matter ---------------------------------------------------------------------------------


@pytest.mark.parametrize("matter", MATTERS, ids=_ids)
def test_basic_code(matter: MatterIn) -> None:
    code = matter.catalog_code
    assert len(code) == 12
    assert code[:2] == PROVINCE
    assert code[2:4] == matter.type.value
    assert code[4:12].isalnum()


@pytest.mark.parametrize("matter", MATTERS, ids=_ids)
def test_task_code(matter: MatterIn) -> None:
    code = matter.task_code
    assert len(code) == 31
    uscc = code[:18]
    assert validate_uscc(uscc, strict=True) == uscc
    assert uscc == matter.implementing_org_uscc
    assert code[18] == matter.level.value
    assert code[19:] == matter.catalog_code


@pytest.mark.parametrize("matter", [m for m in MATTERS if m.handle_item_code], ids=_ids)
def test_handle_item_code(matter: MatterIn) -> None:
    code = matter.handle_item_code
    assert code is not None
    assert len(code) == 33
    assert code[:31] == matter.task_code
    assert code[31:].isdigit()


@pytest.mark.parametrize("matter", MATTERS, ids=_ids)
def test_time_limits(matter: MatterIn) -> None:
    assert _promised_within_legal(matter.promised_limit, matter.legal_limit)
    immediate = matter.case_type is CaseType.IMMEDIATE
    assert immediate == (matter.promised_limit.value == 0), "即办件 ⇔ 承诺时限 0"


@pytest.mark.parametrize("matter", MATTERS, ids=_ids)
def test_twelve_elements_are_filled(matter: MatterIn) -> None:
    assert matter.name.strip()
    assert matter.legal_basis.strip()
    assert matter.implementing_org.strip()
    assert matter.authority_scope.strip()
    assert matter.service_objects
    assert len(set(matter.service_objects)) == len(matter.service_objects)
    assert matter.process_steps
    assert all(step.name.strip() for step in matter.process_steps)
    assert matter.conditions.strip()
    assert matter.result.name.strip()
    assert matter.fees.basis.strip()
    assert matter.fees.charged == bool(matter.fees.items), "charged ⇔ fee items listed"
    names = [mat.name for mat in matter.materials]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("matter", MATTERS, ids=_ids)
def test_hall_attributes(matter: MatterIn) -> None:
    assert matter.level is Level.COUNTY
    assert matter.handle_location.strip()
    assert matter.handle_hours.strip()
    assert matter.consult_phone.strip()
    assert matter.supervise_phone.strip()
