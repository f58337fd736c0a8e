"""The camera plugin through devices.registry, as the CLI and the apps use it."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from devices import registry
from devices.camera.qr import QrScanner
from devices.errors import DeviceError
from devices.transport import DeviceUrlError


def test_sim_camera_url_opens_a_synthetic_source() -> None:
    source = registry.open_device("camera", "sim://camera?scene=qr&text=APPT-77&invert=1&realtime=0")
    try:
        assert source.frame_size == (1280, 720)
        frame = source.read()
    finally:
        source.close()
    code = QrScanner().scan(frame)
    assert code is not None and code.text == "APPT-77" and code.inverted


def test_selftest_reports_size_fps_code_and_face() -> None:
    lines = list(registry.selftest("camera", "sim://camera?scene=qr&text=APPT-77&fps=30&frames=6"))
    text = "\n".join(lines)
    assert "画面尺寸: 1280×720" in text
    assert "标称帧率: 30.0 fps" in text
    assert "实测帧率:" in text and "6 帧" in text
    assert "二维码: APPT-77" in text
    assert "FACE_NONE" in text


def test_selftest_on_a_face_and_on_a_clip(tmp_path: Path) -> None:
    face_lines = "\n".join(registry.selftest("camera", "sim://camera?scene=face&frames=2&realtime=0"))
    assert "FACE_OK" in face_lines and "二维码: 未发现" in face_lines

    clip = tmp_path / "c.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"MJPG"), 12.0, (320, 240))
    source = registry.open_device("camera", "sim://camera?scene=empty&width=320&height=240&realtime=0")
    for _ in range(4):
        writer.write(source.read())
    writer.release()
    clip_lines = "\n".join(registry.selftest("camera", f"file://{clip}"))
    assert "画面尺寸: 320×240" in clip_lines and "标称帧率: 12.0 fps" in clip_lines and "4 帧" in clip_lines


def test_bad_scene_and_bad_scheme_are_url_errors() -> None:
    with pytest.raises(DeviceUrlError, match="unknown scene"):
        registry.open_device("camera", "sim://camera?scene=beach")
    with pytest.raises(DeviceUrlError, match="a camera is"):
        registry.open_device("camera", "tcp://10.0.0.5:554")


def test_no_standalone_simulator() -> None:
    with pytest.raises(DeviceError) as raised:
        registry.start_simulator("camera", {})
    assert raised.value.code == "NO_WIRE_SIMULATOR"
    assert "sim://camera" in raised.value.message
