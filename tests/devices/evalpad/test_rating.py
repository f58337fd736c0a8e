"""The five official levels and their two opposite code tables (standards.md §2.3)."""

from __future__ import annotations

import pytest

from devices.evalpad.rating import Rating, RatingLevel, Staff, mask_name

TABLE = [
    # name, label, national satisfaction code, GB/T 39046 A.8 code, 差评
    (RatingLevel.VERY_SATISFIED, "非常满意", 5, 1, False),
    (RatingLevel.SATISFIED, "满意", 4, 2, False),
    (RatingLevel.BASIC_SATISFIED, "基本满意", 3, 3, False),
    (RatingLevel.DISSATISFIED, "不满意", 2, 4, True),
    (RatingLevel.VERY_DISSATISFIED, "非常不满意", 1, 5, True),
]


@pytest.mark.parametrize(("level", "label", "satisfaction", "gbt39046", "bad"), TABLE)
def test_level_codes(level: RatingLevel, label: str, satisfaction: int, gbt39046: int, bad: bool) -> None:
    assert level.label == label
    assert level.satisfaction == satisfaction
    assert level.gbt39046_code == gbt39046
    assert level.is_bad is bad
    assert RatingLevel.from_stars(level.stars) is level


def test_stars_outside_one_to_five_are_refused() -> None:
    with pytest.raises(ValueError):
        RatingLevel.from_stars(0)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("李四", "李*"), ("张三丰", "张*丰"), ("欧阳娜娜", "欧**娜"), ("李*", "李*"), ("王", "王")],
)
def test_staff_names_are_masked(name: str, masked: str) -> None:
    assert mask_name(name) == masked
    assert Staff("1024", name).masked_name == masked


def test_a_bad_rating_without_indicators_needs_detail() -> None:
    assert Rating("A012", RatingLevel.DISSATISFIED).needs_detail
    assert not Rating("A012", RatingLevel.DISSATISFIED, indicators=("502",)).needs_detail
    assert not Rating("A012", RatingLevel.SATISFIED).needs_detail
    assert Rating("A012", RatingLevel.SATISFIED).rated_at.tzinfo is not None
