"""附件 on the intake page, without Qt: a scan (a file the clerk picks) or a photo from the counter's camera
attached to one line of the case's checklist, and the count per line.

The view hands over the file's bytes; the type is taken from the content itself (JPEG, PNG or PDF), so a
file named wrongly is still sent as what it is, and anything else is refused here before it leaves the
counter. A photo is one frame of the counter's camera (`camera` in the counter's config, a devices.camera
URL: file:///dev/video0, sim://camera?scene=face…), encoded as JPEG. The server stores the content
encrypted; the counter keeps nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2

from devices import registry
from devices.errors import DeviceError
from hall_server.client import ApiError, HallClient
from hall_server.contract.cases import AttachmentOut, CaseOut, CaseStatus

if TYPE_CHECKING:
    from counter_client.controller.intake import IntakeController

MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}
JPEG_QUALITY = 85
ERROR_WORDS = {
    "ATTACHMENT_TOO_LARGE": "附件过大：单个附件不能超过 {mb} MB，请降低扫描分辨率后重试",
    "CASE_NOT_OPEN": "该办件已受理或已办结，不能再添加附件",
}


def media_type_of(content: bytes) -> str | None:
    """JPEG, PNG or PDF by the first bytes; None for anything else."""
    return next((kind for magic, kind in MAGIC.items() if content.startswith(magic)), None)


class AttachmentsController:
    """State for the view: `busy` is the material id being attached (one at a time)."""

    def __init__(self, intake: IntakeController, camera: str = "") -> None:
        self.intake = intake
        self.camera = camera
        self.busy: int | None = None

    @property
    def has_camera(self) -> bool:
        return bool(self.camera)

    def count(self, material_id: int) -> int:
        case = self.intake.case
        if case is None:
            return 0
        return next((len(m.attachments) for m in case.materials if m.material_id == material_id), 0)

    def can_attach(self) -> bool:
        case = self.intake.case
        open_ = case is not None and case.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUIRED)
        return open_ and self.intake.counter.online and self.busy is None and not self.intake.busy

    def attach(self, material_id: int, content: bytes) -> None:
        """A scanned file's bytes (picked by the clerk)."""
        media_type = media_type_of(content)
        if media_type is None:
            self.intake._say("只能添加 JPG、PNG 图片或 PDF 文件", error=True)
            return
        self._send(material_id, lambda: (content, media_type))

    def photo(self, material_id: int) -> None:
        """One frame of the counter's camera, as JPEG."""
        if not self.has_camera:
            self.intake._say("本窗口未配置摄像头，请选择扫描文件", error=True)
            return
        self._send(material_id, lambda: (self.capture(), "image/jpeg"))

    def capture(self) -> bytes:
        """One frame as JPEG (in the worker: a camera may take a moment to open)."""
        try:
            source = registry.open_device("camera", self.camera)
            try:
                frame = source.read()
            finally:
                source.close()
        except DeviceError as error:
            raise ApiError(409, "CAMERA_UNAVAILABLE", f"摄像头不可用：{error}") from error
        if frame is None:
            raise ApiError(409, "CAMERA_UNAVAILABLE", "摄像头没有画面")
        ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise ApiError(409, "CAMERA_UNAVAILABLE", "照片编码失败")
        return bytes(encoded.tobytes())

    def _send(self, material_id: int, produce: Callable[[], tuple[bytes, str]]) -> None:
        """`produce` gives the content and its type; it runs in the worker (a camera may be slow)."""
        case = self.intake.case
        if case is None or not self.can_attach():
            return
        self.busy = material_id
        self.intake.counter.changed()

        def work(client: HallClient) -> tuple[AttachmentOut, CaseOut]:
            data, media_type = produce()
            attached = client.attach_material(case.id, material_id, data, media_type)
            return attached, client.get_case(case.id)

        def done(answer: tuple[AttachmentOut, CaseOut]) -> None:
            attached, fresh = answer
            self.busy = None
            if self.intake.case is not None and self.intake.case.id == fresh.id:
                self.intake.case = fresh
            self.intake._say(f"已添加附件：{attached.material_name}（{self.count(material_id)} 个）")

        def failed(error: ApiError) -> None:
            self.busy = None
            self.intake._say(self.error_words(error), error=True)

        def lost(_: Exception) -> None:
            self.busy = None
            self.intake._say("无法连接大厅服务器：附件未添加，请恢复连接后重试", error=True)

        self.intake.counter.call_server(work, done, failed, lost)

    def error_words(self, error: ApiError) -> str:
        template = ERROR_WORDS.get(error.code)
        if template is None:
            return error.message
        limit = error.detail.get("max_bytes", 0) if isinstance(error.detail, dict) else 0
        return template.format(mb=f"{limit / 1024 / 1024:g}")
