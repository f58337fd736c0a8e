"""附件: scans and camera photos of the materials received at the window (收件), one checklist line each.

The content is the request body as sent (JPEG, PNG or PDF), checked against its declared type by its first
bytes, capped in size, and stored SM4-GCM encrypted (the identity module's helpers, the associated data
naming the case) with its SHA-256, size and type, who attached it and when. Attaching and removing are
`case.*` events in the same transaction carrying only that metadata (`file_ref` = the attachment id), never
the content. Added and removed only while the case is open at the window (before 受理); read by the staff
who may see the case: the hall's clerks and managers, and the back office of the case's department.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import func, select

from hall_server.cases.attachment_models import CaseAttachment
from hall_server.cases.backoffice import _case_of_mine
from hall_server.cases.models import Case, CaseMaterial
from hall_server.cases.service import OPEN_STATES, _event, attachment_out, get_case
from hall_server.contract.auth import Role
from hall_server.contract.cases import ATTACHMENT_TYPES, STATUS_NAMES, AttachmentOut, CaseStatus
from hall_server.contract.events import EventType
from hall_server.core.context import Ctx
from hall_server.core.errors import Conflict, Invalid, NotFound, TooLarge, UnsupportedType
from hall_server.identity.crypto import decrypt_bytes, encrypt_bytes

# The first bytes of each accepted type (JPEG SOI marker, PNG signature, PDF header)
MAGIC: dict[str, bytes] = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "application/pdf": b"%PDF-",
}
PER_LINE_MAX = 10  # attachments per checklist line


@dataclass(frozen=True)
class Download:
    media_type: str
    content: bytes
    filename: str


def media_type_of(content_type: str | None) -> str:
    """The declared type without parameters; 415 unless JPEG, PNG or PDF."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in ATTACHMENT_TYPES:
        raise UnsupportedType(
            "ATTACHMENT_TYPE_UNSUPPORTED",
            "附件只能是 JPG、PNG 图片或 PDF 文件",
            {"allowed": list(ATTACHMENT_TYPES)},
        )
    return media_type


def too_large(max_bytes: int) -> TooLarge:
    return TooLarge(
        "ATTACHMENT_TOO_LARGE",
        f"附件过大：单个附件不能超过 {max_bytes / 1024 / 1024:g} MB",
        {"max_bytes": max_bytes},
    )


def check_content(media_type: str, content: bytes, max_bytes: int) -> None:
    if len(content) > max_bytes:
        raise too_large(max_bytes)
    if not content:
        raise Invalid("ATTACHMENT_EMPTY", "附件内容为空")
    if not content.startswith(MAGIC[media_type]):
        raise Invalid("ATTACHMENT_CONTENT_MISMATCH", "附件内容与声明的文件类型不符", {"declared": media_type})


def _aad(case_id: int) -> str:
    """Binds a blob to its case: copied to another case's row, it does not decrypt."""
    return f"case_attachment.content:{case_id}"


def _open_for_attachments(ctx: Ctx, case_id: int) -> Case:
    case = get_case(ctx, case_id)
    if case.status not in OPEN_STATES:
        name = STATUS_NAMES[CaseStatus(case.status)]
        raise Conflict("CASE_NOT_OPEN", f"该办件{name}，不能再添加或删除附件", {"status": case.status})
    return case


def _line(case: Case, material_id: int) -> CaseMaterial:
    line = next((line for line in case.materials if line.material_id == material_id), None)
    if line is None:
        raise NotFound("MATERIAL_NOT_IN_CHECKLIST", "所选材料不在该事项的材料清单中")
    return line


def attach(
    ctx: Ctx, case_id: int, material_id: int, content_type: str | None, content: bytes
) -> AttachmentOut:
    case = _open_for_attachments(ctx, case_id)
    line = _line(case, material_id)
    media_type = media_type_of(content_type)
    check_content(media_type, content, ctx.settings.attachment_max_bytes)
    count = ctx.session.scalar(
        select(func.count(CaseAttachment.id)).where(CaseAttachment.case_material_id == line.id)
    )
    if (count or 0) >= PER_LINE_MAX:
        raise Conflict("ATTACHMENTS_FULL", f"每项材料最多 {PER_LINE_MAX} 个附件，请先删除不需要的附件")
    principal = ctx.principal
    row = CaseAttachment(
        case_id=case.id,
        case_material_id=line.id,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content_cipher=encrypt_bytes(ctx.keys, content, _aad(case.id)),
        staff_id=principal.staff_id if principal is not None else None,
        staff_name=(principal.staff_name if principal is not None else None) or "",
        created_at=ctx.clock.now(),
    )
    ctx.session.add(row)
    ctx.session.flush()
    _event(ctx, case, EventType.CASE_MATERIAL_ATTACHED, _data(row, line))
    return attachment_out(row, line)


def _data(row: CaseAttachment, line: CaseMaterial) -> dict[str, object]:
    return {
        "material": line.name,
        "file_ref": str(row.id),
        "sha256": row.sha256,
        "size": row.size,
        "media_type": row.media_type,
    }


def visible_case(ctx: Ctx, case_id: int) -> Case:
    """The hall's clerks and managers see its cases (the session is the caller's hall's); a back-office
    member only the cases of their department, as on the back-office pages."""
    if ctx.principal is not None and ctx.principal.role is Role.BACK_OFFICE:
        return _case_of_mine(ctx, case_id)
    return get_case(ctx, case_id)


def _attachment(ctx: Ctx, case: Case, attachment_id: int) -> tuple[CaseAttachment, CaseMaterial]:
    row = ctx.session.get(CaseAttachment, attachment_id)
    if row is None or row.case_id != case.id:
        raise NotFound("ATTACHMENT_NOT_FOUND", "没有找到该附件")
    line = next(line for line in case.materials if line.id == row.case_material_id)
    return row, line


def list_attachments(ctx: Ctx, case_id: int) -> list[AttachmentOut]:
    case = visible_case(ctx, case_id)
    rows = ctx.session.scalars(
        select(CaseAttachment).where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.id)
    )
    lines = {line.id: line for line in case.materials}
    return [attachment_out(row, lines[row.case_material_id]) for row in rows]


def download(ctx: Ctx, case_id: int, attachment_id: int) -> Download:
    case = visible_case(ctx, case_id)
    row, _ = _attachment(ctx, case, attachment_id)
    content = decrypt_bytes(ctx.keys, row.content_cipher, _aad(case.id))
    extension = ATTACHMENT_TYPES[row.media_type]
    return Download(row.media_type, content, f"case-{case.id}-attachment-{row.id}.{extension}")


def remove(ctx: Ctx, case_id: int, attachment_id: int) -> None:
    """A wrong scan is removed while the case is still at the window; after 受理 it stays."""
    case = _open_for_attachments(ctx, case_id)
    row, line = _attachment(ctx, case, attachment_id)
    data = _data(row, line)
    ctx.session.delete(row)
    ctx.session.flush()
    _event(ctx, case, EventType.CASE_MATERIAL_ATTACHMENT_REMOVED, data)
