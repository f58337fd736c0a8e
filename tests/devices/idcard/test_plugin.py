"""The plugin functions registry.py asks for, driven through the registry with device URLs."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from devices import registry
from devices.errors import DeviceUnavailable
from devices.idcard.cards import CARDS
from devices.idcard.errors import SamUnusableError
from devices.idcard.layouts import IdCardData
from devices.idcard.reader import CardPlaced, CardRead, CardRemoved, SamReader
from devices.transport import DeviceUrlError

FAST = "pace=0&timeout=0.3&read_timeout=0.5"


def read_once(reader: SamReader) -> IdCardData:
    assert reader.find_card()
    reader.select_card()
    return reader.read_card()


def test_sim_url_gives_the_real_driver_on_a_pty_and_close_stops_the_simulator() -> None:
    reader = registry.open_device("idcard", f"sim://idcard?card=resident_male&{FAST}")
    assert isinstance(reader, SamReader)
    assert reader.port_name.startswith("/dev/pts/")
    assert read_once(reader) == CARDS["resident_male"]
    reader.close()
    assert not Path(reader.port_name).exists()


def test_fingerprint_option() -> None:
    reader = registry.open_device("idcard", f"sim://idcard?card=resident_minority&fingerprint=1&{FAST}")
    try:
        assert read_once(reader) == CARDS["resident_minority"]
    finally:
        reader.close()


def test_cycle_option_brings_the_card_and_takes_it_away() -> None:
    reader = registry.open_device("idcard", f"sim://idcard?card=hmt_permit&cycle=0.15&{FAST}")
    stop = threading.Event()
    events = []
    try:
        for event in reader.watch(stop, interval=0.01):
            events.append(event)
            if len(events) == 4:
                break
    finally:
        reader.close()
    assert events == [CardPlaced(), CardRead(CARDS["hmt_permit"]), CardRemoved(), CardPlaced()]


def test_card_from_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "wangwu.json"
    fields = {
        "card_type": "resident",
        "name": "王五",
        "sex_code": "1",
        "nation_code": "01",
        "birth": "1960-02-29",
        "address": "天津市和平区示例道5号",
        "id_number": "120101196002290010",
        "authority": "天津市公安局和平分局",
        "valid_from": "2012-06-01",
        "valid_to": "长期",
        "new_address": "天津市河西区示例路6号",
    }
    path.write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    reader = registry.open_device("idcard", f"sim://idcard?card={path}&{FAST}")
    try:
        card = read_once(reader)
        assert reader.read_new_address() == "天津市河西区示例路6号"
    finally:
        reader.close()
    assert (card.name, card.sex, card.nation, card.valid_to) == ("王五", "男", "汉", None)


@pytest.mark.parametrize(
    "url",
    [
        "sim://idcard?colour=blue",
        "sim://idcard?card=nobody",
        "sim://idcard?sam=sometimes",
        "serial:///dev/ttyUSB0?card=resident_male",
        "usb://0400:c35a",
        "file:///dev/null",
    ],
)
def test_urls_the_reader_cannot_use(url: str) -> None:
    with pytest.raises(DeviceUrlError):
        registry.open_device("idcard", url)


def test_a_missing_serial_port_is_unavailable() -> None:
    with pytest.raises(DeviceUnavailable) as caught:
        registry.open_device("idcard", "serial:///dev/yimen-no-such-port")
    assert caught.value.code == "IDCARD_UNAVAILABLE"


def test_selftest_lines_in_full() -> None:
    lines = list(registry.selftest("idcard", f"sim://idcard?card=resident_minority&{FAST}"))
    assert lines[1] == "安全模块状态: 正常"
    assert lines[2].startswith("安全模块号: 05.01-20230615-0000123456-0987654321")
    assert "姓名: 阿依古丽·买买提" in lines
    assert "公民身份号码: 650102200108150269" in lines
    assert "民族: 维吾尔（05）" in lines
    assert "指纹: 1024 字节" in lines
    assert lines[-1] == "最新住址: 新疆维吾尔自治区乌鲁木齐市天山区示例路8号"


def test_selftest_of_a_failed_sam_says_so_then_raises() -> None:
    lines = []
    with pytest.raises(SamUnusableError):
        for line in registry.selftest("idcard", f"sim://idcard?sam=unauthorised&{FAST}"):
            lines.append(line)
    assert lines[-1] == "安全模块状态: 未经授权"
