from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall_server.core.db import Base, UTCDateTime
from hall_server.core.tenancy import HallScoped


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), nullable=True)
    # The hall the account works in; None: a regional account (admin/manager of the deployment), acting in
    # the deployment's default hall unless it names another (core/tenancy.py, README "Tenancy").
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("hall.id"), nullable=True, index=True)


class StaffHall(Base):
    """A hall a regional account (staff.hall_id NULL) covers; a regional account with none covers every
    hall (the deployment's admin). README "Regional catalogue and regional managers"."""

    __tablename__ = "staff_hall"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    hall_id: Mapped[int] = mapped_column(
        ForeignKey("hall.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Device(HallScoped, Base):
    """A registered kiosk, display, counter terminal or evaluation pad, with its own bearer token."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))  # unique per hall
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("hall_id", "name", name="uq_device_hall_name"),)


class AuthToken(Base):
    """A staff sign-in. Only the SHA-256 of the bearer token is stored."""

    __tablename__ = "auth_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed sign-ins counted per key (an account from one address, an address, an account from new
    addresses) within a window, and the lock they led to. See hall_server.auth.throttle."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StaffAddress(Base):
    """An address a staff member signed in from successfully: their own window's computer."""

    __tablename__ = "staff_address"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_success_at: Mapped[datetime] = mapped_column(UTCDateTime)
