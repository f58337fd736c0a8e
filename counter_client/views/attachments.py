"""附件 on one checklist line of the intake page: the count, 添加附件 (a scanned file) and 拍照 (the counter's
camera, shown only when one is configured). State lives in AttachmentsController."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from counter_client.controller.attachments import AttachmentsController
from counter_client.controller.intake import MaterialLine
from kiosk.views.widgets import button, label

FILE_FILTER = "扫描件或照片 (*.jpg *.jpeg *.png *.pdf)"


class AttachmentControl(QWidget):
    def __init__(self, controller: AttachmentsController, material_id: int, name: str) -> None:
        super().__init__()
        self.controller = controller
        self.material_id = material_id
        self.setObjectName(f"attachments{material_id}")
        self.setAccessibleName(f"{name}的附件")
        self.count = label(f"attachmentCount{material_id}", "", role="hint", wrap=False)
        self.file_button = button(f"attachFile{material_id}", "添加附件", self.pick_file, role="small")
        self.file_button.setAccessibleName(f"为{name}添加扫描件")
        self.photo_button = button(f"attachPhoto{material_id}", "拍照", self.take_photo, role="small")
        self.photo_button.setAccessibleName(f"为{name}拍照")
        self.photo_button.setVisible(controller.has_camera)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count)
        layout.addWidget(self.file_button)
        layout.addWidget(self.photo_button)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        controller = self.controller
        count = controller.count(self.material_id)
        busy = controller.busy == self.material_id
        words = "上传中…" if busy else (f"附件 {count}" if count else "")
        if self.count.text() != words:
            self.count.setText(words)
            self.count.setAccessibleName(words or "无附件")
        allowed = controller.can_attach()
        self.file_button.setEnabled(allowed)
        self.photo_button.setEnabled(allowed)

    def pick_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择扫描件或照片", "", FILE_FILTER)
        if path:
            self.attach_file(Path(path))

    def attach_file(self, path: Path) -> None:
        """The chosen file's bytes to the controller (also what a test drives without the dialog)."""
        try:
            content = path.read_bytes()
        except OSError:
            self.controller.intake._say("无法读取所选文件", error=True)
            return
        self.controller.attach(self.material_id, content)

    def take_photo(self) -> None:
        self.controller.photo(self.material_id)


def with_attachments(
    words: QLabel, controller: AttachmentsController, line: MaterialLine, *, shown: bool = True
) -> tuple[QVBoxLayout, AttachmentControl | None]:
    """A checklist line's words with its 附件 control below them (beside them, a long line would not fit),
    and the control, for the page to refresh; `shown` false (a material that needs no submission): the
    words alone."""
    column = QVBoxLayout()
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(words)
    control = AttachmentControl(controller, line.material_id, line.name) if shown else None
    if control is not None:
        column.addWidget(control)
    return column, control
