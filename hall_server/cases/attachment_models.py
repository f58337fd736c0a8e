from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, UTCDateTime
from hall_server.core.tenancy import HallScoped


class CaseAttachment(HallScoped, Base):
    """A scan or photo of one checklist line's material (收件 at the window), stored SM4-GCM encrypted.
    No file name is kept (it may name the applicant): the material's name and the type say what it is."""

    __tablename__ = "case_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    case_material_id: Mapped[int] = mapped_column(
        ForeignKey("case_material.id", ondelete="CASCADE"), index=True
    )
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)  # of the plaintext, in bytes
    sha256: Mapped[str] = mapped_column(String(64))  # of the plaintext
    # loaded only for a download: lists and checklists never read the blobs
    content_cipher: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    staff_name: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
