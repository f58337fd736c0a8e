"""Face presence on a real photograph (assets/face.png, NASA, public domain) composed into hall frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.camera.face import FaceBox, FaceDetector, FaceStatus, crop_face
from devices.camera.synthetic import FACE_ASSET, SceneSpec, hall_background, render_scene


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def inside(box: FaceBox, rect: tuple[int, int, int, int]) -> bool:
    left, top, width, height = rect
    return (
        left <= box.x
        and top <= box.y
        and box.x + box.width <= left + width
        and box.y + box.height <= top + height
    )


def test_the_photo_itself_has_exactly_one_face(detector: FaceDetector) -> None:
    photo = cv2.imread(str(FACE_ASSET))
    faces = detector.detect(photo)
    assert len(faces) == 1
    assert faces[0].width >= 60


def test_one_face_is_found_chosen_and_cropped(detector: FaceDetector) -> None:
    scene = render_scene(SceneSpec(scene="face"))
    check = detector.check(scene.frame)

    assert check.status is FaceStatus.OK
    assert check.code == "FACE_OK"
    assert check.chosen is not None and inside(check.chosen, scene.face_rects[0])

    portrait = crop_face(scene.frame, check.chosen)
    height, width = portrait.shape[:2]
    assert abs(width / height - 3 / 4) < 0.01
    assert width > check.chosen.width and height > check.chosen.height
    assert detector.detect(portrait), "the cropped portrait still shows the face"


def test_two_faces_side_by_side_are_refused(detector: FaceDetector) -> None:
    scene = render_scene(SceneSpec(scene="face", faces=2))
    check = detector.check(scene.frame)

    assert check.status is FaceStatus.SEVERAL_FACES
    assert len(check.faces) == 2
    assert all(any(inside(face, rect) for rect in scene.face_rects) for face in check.faces)
    assert check.chosen == max(check.faces, key=lambda face: face.area)


def test_a_small_face_far_behind_does_not_count(detector: FaceDetector) -> None:
    """The visitor close up and somebody small in the background: the largest face is chosen, status OK."""
    frame = hall_background(1280, 720)
    photo = cv2.imread(str(FACE_ASSET))
    near = cv2.resize(photo, None, fx=1.8, fy=1.8)
    far = cv2.resize(photo, None, fx=0.8, fy=0.8)
    frame[150 : 150 + near.shape[0], 400 : 400 + near.shape[1]] = near
    frame[60 : 60 + far.shape[0], 1000 : 1000 + far.shape[1]] = far

    check = detector.check(frame)

    assert len(check.faces) == 2
    assert check.status is FaceStatus.OK
    assert check.chosen is not None and check.chosen.x < 1000


def test_no_face_in_the_empty_hall(detector: FaceDetector) -> None:
    check = detector.check(render_scene(SceneSpec(scene="empty")).frame)
    assert check.status is FaceStatus.NO_FACE
    assert check.chosen is None


def test_too_dark(detector: FaceDetector) -> None:
    scene = render_scene(SceneSpec(scene="dark"))
    check = detector.check(scene.frame)
    assert check.status is FaceStatus.TOO_DARK
    assert check.brightness < detector.dark_threshold
    bright_enough = render_scene(SceneSpec(scene="dark", brightness=0.9))
    assert detector.check(bright_enough.frame).status is FaceStatus.OK


def test_backlit_face_is_too_dark(detector: FaceDetector) -> None:
    """A bright hall behind a face in shadow: the frame is bright, the face is not."""
    scene = render_scene(SceneSpec(scene="face"))
    frame = scene.frame.copy()
    left, top, width, height = scene.face_rects[0]
    frame[top : top + height, left : left + width] = (
        frame[top : top + height, left : left + width] * 0.25
    ).astype(np.uint8)
    check = detector.check(frame)
    assert check.brightness > detector.dark_threshold
    assert check.status is FaceStatus.TOO_DARK


def test_codes_and_messages_are_distinct_and_chinese() -> None:
    codes = {status.value for status in FaceStatus}
    messages = {status.message for status in FaceStatus}
    assert len(codes) == len(messages) == len(FaceStatus)
    assert all(any("\u4e00" <= char <= "\u9fff" for char in message) for message in messages)


def test_crop_stays_inside_the_frame_at_the_edge() -> None:
    frame = np.zeros((480, 640, 3), np.uint8)
    portrait = crop_face(frame, FaceBox(x=600, y=400, width=60, height=60))
    assert portrait.shape[0] > 0 and portrait.shape[1] > 0
    assert abs(portrait.shape[1] / portrait.shape[0] - 3 / 4) < 0.02
