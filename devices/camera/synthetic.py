"""Synthetic camera frames: the `sim://camera` source, and ground truth for the tests.

    sim://camera?scene=qr&text=APPT-0007&size=240&invert=1&warp=1   a phone showing a QR code
    sim://camera?scene=face&faces=2                                  one or more real faces (assets/face.png)
    sim://camera?scene=empty                                         the hall, nobody in front of the kiosk
    sim://camera?scene=dark&brightness=0.12                          the face scene, badly under-exposed

Common options: width, height (default 1280x720), fps (15), frames (0 = endless), realtime (1: `read` paces
itself to fps like a camera; 0: as fast as asked), seed. Each frame is the rendered scene plus sensor noise,
so frames differ from one another as a camera's do. A camera has no wire, so no pty is involved.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import qrcode

from devices.camera.source import Frame, as_frame
from devices.transport import DeviceUrlError

SCENES = ("qr", "face", "empty", "dark")
FACE_ASSET = Path(__file__).parent / "assets" / "face.png"
QUIET_ZONE_MODULES = 4
NOISE_VARIANTS = 4

Point = tuple[float, float]
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class SceneSpec:
    scene: str = "empty"
    width: int = 1280
    height: int = 720
    text: str = "YIMEN-APPT-20240601-0007"
    qr_size: int = 240
    invert: bool = False
    warp: bool = False
    faces: int = 1
    brightness: float = 0.12

    @classmethod
    def from_options(cls, options: dict[str, str]) -> SceneSpec:
        scene = options.get("scene", "empty")
        if scene not in SCENES:
            raise DeviceUrlError(f"sim://camera: unknown scene {scene!r}; use one of {', '.join(SCENES)}")
        try:
            spec = cls(
                scene=scene,
                width=int(options.get("width", 1280)),
                height=int(options.get("height", 720)),
                text=options.get("text", cls.text),
                qr_size=int(options.get("size", cls.qr_size)),
                invert=options.get("invert", "0") == "1",
                warp=options.get("warp", "0") == "1",
                faces=int(options.get("faces", 1)),
                brightness=float(options.get("brightness", cls.brightness)),
            )
        except ValueError as exc:
            raise DeviceUrlError(f"sim://camera: bad option value ({exc})") from exc
        if spec.width < 160 or spec.height < 120 or spec.qr_size < 40 or not 1 <= spec.faces <= 4:
            raise DeviceUrlError("sim://camera: width ≥ 160, height ≥ 120, size ≥ 40 and 1 ≤ faces ≤ 4")
        return spec


@dataclass(frozen=True)
class RenderedScene:
    """A frame and what is really in it: QR corners (clockwise from top-left) and pasted face rectangles."""

    frame: Frame
    qr_corners: tuple[Point, ...] | None
    face_rects: tuple[Box, ...]


def render_scene(spec: SceneSpec) -> RenderedScene:
    frame = hall_background(spec.width, spec.height)
    if spec.scene == "qr":
        corners = paste_phone(frame, qr_image(spec.text), spec)
        return RenderedScene(_optics(frame), corners, ())
    if spec.scene in ("face", "dark"):
        rects = paste_faces(frame, spec.faces)
        frame = _optics(frame)
        if spec.scene == "dark":
            frame = (frame.astype(np.float32) * spec.brightness).astype(np.uint8)
        return RenderedScene(frame, None, rects)
    return RenderedScene(_optics(frame), None, ())


def hall_background(width: int, height: int) -> Frame:
    """A wall, a floor, a service counter and a poster: texture without any face or code in it."""
    rows = np.linspace(205, 170, height, dtype=np.float32)[:, None, None]
    shade = np.broadcast_to(rows * np.array([0.93, 0.98, 1.0], np.float32), (height, width, 3)).copy()
    shade[int(height * 0.78) :] *= 0.6
    frame = shade.astype(np.uint8)
    cv2.rectangle(frame, (0, int(height * 0.62)), (width, int(height * 0.78)), (90, 110, 140), -1)
    poster = (int(width * 0.06), int(height * 0.08), int(width * 0.22), int(height * 0.45))
    cv2.rectangle(frame, poster[:2], poster[2:], (60, 60, 170), -1)
    for line in range(6):
        y = poster[1] + 30 + line * int(height * 0.05)
        cv2.line(frame, (poster[0] + 15, y), (poster[2] - 15 - 20 * (line % 3), y), (230, 230, 240), 4)
    return frame


def qr_image(text: str) -> npt.NDArray[np.uint8]:
    """The code as one pixel per module, black on white, with its 4-module quiet zone."""
    code = qrcode.QRCode(border=QUIET_ZONE_MODULES, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    modules = np.array(code.get_matrix(), dtype=bool)
    return np.where(modules, 0, 255).astype(np.uint8)


def paste_phone(frame: Frame, modules: npt.NDArray[np.uint8], spec: SceneSpec) -> tuple[Point, ...]:
    """Draw a phone showing the code (white on black in dark mode), tilted if `warp`; return code corners."""
    side = spec.qr_size
    code = cv2.resize(modules, (side, side), interpolation=cv2.INTER_NEAREST)
    if spec.invert:
        code = 255 - code
    bezel = max(6, side // 12)
    phone_w, phone_h = side + 2 * bezel, int(side * 1.9)
    phone = np.full((phone_h, phone_w), 25, np.uint8)
    screen_top = (phone_h - side) // 2
    phone[bezel : phone_h - bezel, bezel : phone_w - bezel] = 0 if spec.invert else 255
    phone[screen_top : screen_top + side, bezel : bezel + side] = code
    quiet = side * QUIET_ZONE_MODULES / modules.shape[0]
    code_quad = _points(
        [
            [bezel + quiet, screen_top + quiet],
            [bezel + side - quiet, screen_top + quiet],
            [bezel + side - quiet, screen_top + side - quiet],
            [bezel + quiet, screen_top + side - quiet],
        ]
    )
    left, top = (spec.width - phone_w) // 2, (spec.height - phone_h) // 2
    source = _points([[0, 0], [phone_w, 0], [phone_w, phone_h], [0, phone_h]])
    target = source + _points([[left, top]])
    if spec.warp:  # held tilted back and turned: a perspective, not just a rotation
        tilt = _points([[0.12, 0.04], [-0.10, 0.10], [0.06, -0.02], [-0.06, -0.08]])
        target += tilt * _points([[phone_w, phone_h]])
    homography = cv2.getPerspectiveTransform(source, target)
    size = (spec.width, spec.height)
    warped = cv2.warpPerspective(phone, homography, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full_like(phone, 255), homography, size) > 127
    frame[mask] = warped[mask][:, None]
    corners = cv2.perspectiveTransform(code_quad[None], homography)[0]
    return tuple((float(x), float(y)) for x, y in corners)


def paste_faces(frame: Frame, count: int) -> tuple[Box, ...]:
    """Paste `count` copies of the face photo side by side, feathered; return where each went."""
    photo = face_photo()
    height, width = frame.shape[:2]
    scale = height * (0.55 if count == 1 else 0.42) / photo.shape[0]
    face = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    face_h, face_w = face.shape[:2]
    oval = np.zeros((face_h, face_w), np.float32)
    cv2.ellipse(oval, (face_w // 2, face_h // 2), (face_w // 2 - 2, face_h // 2 - 2), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(oval, (0, 0), max(2.0, face_w / 25))[..., None]
    rects = []
    for index in range(count):
        left = int(width * (index + 1) / (count + 1) - face_w / 2)
        top = int(height * 0.12)
        region = frame[top : top + face_h, left : left + face_w].astype(np.float32)
        frame[top : top + face_h, left : left + face_w] = (region * (1 - mask) + face * mask).astype(np.uint8)
        rects.append((left, top, face_w, face_h))
    return tuple(rects)


def face_photo() -> Frame:
    photo = cv2.imread(str(FACE_ASSET), cv2.IMREAD_COLOR)
    if photo is None:
        raise FileNotFoundError(FACE_ASSET)
    return as_frame(photo)


def _points(rows: list[list[float]]) -> npt.NDArray[np.float32]:
    return np.array(rows, dtype=np.float32)


def _optics(frame: Frame) -> Frame:
    """A camera lens is never perfectly sharp."""
    return as_frame(cv2.GaussianBlur(frame, (0, 0), 0.8))


class SyntheticSource:
    """A FrameSource that serves a rendered scene with fresh sensor noise, paced like a camera."""

    def __init__(
        self, spec: SceneSpec, *, fps: float = 15.0, frames: int = 0, realtime: bool = True, seed: int = 0
    ) -> None:
        self.spec = spec
        self.truth = render_scene(spec)
        self.description = f"模拟摄像头 scene={spec.scene}"
        self._fps = fps
        self._frames_left = frames if frames > 0 else None
        self._realtime = realtime
        self._next_due = time.monotonic()
        rng = np.random.default_rng(seed)
        base = self.truth.frame.astype(np.int16)
        self._variants = [
            np.clip(base + rng.normal(0, 3, base.shape).astype(np.int16), 0, 255).astype(np.uint8)
            for _ in range(NOISE_VARIANTS)
        ]
        self._served = 0

    @classmethod
    def from_options(cls, options: dict[str, str]) -> SyntheticSource:
        try:
            fps = float(options.get("fps", 15))
            frames = int(options.get("frames", 0))
            seed = int(options.get("seed", 0))
        except ValueError as exc:
            raise DeviceUrlError(f"sim://camera: bad option value ({exc})") from exc
        realtime = options.get("realtime", "1") == "1"
        return cls(SceneSpec.from_options(options), fps=fps, frames=frames, realtime=realtime, seed=seed)

    @property
    def frame_size(self) -> tuple[int, int]:
        return self.spec.width, self.spec.height

    @property
    def fps(self) -> float:
        return self._fps

    def read(self) -> Frame | None:
        if self._frames_left is not None:
            if self._frames_left == 0:
                return None
            self._frames_left -= 1
        if self._realtime and self._fps > 0:  # like a camera: a late reader gets the next frame, not a burst
            due = max(self._next_due, time.monotonic())
            time.sleep(max(0.0, due - time.monotonic()))
            self._next_due = due + 1 / self._fps
        frame = self._variants[self._served % NOISE_VARIANTS].copy()
        self._served += 1
        return frame

    def close(self) -> None:
        self._variants = []
