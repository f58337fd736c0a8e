"""Frame sources via cv2.VideoCapture: an MJPG AVI and an image sequence written here, an absent camera."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera.qr import QrScanner
from devices.camera.source import CameraUnavailableError, open_file_source
from devices.camera.synthetic import SceneSpec, SyntheticSource, render_scene
from devices.transport import parse_device_url

SIZE = (640, 480)
TEXT = "YIMEN-APPT-CLIP-0042"


def clip_frames() -> list[np.ndarray]:
    """Ten frames of an empty hall, then ten of a phone showing a code."""
    empty = render_scene(SceneSpec(scene="empty", width=SIZE[0], height=SIZE[1])).frame
    phone = render_scene(SceneSpec(scene="qr", width=SIZE[0], height=SIZE[1], text=TEXT, qr_size=200)).frame
    return [empty] * 10 + [phone] * 10


@pytest.fixture
def mjpg_clip(tmp_path: Path) -> Path:
    path = tmp_path / "counter.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, SIZE)
    assert writer.isOpened()
    for frame in clip_frames():
        writer.write(frame)
    writer.release()
    return path


def test_mjpg_avi_frames_size_fps_and_code(mjpg_clip: Path) -> None:
    source = open_file_source(parse_device_url(f"file://{mjpg_clip}"))
    try:
        assert source.frame_size == SIZE
        assert source.fps == pytest.approx(10.0)
        frames = []
        while (frame := source.read()) is not None:
            frames.append(frame)
    finally:
        source.close()
    assert len(frames) == 20
    assert all(frame.shape == (SIZE[1], SIZE[0], 3) for frame in frames)
    scanner = QrScanner()
    assert scanner.scan(frames[0]) is None
    code = scanner.scan(frames[-1])
    assert code is not None and code.text == TEXT


def test_looping_clip_starts_again(mjpg_clip: Path) -> None:
    source = open_file_source(parse_device_url(f"file://{mjpg_clip}?loop=1"))
    try:
        frames = [source.read() for _ in range(45)]
    finally:
        source.close()
    assert all(frame is not None for frame in frames)


def test_image_sequence(tmp_path: Path) -> None:
    for index, frame in enumerate(clip_frames()[8:14]):
        cv2.imwrite(str(tmp_path / f"frame_{index:04d}.png"), frame)
    source = open_file_source(parse_device_url(f"file://{tmp_path}/frame_%04d.png?fps=5"))
    try:
        assert source.frame_size == SIZE
        assert source.fps == pytest.approx(5.0)
        frames = []
        while (frame := source.read()) is not None:
            frames.append(frame)
    finally:
        source.close()
    assert len(frames) == 6
    codes = [QrScanner().scan(frame) for frame in frames]
    assert [code is not None and code.text == TEXT for code in codes] == [
        False,
        False,
        True,
        True,
        True,
        True,
    ]


def test_missing_clip_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailableError) as raised:
        open_file_source(parse_device_url(f"file://{tmp_path}/nothing.avi"))
    assert raised.value.code == "CAMERA_UNAVAILABLE"
    assert "找不到" in raised.value.message


def test_absent_camera_is_unavailable() -> None:
    with pytest.raises(CameraUnavailableError) as raised:
        open_file_source(parse_device_url("file:///dev/video97"))
    assert raised.value.code == "CAMERA_UNAVAILABLE"


def test_synthetic_source_serves_noisy_frames_and_ends() -> None:
    source = SyntheticSource.from_options(
        {"scene": "empty", "frames": "5", "realtime": "0", "width": "320", "height": "240"}
    )
    frames = [source.read() for _ in range(6)]
    assert frames[-1] is None
    served = [frame for frame in frames if frame is not None]
    assert len(served) == 5 and served[0].shape == (240, 320, 3)
    assert not np.array_equal(served[0], served[1]), "sensor noise differs from frame to frame"


def test_synthetic_source_paces_itself_like_a_camera() -> None:
    source = SyntheticSource.from_options({"scene": "empty", "fps": "50", "width": "320", "height": "240"})
    started = time.monotonic()
    for _ in range(11):
        source.read()
    assert 0.18 <= time.monotonic() - started < 0.5


@pytest.mark.hardware
def test_real_camera_gives_frames() -> None:
    source = open_file_source(parse_device_url("file:///dev/video0?width=1280&height=720"))
    try:
        frame = source.read()
    finally:
        source.close()
    assert frame is not None and frame.ndim == 3
