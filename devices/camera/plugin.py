"""Camera plugin for devices.registry: `file://` cameras, clips and image sequences, and `sim://camera`.

A camera has no wire protocol, so `sim://camera` is a frame generator behind the same FrameSource interface
(no pty), and there is no standalone simulator to start.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from devices.camera.face import FaceDetector
from devices.camera.qr import QrScanner
from devices.camera.source import FrameSource, open_file_source
from devices.camera.synthetic import SyntheticSource
from devices.errors import DeviceError, DeviceUnavailable
from devices.transport import DeviceUrl, DeviceUrlError, RunningSimulator

SELFTEST_FRAMES = 30
SELFTEST_SECONDS = 3.0


class NoWireSimulatorError(DeviceError):
    code = "NO_WIRE_SIMULATOR"


def open_device(url: DeviceUrl) -> FrameSource:
    if url.scheme == "sim":
        return SyntheticSource.from_options(url.options)
    if url.scheme == "file":
        return open_file_source(url)
    raise DeviceUrlError(
        f"{url.raw}: a camera is file:///dev/videoN, file:///clip.avi, file:///dir/f_%04d.png or sim://camera"
    )


def selftest(url: DeviceUrl) -> Iterator[str]:
    source = open_device(url)
    try:
        width, height = source.frame_size
        yield f"来源: {source.description}"
        yield f"画面尺寸: {width}×{height}"
        yield f"标称帧率: {source.fps:.1f} fps" if source.fps > 0 else "标称帧率: 未声明"
        yield from _watch(source)
    finally:
        source.close()


def _watch(source: FrameSource) -> Iterator[str]:
    scanner, detector = QrScanner(), FaceDetector()
    code = face = None
    started = time.monotonic()
    arrivals: list[float] = []
    while len(arrivals) < SELFTEST_FRAMES and time.monotonic() - started < SELFTEST_SECONDS:
        frame = source.read()
        if frame is None:
            break
        arrivals.append(time.monotonic())
        if code is None:
            code = scanner.scan(frame)
        if face is None:
            face = detector.check(frame)
    if not arrivals:
        yield "读帧: 没有画面"
        raise DeviceUnavailable("摄像头没有画面：请检查连接和设备号", code="CAMERA_NO_FRAMES")
    span = arrivals[-1] - arrivals[0]
    rate = f"{(len(arrivals) - 1) / span:.1f} fps" if span > 0 else "—"
    yield f"实测帧率: {rate}（{len(arrivals)} 帧，{span:.2f} s，含识别耗时）"
    if code is None:
        yield "二维码: 未发现"
    else:
        corners = " ".join(f"({x:.0f},{y:.0f})" for x, y in code.corners)
        yield f"二维码: {code.text}{'（反色）' if code.inverted else ''} 角点 {corners}"
    if face is not None:
        sizes = ", ".join(f"{box.width}×{box.height}@({box.x},{box.y})" for box in face.faces) or "无"
        yield f"人脸: {face.code} {face.message}；亮度 {face.brightness:.0f}；检出 {sizes}"


def start_simulator(options: dict[str, str]) -> RunningSimulator:
    raise NoWireSimulatorError(
        "摄像头没有线路模拟器：直接使用 sim://camera?scene=qr|face|empty|dark 作为设备地址",
        detail="a camera is not a byte device; sim://camera generates frames in-process",
    )
