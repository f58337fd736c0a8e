"""Frame sources: where camera frames come from, behind one small interface.

A camera is not a byte device, so there is no wire protocol here: a source hands out BGR frames
(`numpy.uint8`, shape height, width, 3) and the QR and face code only ever sees frames. URLs (kind `camera`):

    file:///dev/video0?width=1280&height=720&fps=30&fourcc=MJPG   a V4L2 camera: any /dev/video* node
    file:///srv/clips/counter3.avi?loop=1                         a video file (what OpenCV's FFmpeg reads)
    file:///srv/frames/frame_%04d.png?fps=10                      an image sequence (printf pattern)
    sim://camera?scene=qr&text=...                                synthetic frames (devices.camera.synthetic)

`usb://` is not used for cameras: UVC cameras appear as /dev/video* nodes, and that path is what names them.
The `%04d` of an image sequence is kept literally (device URLs are not percent-decoded).

`read()` returns None at the end of a file or sequence (unless `loop=1`); for a live camera a failed read
means the camera went away and raises `CameraLostError`, so the caller can reopen it with back-off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt
from cv2.typing import MatLike

from devices.errors import DeviceUnavailable
from devices.transport import DeviceUrl

Frame = npt.NDArray[np.uint8]


def as_frame(image: MatLike) -> Frame:
    """OpenCV's loosely typed result as the uint8 array it is (no copy)."""
    return np.asarray(image, dtype=np.uint8)


class CameraUnavailableError(DeviceUnavailable):
    code = "CAMERA_UNAVAILABLE"


class CameraLostError(DeviceUnavailable):
    code = "CAMERA_LOST"


class FrameSource(Protocol):
    """Frames from a camera, a clip or a generator."""

    description: str

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        ...

    @property
    def fps(self) -> float:
        """Frames per second as the source states it; 0.0 when it does not say."""
        ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


class OpenCVSource:
    """A camera, video file or image sequence read through cv2.VideoCapture."""

    def __init__(
        self, capture: cv2.VideoCapture, *, live: bool, loop: bool, fps: float | None, description: str
    ) -> None:
        self._capture = capture
        self._live = live
        self._loop = loop and not live
        self._fps = fps
        self.description = description

    @property
    def frame_size(self) -> tuple[int, int]:
        width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        return width, height

    @property
    def fps(self) -> float:
        if self._fps is not None:
            return self._fps
        return max(0.0, float(self._capture.get(cv2.CAP_PROP_FPS)))

    def read(self) -> Frame | None:
        ok, frame = self._capture.read()
        if not ok and self._loop:
            self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._capture.read()
        if not ok:
            if self._live:
                raise CameraLostError("摄像头画面中断，请检查连接", detail=self.description)
            return None
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        return as_frame(frame)

    def close(self) -> None:
        self._capture.release()


def open_file_source(url: DeviceUrl) -> OpenCVSource:
    """Open the camera, clip or image sequence that a file:// URL names."""
    path = url.target
    if path.startswith("/dev/video"):
        return _open_camera(path, url)
    fps: float | None = url.float_option("fps", 0.0) if "fps" in url.options else None
    if "%" in path:
        capture = cv2.VideoCapture(path, cv2.CAP_IMAGES)
        description = f"图像序列 {path}"
        fps = fps or 0.0  # CAP_IMAGES always claims 1 fps; only the URL knows
    else:
        if not Path(path).is_file():
            raise CameraUnavailableError("找不到视频文件", detail=path)
        capture = cv2.VideoCapture(path)
        description = f"视频文件 {path}"
    if not capture.isOpened():
        raise CameraUnavailableError("无法打开视频", detail=path)
    loop = url.option("loop", "0") == "1"
    return OpenCVSource(capture, live=False, loop=loop, fps=fps, description=description)


def _open_camera(path: str, url: DeviceUrl) -> OpenCVSource:
    if not Path(path).exists():  # said plainly, before OpenCV logs its own warning about it
        raise CameraUnavailableError("摄像头未连接：没有这个设备", detail=path)
    capture = cv2.VideoCapture(path, cv2.CAP_V4L2)
    if not capture.isOpened():
        raise CameraUnavailableError("摄像头未连接或被占用", detail=path)
    fourcc = url.option("fourcc", "")
    if len(fourcc) == 4:
        capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*fourcc))
    for option, prop in (("width", cv2.CAP_PROP_FRAME_WIDTH), ("height", cv2.CAP_PROP_FRAME_HEIGHT)):
        if option in url.options:
            capture.set(prop, url.int_option(option, 0))
    if "fps" in url.options:
        capture.set(cv2.CAP_PROP_FPS, url.float_option("fps", 0.0))
    return OpenCVSource(capture, live=True, loop=False, fps=None, description=f"摄像头 {path}")
