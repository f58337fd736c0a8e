from __future__ import annotations

from sqlalchemy import select

from hall_server.contract import idnumbers as numbers
from hall_server.contract.catalogue import Level
from hall_server.contract.events import AggregateType, EventType
from hall_server.contract.halls import HallIn, HallOut
from hall_server.core.context import Ctx
from hall_server.core.errors import Forbidden, Invalid, NotFound
from hall_server.events.service import record
from hall_server.halls.current import find_hall
from hall_server.halls.models import Hall


def current_hall(ctx: Ctx) -> Hall:
    hall = find_hall(ctx)
    if hall is None:
        raise NotFound("HALL_NOT_CONFIGURED", "大厅尚未配置，请先导入大厅信息")
    return hall


def configure_hall(ctx: Ctx, hall_in: HallIn) -> Hall:
    try:
        numbers.validate_uscc(hall_in.org_uscc)
    except numbers.InvalidIdNumber as exc:
        raise Invalid("HALL_USCC", f"大厅管理机构代码：{exc}") from exc
    hall = ctx.session.scalars(select(Hall).where(Hall.code == hall_in.code)).first()
    own = ctx.principal.hall_id if ctx.principal is not None else None
    if own is not None and (hall is None or hall.id != own):
        raise Forbidden("FORBIDDEN", "只能配置本大厅；新增大厅需由区域管理员操作")
    cover = ctx.principal.halls if ctx.principal is not None else frozenset()
    if cover and (hall is None or hall.id not in cover):  # a regional account covering some halls only
        raise Forbidden("HALL_NOT_COVERED", "您无权管理该大厅")
    if hall is None:  # a regional admin (or the first install) adds a hall
        hall = Hall(code=hall_in.code)
        ctx.session.add(hall)
    for key, value in hall_in.model_dump(mode="json", exclude={"code"}).items():
        setattr(hall, key, value)
    ctx.session.flush()
    ctx.enter_hall(hall.id)  # events from here on are the hall's
    ctx.source = None  # and name it as configured now
    record(ctx, EventType.HALL_CONFIGURED, AggregateType.HALL, hall.code, hall_in.model_dump(mode="json"))
    return hall


def visible_halls(ctx: Ctx) -> list[Hall]:
    """The halls the caller may see: a hall-bound account (or device) its own, a regional account those it
    covers (staff_hall), every hall when it covers none."""
    query = select(Hall).order_by(Hall.id)
    principal = ctx.principal
    if principal is not None and principal.hall_id is not None:
        query = query.where(Hall.id == principal.hall_id)
    elif principal is not None and principal.halls:
        query = query.where(Hall.id.in_(principal.halls))
    return list(ctx.session.scalars(query))


def post_notice(ctx: Ctx, text: str) -> Hall:
    """The notice line (通知栏) of every hall screen; empty takes it down. Reaches the `display` topic."""
    hall = current_hall(ctx)
    hall.notice = text.strip()
    ctx.session.flush()
    record(ctx, EventType.NOTICE_POSTED, AggregateType.HALL, hall.code, {"notice": hall.notice})
    return hall


def queue_closed_today(ctx: Ctx, hall: Hall) -> bool:
    return hall.queue_closed_on == ctx.clock.today()


def hall_out(ctx: Ctx, hall: Hall) -> HallOut:
    return HallOut(
        id=hall.id,
        code=hall.code,
        name=hall.name,
        region_code=hall.region_code,
        level=Level(hall.level),
        org_uscc=hall.org_uscc,
        address=hall.address,
        phone=hall.phone,
        hours=hall.hours,
        service_date=ctx.clock.today(),
        queue_closed_today=queue_closed_today(ctx, hall),
        notice=hall.notice or "",
    )
