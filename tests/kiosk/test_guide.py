"""The guide in plain language from the demo hall's real matters (the 12 elements as sentences)."""

from __future__ import annotations

import pytest

from hall_server.client import HallClient
from kiosk.config import Language
from kiosk.controller.guide import guide_of


@pytest.fixture
def catalogue(demo_hall):
    with HallClient(demo_hall.base_url, demo_hall.tokens["kiosk-1"]) as client:
        yield lambda name: client.matter(next(m.id for m in client.matters(q=name) if m.name == name))


def test_materials_to_bring_and_those_obtained_by_sharing(catalogue):
    guide = guide_of(catalogue("内地居民结婚登记"))
    materials = guide.section("materials").lines
    assert materials[0].startswith("1. 男女双方居民身份证：原件 2 份。须出示原件")
    assert "3. 男女双方近期半身免冠合影照片（2寸）：原件 3 份" in [line.split("。")[0] for line in materials]
    assert not any("婚姻状况" in line for line in materials)
    (shared,) = guide.section("shared").lines
    assert shared.endswith("：无需提交（大厅通过数据共享获取）") and shared.startswith("婚姻状况")
    assert guide.section("time").lines[0] == "承诺时限：当场办结"
    assert guide.section("fees").lines == ("不收费",)
    where = guide.section("where").lines
    assert where[0].startswith("办理地点：示范县政务服务中心一楼B区")
    assert "咨询电话：0550-5601101" in where
    assert guide.badges == ("最多跑一次",)
    assert [s.key for s in guide.printed()] == ["materials", "shared", "time", "fees", "where"]


def test_fees_time_limits_and_the_legal_elements(catalogue):
    guide = guide_of(catalogue("居民身份证申领、换领、补领"))
    fees = guide.section("fees").lines
    assert fees[0] == "居民身份证工本费（申领、换领、损坏换领）：20元"
    assert "居民身份证工本费（遗失补领）：40元" in fees
    time = guide.section("time").lines
    assert time[0] == "承诺时限：10个工作日"
    assert "法定时限：60天（自然日）" in time
    about = guide.section("about").lines
    assert "服务对象：个人" in about
    assert any(line.startswith("设定依据：") for line in about)
    assert any(line.startswith("实施机构：") for line in about)
    assert guide.section("steps").lines[0].startswith("1. ")
    assert guide.section("result").lines[0] == "办理结果：居民身份证"


def test_optional_materials_and_english_titles(catalogue):
    company = catalogue("有限责任公司设立登记")
    guide = guide_of(company)
    assert any(
        "委托代理人的授权委托书及代理人身份证明：原件 1 份（如适用）" in line
        for line in guide.section("materials").lines
    )
    english = guide_of(company, Language.EN)
    assert english.section("materials").title == "What to bring"
    assert english.section("fees").lines == ("Free of charge",)
