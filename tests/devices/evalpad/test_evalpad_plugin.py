"""The `evalpad` kind through the registry: both protocols by URL, selftest, the standalone simulators."""

from __future__ import annotations

import os

import pytest

from devices import registry
from devices.evalpad.jsonpad import JsonEvalPad
from devices.evalpad.keypad import KeypadRater
from devices.evalpad.rating import RatingLevel, Staff
from devices.transport import DeviceUrlError

STAFF = Staff("1024", "李四")


def test_hallbus_keypad_by_sim_url() -> None:
    pad = registry.open_device(
        "evalpad", "sim://evalpad?proto=hallbus&addr=4&press=satisfied&delay=0.2&poll=0.05"
    )
    try:
        assert isinstance(pad, KeypadRater) and pad.address == 4
        rating = pad.request_rating("A012", STAFF, 2)
        assert rating is not None and rating.level is RatingLevel.SATISFIED
    finally:
        pad.close()


def test_tablet_pad_by_sim_url() -> None:
    pad = registry.open_device(
        "evalpad", "sim://evalpad?proto=json&press=dissatisfied&delay=0.1&drop=1&window=5"
    )
    try:
        assert isinstance(pad, JsonEvalPad) and pad.window_no == "5"
        rating = pad.request_rating("A012", STAFF, 2)
        assert rating is not None and rating.indicators == ("502",)
        assert pad.connects == 2
    finally:
        pad.close()


@pytest.mark.parametrize(
    ("url", "first_line"),
    [
        (
            "sim://evalpad?proto=hallbus&addr=4&press=very_satisfied&delay=0.1",
            "评价器 sim://evalpad?proto=hallbus",
        ),
        ("sim://evalpad?press=very_satisfied&delay=0.1", "评价器 sim://evalpad?press"),
    ],
)
def test_selftest_round_trips_a_test_rating(url: str, first_line: str) -> None:
    lines = list(registry.selftest("evalpad", url))
    assert lines[0].startswith(first_line)
    assert any("在线" in line for line in lines)
    assert lines[-1] == "收到评价：非常满意（VERY_SATISFIED）"


def test_selftest_without_a_press_still_round_trips() -> None:
    lines = list(registry.selftest("evalpad", "sim://evalpad?press=none&test_timeout=0.2"))
    assert lines[-1] == "未收到评价（超时或已取消）：请求与应答往返正常"


def test_standalone_simulators_serve_real_urls() -> None:
    keypad_sim = registry.start_simulator("evalpad", {"proto": "hallbus", "addr": "2", "delay": "0.05"})
    tablet_sim = registry.start_simulator("evalpad", {"delay": "0.05"})
    try:
        keypad = registry.open_device(
            "evalpad", f"serial://{keypad_sim.endpoint}?addr=2&timeout=0.1&poll=0.02"
        )
        tablet = registry.open_device("evalpad", f"{tablet_sim.endpoint}?window=3")
        for pad in (keypad, tablet):
            assert pad.request_rating("C001", STAFF, 1) is not None
            pad.close()
    finally:
        keypad_sim.stop()
        tablet_sim.stop()


@pytest.mark.parametrize(
    "url",
    [
        "sim://evalpad?proto=modbus",
        "file:///dev/null",
        "sim://evalpad?press=great",
        "sim://evalpad?proto=hallbus&addr=300",
    ],
)
def test_urls_that_cannot_name_a_pad(url: str) -> None:
    with pytest.raises((DeviceUrlError, ValueError)):
        registry.open_device("evalpad", url)


@pytest.mark.hardware
def test_real_pad_selftest() -> None:
    """Run with --hardware and YIMEN_TEST_EVALPAD_URL (serial://...?addr=4 or tcp://pad:port?window=5).

    Press a key on the pad when asked."""
    url = os.environ.get("YIMEN_TEST_EVALPAD_URL")
    assert url, "set YIMEN_TEST_EVALPAD_URL to the pad's URL"
    lines = list(registry.selftest("evalpad", url))
    assert lines[-1].startswith(("收到评价", "未收到评价"))
