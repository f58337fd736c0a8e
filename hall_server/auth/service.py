"""Staff sign-in (argon2 passwords, bearer tokens stored as SHA-256) and device tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from hall_server.auth import throttle
from hall_server.auth.models import AuthToken, Device, Staff, StaffHall
from hall_server.auth.principal import Principal
from hall_server.contract.auth import DeviceIn, DeviceKind, Role, StaffIn
from hall_server.contract.events import AggregateType, EventType
from hall_server.core.context import Ctx
from hall_server.core.db import table_of
from hall_server.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unauthorized
from hall_server.events.service import record
from hall_server.halls.models import Hall


def password_hasher(ctx: Ctx) -> PasswordHasher:
    """argon2id at the configured cost: staff passwords and case query passwords."""
    return PasswordHasher(
        time_cost=ctx.settings.password_time_cost, memory_cost=ctx.settings.password_memory_kib
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_staff(
    ctx: Ctx, staff_in: StaffIn, hall_code: str | None = None, cover: Sequence[str] = ()
) -> Staff:
    """A staff account of `hall_code`'s hall; without one, of the creator's hall (a regional account when
    the creator is regional or the command line: works in the default hall or the hall it names). `cover`
    (hall codes, no `hall_code`): a regional account covering those halls only (a regional manager). A
    creator that covers some halls only makes accounts bound to the hall it acts in, never wider ones."""
    if ctx.session.scalar(select(Staff.id).where(Staff.login == staff_in.login)) is not None:
        raise Conflict("STAFF_LOGIN_TAKEN", f"登录名 {staff_in.login} 已被使用")
    if hall_code is not None and cover:
        raise Invalid("STAFF_HALLS", "不能同时指定所属大厅和管辖大厅")
    hall_id = ctx.principal.hall_id if ctx.principal is not None else None
    if ctx.principal is not None and hall_id is None and ctx.principal.halls:
        hall_id = ctx.hall_id
    cover_ids = [_hall_id_of(ctx, code) for code in dict.fromkeys(cover)]
    if hall_code is not None:
        hall_id = ctx.session.scalar(select(Hall.id).where(Hall.code == hall_code))
        if hall_id is None:
            raise NotFound("HALL_NOT_FOUND", f"没有编码为 {hall_code} 的大厅")
        ctx.enter_hall(hall_id)
    staff = Staff(
        login=staff_in.login,
        name=staff_in.name,
        role=staff_in.role.value,
        password_hash=password_hasher(ctx).hash(staff_in.password),
        active=True,
        failed_logins=0,
        created_at=ctx.clock.now(),
        hall_id=hall_id,
    )
    ctx.session.add(staff)
    try:
        ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict("STAFF_LOGIN_TAKEN", f"登录名 {staff_in.login} 已被使用") from exc
    if hall_id is None:
        ctx.session.add_all(StaffHall(staff_id=staff.id, hall_id=covered) for covered in cover_ids)
        ctx.session.flush()
    payload: dict[str, object] = {"login": staff.login, "role": staff.role}
    if cover:
        payload["halls"] = list(dict.fromkeys(cover))
    record(ctx, EventType.STAFF_CREATED, AggregateType.STAFF, staff.id, payload)
    return staff


def _hall_id_of(ctx: Ctx, code: str) -> int:
    hall_id = ctx.session.scalar(select(Hall.id).where(Hall.code == code))
    if hall_id is None:
        raise NotFound("HALL_NOT_FOUND", f"没有编码为 {code} 的大厅")
    return int(hall_id)


def staff_halls(ctx: Ctx, login: str) -> tuple[Staff, list[str]]:
    """A regional account and the codes of the halls it covers (empty: every hall)."""
    _require_regional_actor(ctx)
    staff = _regional_staff(ctx, login)
    codes = ctx.session.scalars(
        select(Hall.code).join(StaffHall, StaffHall.hall_id == Hall.id).where(StaffHall.staff_id == staff.id)
    )
    return staff, sorted(codes)


def set_staff_halls(ctx: Ctx, login: str, codes: Sequence[str]) -> tuple[Staff, list[str]]:
    """Replace a regional account's cover. Only a regional admin may; one that covers some halls only can
    neither widen an account beyond its own halls nor touch an account that reaches further."""
    actor = _require_regional_actor(ctx)
    staff = _regional_staff(ctx, login)
    wanted = list(dict.fromkeys(codes))
    wanted_ids = [_hall_id_of(ctx, code) for code in wanted]
    current_ids = set(ctx.session.scalars(select(StaffHall.hall_id).where(StaffHall.staff_id == staff.id)))
    if actor.halls and (not wanted_ids or not current_ids or not actor.halls >= {*wanted_ids, *current_ids}):
        raise Forbidden("HALL_NOT_COVERED", "不能为工作人员设置超出本人管辖范围的大厅")
    ctx.session.execute(delete(StaffHall).where(StaffHall.staff_id == staff.id))
    ctx.session.add_all(StaffHall(staff_id=staff.id, hall_id=hall_id) for hall_id in wanted_ids)
    ctx.session.flush()
    record(ctx, EventType.STAFF_UPDATED, AggregateType.STAFF, staff.id, {"change": "halls", "halls": wanted})
    return staff, sorted(wanted)


def _require_regional_actor(ctx: Ctx) -> Principal:
    principal = ctx.principal
    if principal is None or principal.hall_id is not None:
        raise Forbidden("STAFF_HALLS_REGIONAL", "管辖大厅只能由区域管理员查看和设置")
    return principal


def _regional_staff(ctx: Ctx, login: str) -> Staff:
    staff = ctx.session.scalars(select(Staff).where(Staff.login == login)).first()
    if staff is None:
        raise NotFound("STAFF_NOT_FOUND", f"没有登录名为 {login} 的工作人员")
    if staff.hall_id is not None:
        raise Invalid("STAFF_BOUND_TO_HALL", "该工作人员属于一个大厅，不能设置管辖大厅")
    return staff


def set_password(ctx: Ctx, login: str, password: str) -> Staff:
    staff = ctx.session.scalars(select(Staff).where(Staff.login == login)).first()
    if staff is None:
        raise NotFound("STAFF_NOT_FOUND", f"没有登录名为 {login} 的工作人员")
    staff.password_hash = password_hasher(ctx).hash(password)
    ctx.session.execute(delete(AuthToken).where(AuthToken.staff_id == staff.id))
    throttle.forgive(ctx, login)
    record(ctx, EventType.STAFF_UPDATED, AggregateType.STAFF, staff.id, {"change": "password"})
    return staff


def login(
    ctx: Ctx, login_name: str, password: str, address: str = ""
) -> tuple[str, AuthToken, Staff] | DomainError:
    """Check the password, throttled per account and source address (hall_server.auth.throttle). A failure
    is returned, not raised, so that the failure counts it updated are committed with the request."""
    now = ctx.clock.now()
    staff = ctx.session.scalars(select(Staff).where(Staff.login == login_name)).first()
    attempt = throttle.attempt(ctx, login_name, address, staff.id if staff else None)
    locked = throttle.check(ctx, attempt)
    if locked is not None:
        return locked
    if staff is None or not staff.active:
        password_hasher(ctx).hash(password)  # same cost whether or not the login exists
        throttle.failed(ctx, attempt)
        return Unauthorized("LOGIN_FAILED", "登录名或密码不正确")
    try:
        password_hasher(ctx).verify(staff.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        throttle.failed(ctx, attempt)
        return Unauthorized("LOGIN_FAILED", "登录名或密码不正确")
    throttle.succeeded(ctx, attempt, staff.id)
    token = secrets.token_urlsafe(32)
    auth = AuthToken(
        token_hash=token_hash(token),
        staff_id=staff.id,
        created_at=now,
        expires_at=now + timedelta(hours=ctx.settings.token_ttl_hours),
    )
    ctx.session.add(auth)
    return token, auth, staff


def logout(ctx: Ctx, token: str) -> None:
    ctx.session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash(token)))


def register_device(ctx: Ctx, device_in: DeviceIn) -> tuple[Device, str]:
    # names are unique per hall: a township's "kiosk-1" beside the county hall's
    if ctx.session.scalar(select(Device.id).where(Device.name == device_in.name)) is not None:
        raise Conflict("DEVICE_NAME_TAKEN", f"设备名 {device_in.name} 已被使用")
    token = "dev_" + secrets.token_urlsafe(32)
    device = Device(
        kind=device_in.kind.value,
        name=device_in.name,
        token_hash=token_hash(token),
        active=True,
        created_at=ctx.clock.now(),
    )
    ctx.session.add(device)
    ctx.session.flush()
    record(
        ctx,
        EventType.DEVICE_REGISTERED,
        AggregateType.DEVICE,
        device.id,
        {"kind": device.kind, "name": device.name},
    )
    return device, token


# Every request authenticates, so its reads are Core statements built once and run on the transaction's
# connection: no statement to build, no cache key to compute, no ORM hook (none of these tables is scoped to
# a hall: a device is found across halls by its token, and the principal's hall is entered after).
_DEVICES, _SIGN_INS = table_of(Device), table_of(AuthToken)
_STAFF, _COVERS = table_of(Staff), table_of(StaffHall)
_DEVICE_BY_TOKEN = select(
    _DEVICES.c.id, _DEVICES.c.name, _DEVICES.c.kind, _DEVICES.c.hall_id, _DEVICES.c.active
).where(_DEVICES.c.token_hash == bindparam("hashed"))
_STAFF_BY_TOKEN = (
    select(_SIGN_INS.c.expires_at, *(_STAFF.c[name] for name in ("id", "name", "role", "hall_id", "active")))
    .select_from(_SIGN_INS.outerjoin(_STAFF, _STAFF.c.id == _SIGN_INS.c.staff_id))
    .where(_SIGN_INS.c.token_hash == bindparam("hashed"))
)
_COVER_OF_STAFF = select(_COVERS.c.hall_id).where(_COVERS.c.staff_id == bindparam("staff"))


def authenticate(ctx: Ctx, token: str) -> Principal:
    """Resolve a bearer token (staff sign-in or device token) to the caller."""
    hashed = {"hashed": token_hash(token)}
    connection = ctx.session.connection()
    if token.startswith("dev_"):
        device = connection.execute(_DEVICE_BY_TOKEN, hashed).first()
        if device is None or not device.active:
            raise Unauthorized("TOKEN_INVALID", "设备凭证无效，请联系管理员重新登记设备")
        return Principal(
            device_id=device.id,
            device_name=device.name,
            device_kind=DeviceKind(device.kind),
            hall_id=device.hall_id,
        )
    staff = connection.execute(_STAFF_BY_TOKEN, hashed).first()  # the sign-in and its account in one read
    if staff is None or staff.expires_at <= ctx.clock.now():
        raise Unauthorized("TOKEN_INVALID", "登录已失效，请重新登录")
    if staff.id is None or not staff.active:
        raise Unauthorized("TOKEN_INVALID", "账号已停用")
    cover: frozenset[int] = frozenset()
    if staff.hall_id is None:
        cover = frozenset(connection.scalars(_COVER_OF_STAFF, {"staff": staff.id}))
    return Principal(
        staff_id=staff.id, staff_name=staff.name, role=Role(staff.role), hall_id=staff.hall_id, halls=cover
    )


def require(principal: Principal, roles: frozenset[Role], devices: frozenset[DeviceKind]) -> Principal:
    if not principal.has(roles, devices):
        raise Forbidden("FORBIDDEN", "无权进行此操作")
    return principal
