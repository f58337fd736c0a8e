"""Face presence for the visitor-photo step: is there exactly one face, lit well enough, and where is it.

Detection uses the Haar frontal-face cascade shipped in the opencv 4.x wheel (`cv2.data.haarcascades`;
OpenCV 5 dropped CascadeClassifier, hence the `<5` pin), falling back to Debian's opencv-data copy.
The largest face is the visitor; another face at least `rival_ratio` of its area is somebody standing just as
close, and the photo is refused (SEVERAL_FACES); smaller faces further back in the hall are ignored. A frame
(or the chosen face) darker than `dark_threshold` mean grey is TOO_DARK.
Faces are only located here, never recognised.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import cv2
import numpy as np

from devices.camera.source import Frame
from devices.errors import DeviceError

CASCADE_FILE = "haarcascade_frontalface_default.xml"
DEBIAN_CASCADE_DIR = Path("/usr/share/opencv4/haarcascades")


class FaceDetectorMissingError(DeviceError):
    code = "FACE_DETECTOR_UNAVAILABLE"


class FaceStatus(Enum):
    OK = "FACE_OK"
    TOO_DARK = "FACE_TOO_DARK"
    NO_FACE = "FACE_NONE"
    SEVERAL_FACES = "FACE_SEVERAL"

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    FaceStatus.OK: "已检测到人脸",
    FaceStatus.TOO_DARK: "光线太暗，请面向灯光或调亮照明",
    FaceStatus.NO_FACE: "未检测到人脸，请正对摄像头",
    FaceStatus.SEVERAL_FACES: "检测到多张人脸，请只留办事人一人在镜头前",
}


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    width: int
    height: int

    @property
    def area(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class FaceCheck:
    """The verdict for one frame. `chosen` is the largest face (also when several are reported)."""

    status: FaceStatus
    faces: tuple[FaceBox, ...]
    chosen: FaceBox | None
    brightness: float

    @property
    def code(self) -> str:
        return self.status.value

    @property
    def message(self) -> str:
        return self.status.message


def cascade_path() -> Path:
    wheel_dir = getattr(getattr(cv2, "data", None), "haarcascades", "")
    for directory in (Path(wheel_dir) if wheel_dir else None, DEBIAN_CASCADE_DIR):
        if directory is not None and (directory / CASCADE_FILE).is_file():
            return directory / CASCADE_FILE
    raise FaceDetectorMissingError("人脸检测模型缺失，请安装 opencv-python-headless 4.x", detail=CASCADE_FILE)


class FaceDetector:
    def __init__(self, *, min_face: int = 60, dark_threshold: float = 50.0, rival_ratio: float = 0.5) -> None:
        if not hasattr(cv2, "CascadeClassifier"):
            raise FaceDetectorMissingError("当前 OpenCV 版本不含 Haar 人脸检测（需要 4.x）")
        self._cascade = cv2.CascadeClassifier(str(cascade_path()))
        if self._cascade.empty():
            raise FaceDetectorMissingError("人脸检测模型无法加载", detail=str(cascade_path()))
        # Local (not global) equalisation, so a backlit face is still found and can be called too dark.
        self._clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
        self.min_face = min_face
        self.dark_threshold = dark_threshold
        self.rival_ratio = rival_ratio

    def detect(self, frame: Frame) -> tuple[FaceBox, ...]:
        """Every face found, largest first."""
        gray = self._clahe.apply(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        found = self._cascade.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(self.min_face, self.min_face)
        )
        boxes = (FaceBox(int(x), int(y), int(w), int(h)) for x, y, w, h in found)
        return tuple(sorted(boxes, key=lambda box: box.area, reverse=True))

    def check(self, frame: Frame) -> FaceCheck:
        brightness = float(np.mean(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)))
        if brightness < self.dark_threshold:
            return FaceCheck(FaceStatus.TOO_DARK, (), None, brightness)
        faces = self.detect(frame)
        if not faces:
            return FaceCheck(FaceStatus.NO_FACE, (), None, brightness)
        chosen = faces[0]
        rivals = [face for face in faces[1:] if face.area >= chosen.area * self.rival_ratio]
        if rivals:
            return FaceCheck(FaceStatus.SEVERAL_FACES, faces, chosen, brightness)
        if _mean_gray(frame, chosen) < self.dark_threshold:  # backlit: bright hall, face in shadow
            return FaceCheck(FaceStatus.TOO_DARK, faces, chosen, brightness)
        return FaceCheck(FaceStatus.OK, faces, chosen, brightness)


def crop_face(frame: Frame, face: FaceBox, *, margin: float = 0.5, aspect: float = 3 / 4) -> Frame:
    """Cut a portrait around the face: `margin` of the face size on each side, widened or heightened to
    width:height = `aspect` (3:4 like a certificate photo), kept inside the frame."""
    frame_h, frame_w = frame.shape[:2]
    centre_x, centre_y = face.x + face.width / 2, face.y + face.height / 2
    height = face.height * (1 + 2 * margin)
    width = max(face.width * (1 + 2 * margin), height * aspect)
    height = width / aspect
    scale = min(1.0, frame_w / width, frame_h / height)
    width, height = width * scale, height * scale
    left = int(min(max(0.0, centre_x - width / 2), frame_w - width))
    top = int(min(max(0.0, centre_y - height / 2), frame_h - height))
    crop: Frame = frame[top : top + int(height), left : left + int(width)].copy()
    return crop


def _mean_gray(frame: Frame, box: FaceBox) -> float:
    region = frame[box.y : box.y + box.height, box.x : box.x + box.width]
    return float(np.mean(cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)))
