from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hall_server.core.db import Base, JSONType
from hall_server.core.tenancy import HallScoped


class Category(HallScoped, Base):
    """A comprehensive-window category (综合窗口类别); visitors queue for a category."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    prefix: Mapped[str] = mapped_column(String(1))
    description: Mapped[str] = mapped_column(String(500), default="")
    default_service_minutes: Mapped[float] = mapped_column(Float, default=8.0)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("hall_id", "code", name="uq_category_hall_code"),
        UniqueConstraint("hall_id", "prefix", name="uq_category_hall_prefix"),
    )


class Matter(Base):
    """A matter (事项) with the 12 standard elements; structured parts of elements are JSON documents."""

    __tablename__ = "matter"

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_code: Mapped[str] = mapped_column(String(32), unique=True)
    task_code: Mapped[str] = mapped_column(String(48), index=True)
    handle_item_code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    local_code: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200), unique=True)
    pinyin_initials: Mapped[str] = mapped_column(String(200), index=True)
    pinyin_full: Mapped[str] = mapped_column(String(1000))
    type: Mapped[str] = mapped_column(String(2))
    legal_basis: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(1))
    implementing_org: Mapped[str] = mapped_column(String(100))
    implementing_org_uscc: Mapped[str] = mapped_column(String(18))
    authority_scope: Mapped[str] = mapped_column(Text, default="")
    service_objects: Mapped[list[str]] = mapped_column(JSONType)
    legal_limit: Mapped[dict[str, Any]] = mapped_column(JSONType)
    promised_limit: Mapped[dict[str, Any]] = mapped_column(JSONType)
    case_type: Mapped[str] = mapped_column(String(1))
    process_steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    conditions: Mapped[str] = mapped_column(Text)
    quantity_limit: Mapped[str] = mapped_column(String(200), default="")
    application_form: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    fees: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    high_frequency: Mapped[bool] = mapped_column(Boolean, default=False)
    one_visit: Mapped[bool] = mapped_column(Boolean, default=False)
    online_available: Mapped[bool] = mapped_column(Boolean, default=False)
    appointment_available: Mapped[bool] = mapped_column(Boolean, default=True)
    handle_location: Mapped[str] = mapped_column(String(100), default="")
    handle_hours: Mapped[str] = mapped_column(String(150), default="")
    consult_phone: Mapped[str] = mapped_column(String(50), default="")
    supervise_phone: Mapped[str] = mapped_column(String(50), default="")
    service_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)

    materials: Mapped[list[MatterMaterial]] = relationship(
        order_by="MatterMaterial.position", cascade="all, delete-orphan", lazy="selectin"
    )


class HallMatter(HallScoped, Base):
    """A hall's offering of a shared matter (R3 同源: the same 事项 at several points): the hall's category
    it is queued in, whether it is offered now, and its place in the hall's lists."""

    __tablename__ = "hall_matter"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    matter: Mapped[Matter] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("hall_id", "matter_id", name="uq_hall_matter_hall_matter"),)


class MatterMaterial(Base):
    """One application material (申请材料) of a matter; its own row so intake can check it off later."""

    __tablename__ = "matter_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean)
    form: Mapped[str] = mapped_column(String(20))
    original_count: Mapped[int] = mapped_column(Integer)
    copy_count: Mapped[int] = mapped_column(Integer)
    obtainable_by_sharing: Mapped[bool] = mapped_column(Boolean)
    issuing_org: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
