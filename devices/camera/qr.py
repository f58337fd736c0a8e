"""QR scanning of appointment codes held up to the kiosk camera on a phone.

Per frame (devices.md §3.2): grey → `QRCodeDetectorAruco` on the frame as it is, then on the inverted frame
(dark-mode phones show white modules on black, which neither OpenCV detector reads as is). When the detector
finds a code but cannot decode it — a small code, a few pixels per module — the region is cut out, enlarged 4×
and decoded again, then once more binarised with a local threshold, with the classic `QRCodeDetector` as a
second opinion. Codes down to about 2.2 px per module decode (a 25-module code 70 px wide with its margin).
Corners are always reported in the coordinates of the frame that was given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from devices.camera.source import Frame, as_frame

Point = tuple[float, float]
Gray = npt.NDArray[np.uint8]
CROP_MARGIN = 0.25
CROP_UPSCALE = 4
THRESHOLD_BLOCK = 41  # pixels of the enlarged crop: about four modules of a small code


@dataclass(frozen=True)
class QrCode:
    """A decoded code: its text and its four corners in frame pixels (the detector's order)."""

    text: str
    corners: tuple[Point, ...]
    inverted: bool


class QrScanner:
    def __init__(self) -> None:
        self._aruco = cv2.QRCodeDetectorAruco()
        self._classic = cv2.QRCodeDetector()

    def scan(self, frame: Frame) -> QrCode | None:
        gray = as_frame(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)) if frame.ndim == 3 else frame
        for inverted in (False, True):
            image = as_frame(cv2.bitwise_not(gray)) if inverted else gray
            text, points, _ = self._aruco.detectAndDecode(image)
            if points is None:
                continue
            corners = np.asarray(points, np.float32).reshape(-1, 2)
            if not text:
                text = self._decode_enlarged(image, corners)
            if text:
                return QrCode(text, tuple((float(x), float(y)) for x, y in corners), inverted)
        return None

    def _decode_enlarged(self, image: Gray, corners: npt.NDArray[np.float32]) -> str:
        height, width = image.shape[:2]
        low, high = corners.min(axis=0), corners.max(axis=0)
        margin = (high - low).max() * CROP_MARGIN
        left, top = (max(0, int(v - margin)) for v in low)
        right, bottom = int(min(width, high[0] + margin)), int(min(height, high[1] + margin))
        if right - left < 8 or bottom - top < 8:
            return ""
        crop = image[top:bottom, left:right]
        for candidate in _enlarged(crop):
            for detector in (self._aruco, self._classic):
                text, _, _ = detector.detectAndDecode(candidate)
                if text:
                    decoded: str = text
                    return decoded
        return ""


def _enlarged(crop: Gray) -> Iterator[Gray]:
    """The crop enlarged, then also binarised: at 2–3 px per module, noise flips modules that a local
    threshold over a few modules' width sets right again."""
    large = as_frame(
        cv2.resize(crop, None, fx=CROP_UPSCALE, fy=CROP_UPSCALE, interpolation=cv2.INTER_LANCZOS4)
    )
    yield large
    smooth = cv2.GaussianBlur(large, (0, 0), 1.5)
    yield as_frame(
        cv2.adaptiveThreshold(
            smooth, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, THRESHOLD_BLOCK, 0
        )
    )


class RepeatFilter:
    """Tells a new scan from the same phone still held up: a text seen within `hold_s` of its last sighting is
    a repeat, so thirty frames of one phone are one scan, and the same code shown again later counts again."""

    def __init__(self, hold_s: float = 3.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._hold_s = hold_s
        self._clock = clock
        self._last_seen: dict[str, float] = {}

    def fresh(self, text: str) -> bool:
        now = self._clock()
        last = self._last_seen.get(text)
        self._last_seen = {seen: at for seen, at in self._last_seen.items() if now - at < self._hold_s}
        self._last_seen[text] = now
        return last is None or now - last >= self._hold_s
