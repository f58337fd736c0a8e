"""QR scanning on synthetic phone scenes: plain, dark mode, tilted, small; corners; no false decodes."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.camera.qr import QrScanner, RepeatFilter
from devices.camera.synthetic import SceneSpec, render_scene

APPOINTMENT = "YIMEN-APPT-20240601-0007-9F3A"


@pytest.fixture(scope="module")
def scanner() -> QrScanner:
    return QrScanner()


def corner_error(found: tuple[tuple[float, float], ...], truth: tuple[tuple[float, float], ...]) -> float:
    """Largest distance from a true corner to the nearest found corner (order-free)."""
    return max(min(math.dist(t, f) for f in found) for t in truth)


@pytest.mark.parametrize(
    ("invert", "warp", "size"),
    [
        (False, False, 240),
        (True, False, 240),
        (False, True, 240),
        (True, True, 240),
        (False, False, 90),
        (True, False, 90),
        (False, True, 90),
        (False, False, 70),
    ],
    ids=["plain", "inverted", "warped", "warped-inverted", "small", "small-inverted", "small-warped", "70px"],
)
def test_decodes_text_and_corners(scanner: QrScanner, invert: bool, warp: bool, size: int) -> None:
    scene = render_scene(SceneSpec(scene="qr", text=APPOINTMENT, invert=invert, warp=warp, qr_size=size))
    assert scene.qr_corners is not None

    code = scanner.scan(scene.frame)

    assert code is not None
    assert code.text == APPOINTMENT
    assert code.inverted is invert
    assert len(code.corners) == 4
    side = math.dist(scene.qr_corners[0], scene.qr_corners[1])
    # The bottom-right corner has no finder pattern and is estimated: allow it an eighth of a side.
    assert corner_error(code.corners, scene.qr_corners) < max(4.0, side / 8)


def test_small_code_needs_the_enlarged_pass(scanner: QrScanner) -> None:
    """The plain detector finds the 90 px code but cannot read it: crop-and-enlarge earns its keep."""
    scene = render_scene(SceneSpec(scene="qr", text=APPOINTMENT, qr_size=90))
    gray = cv2.cvtColor(scene.frame, cv2.COLOR_BGR2GRAY)
    text, points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(gray)
    assert text == "" and points is not None
    code = scanner.scan(scene.frame)
    assert code is not None and code.text == APPOINTMENT


def test_small_code_in_a_full_hd_frame(scanner: QrScanner) -> None:
    scene = render_scene(
        SceneSpec(scene="qr", width=1920, height=1080, text=APPOINTMENT, qr_size=100, warp=True)
    )
    code = scanner.scan(scene.frame)
    assert code is not None and code.text == APPOINTMENT


@pytest.mark.parametrize("scene_name", ["empty", "face", "dark"])
def test_no_code_in_scenes_without_one(scanner: QrScanner, scene_name: str) -> None:
    assert scanner.scan(render_scene(SceneSpec(scene=scene_name)).frame) is None


def test_no_false_decode_on_noise(scanner: QrScanner) -> None:
    rng = np.random.default_rng(7)
    for _ in range(5):
        noise = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
        assert scanner.scan(noise) is None
    blocks = cv2.resize(
        rng.integers(0, 2, (45, 80), dtype=np.uint8) * 255, (1280, 720), interpolation=cv2.INTER_NEAREST
    )
    assert scanner.scan(cv2.cvtColor(blocks, cv2.COLOR_GRAY2BGR)) is None


@settings(max_examples=15, deadline=None)
@given(text=st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60))
def test_any_printable_payload_round_trips(text: str) -> None:
    scene = render_scene(SceneSpec(scene="qr", text=text, qr_size=300, width=640, height=720))
    code = QrScanner().scan(scene.frame)
    assert code is not None and code.text == text


def test_repeat_filter_counts_a_held_phone_once() -> None:
    now = [100.0]
    seen = RepeatFilter(hold_s=3.0, clock=lambda: now[0])
    results = []
    for step in (0.0, 0.5, 1.0, 2.5, 6.0, 6.1):
        now[0] = 100.0 + step
        results.append(seen.fresh("APPT-1"))
    assert results == [True, False, False, False, True, False]
    assert seen.fresh("APPT-2") is True
