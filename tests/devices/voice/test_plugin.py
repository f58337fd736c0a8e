"""The voice plugin through devices.registry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devices import registry
from devices.errors import DeviceError
from devices.transport import DeviceUrlError
from devices.voice import pcm
from devices.voice.announcer import Announcer
from devices.voice.calls import Call
from devices.voice.clips import CLIPS_DIR


def test_sim_voice_is_an_announcer_with_the_clip_engine() -> None:
    announcer = registry.open_device("voice", "sim://voice")
    assert isinstance(announcer, Announcer)
    assert announcer.engine.name == "clips" and announcer.repeat == 2
    assert pcm.duration(pcm.from_wav(announcer.render(Call("K3", 8)))) > 4.0


def test_engine_and_repeat_are_configurable() -> None:
    announcer = registry.open_device("voice", "sim://voice?engine=espeak&repeat=1")
    assert announcer.engine.name == "espeak" and announcer.repeat == 1
    with pytest.raises(DeviceUrlError, match="unknown voice engine"):
        registry.open_device("voice", "sim://voice?engine=festival")
    with pytest.raises(DeviceUrlError, match="1 to 5 times"):
        registry.open_device("voice", "sim://voice?repeat=9")


def test_a_directory_of_recordings(tmp_path: Path) -> None:
    shutil.copytree(CLIPS_DIR, tmp_path / "voice")
    announcer = registry.open_device("voice", f"file://{tmp_path}/voice?repeat=1")
    assert announcer.engine.name == "clips"
    assert pcm.rms(pcm.from_wav(announcer.render(Call("A1", 1)))) > 500
    with pytest.raises(DeviceUrlError, match="not a directory"):
        registry.open_device("voice", f"file://{tmp_path}/nothing")


def test_selftest_lists_engines_and_renders_a_sample(tmp_path: Path) -> None:
    out = tmp_path / "sample.wav"
    lines = list(registry.selftest("voice", f"sim://voice?out={out}"))
    text = "\n".join(lines)
    assert "引擎 clips: 可用" in text
    assert "引擎 espeak: 可用" in text
    assert "示例叫号: 请 A 零 一 二 号 ， 到 五 号 窗口 办理" in text
    assert any(line.startswith("clips: ") for line in lines)
    assert any(line.startswith("espeak: ") for line in lines)
    assert pcm.duration(pcm.from_wav(out.read_bytes())) > 6.0


def test_no_wire_simulator() -> None:
    with pytest.raises(DeviceError) as raised:
        registry.start_simulator("voice", {})
    assert raised.value.code == "NO_WIRE_SIMULATOR"
