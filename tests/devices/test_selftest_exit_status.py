"""One exit status rule for every kind's `yimen devices selftest`, run as the real command against the
simulators: 0 answered and ready, 1 answered with a fault, 2 used wrongly, 3 no answer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

YIMEN = Path(sys.executable).with_name("yimen")
if not YIMEN.exists():
    YIMEN = Path(shutil.which("yimen") or "yimen")
READY_LINE = "自检结论：设备就绪"
IDCARD = "pace=0&timeout=0.3&read_timeout=0.5"


def selftest(url: str, kind: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(YIMEN), "devices", "selftest", url, "--kind", kind],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("printer", "sim://printer"),
        ("printer", "sim://printer?paper=near_end"),
        ("idcard", f"sim://idcard?card=resident_male&{IDCARD}"),
        ("idcard", f"sim://idcard?{IDCARD}"),  # no card on the antenna: the reader is ready
        ("idcard", f"sim://idcard?card=resident_male&optional=none&{IDCARD}"),
        ("ledscreen", "sim://ledscreen?addr=3"),
        ("evalpad", "sim://evalpad?proto=hallbus&addr=4&press=satisfied&delay=0.1&test_timeout=2"),
        ("evalpad", "sim://evalpad?proto=json&press=satisfied&delay=0.1&test_timeout=2"),
        ("camera", "sim://camera?scene=qr"),
        ("voice", "sim://voice"),
    ],
)
def test_ready_is_0_and_says_so(kind: str, url: str) -> None:
    result = selftest(url, kind)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines()[-1] == READY_LINE


def _assert_one_error_line(result: subprocess.CompletedProcess[str], code: str) -> None:
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("错误: ") and code in result.stderr
    assert READY_LINE not in result.stdout


@pytest.mark.parametrize(
    ("kind", "url", "code", "shown"),
    [
        ("printer", "sim://printer?paper=out", "PRINTER_PAPER_OUT", "缺纸"),
        ("printer", "sim://printer?cover=open", "PRINTER_COVER_OPEN", "纸仓盖打开"),
        ("idcard", f"sim://idcard?sam=fail&{IDCARD}", "IDCARD_SAM_SELFTEST_FAILED", "自检失败"),
        ("idcard", f"sim://idcard?sam=unauthorised&{IDCARD}", "IDCARD_SAM_UNAUTHORISED", "未经授权"),
        ("ledscreen", "sim://ledscreen?fault=1", "LEDSCREEN_MODULE_FAULT", "模组故障"),
    ],
)
def test_a_fault_the_device_reports_is_1(kind: str, url: str, code: str, shown: str) -> None:
    result = selftest(url, kind)
    assert result.returncode == 1, result.stdout + result.stderr
    assert shown in result.stdout  # what the device said is still printed in full
    _assert_one_error_line(result, code)


@pytest.mark.parametrize(
    ("kind", "url", "code"),
    [
        ("printer", "sim://printer?answer=no", "PRINTER_NO_ANSWER"),
        ("idcard", f"sim://idcard?delay=1&{IDCARD}", "IDCARD_NO_ANSWER"),
        ("idcard", "serial:///dev/yimen-no-such-port", "IDCARD_UNAVAILABLE"),
        ("ledscreen", "sim://ledscreen?silent=100&timeout=0.1", "HALLBUS_NO_REPLY"),
        ("evalpad", "sim://evalpad?proto=hallbus&addr=4&silent=100&timeout=0.1", "EVALPAD_OFFLINE"),
        ("camera", "file:///dev/video-yimen-none", "CAMERA_UNAVAILABLE"),
    ],
)
def test_no_answer_is_3(kind: str, url: str, code: str) -> None:
    result = selftest(url, kind)
    assert result.returncode == 3, result.stdout + result.stderr
    _assert_one_error_line(result, code)


def test_a_write_only_printer_cannot_be_confirmed_ready(tmp_path: Path) -> None:
    result = selftest(f"file://{tmp_path / 'lp0'}", "printer")
    assert result.returncode == 3
    assert "只能写入" in result.stdout
    _assert_one_error_line(result, "PRINTER_STATUS_UNKNOWN")


def test_a_voice_library_missing_clips_is_a_fault(tmp_path: Path) -> None:
    result = selftest(f"file://{tmp_path}", "voice")
    assert result.returncode == 1
    _assert_one_error_line(result, "VOICE_NO_CLIP")


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("printer", "sim://printer?profile=nope"),
        ("idcard", "sim://idcard?colour=blue"),
        ("voice", "sim://voice?engine=nope"),
        ("camera", "tcp://10.0.0.1:80"),
    ],
)
def test_usage_errors_are_2(kind: str, url: str) -> None:
    result = selftest(url, kind)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_the_rule_is_in_the_help() -> None:
    result = subprocess.run(
        [str(YIMEN), "devices", "selftest", "--help"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for words in ("0 设备有应答且报告就绪", "1 设备有应答但报告故障", "2 用法错误", "3 设备无应答"):
        assert words in text
