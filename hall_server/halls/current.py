"""The hall this server runs, read once per transaction: every ticket and every event asks for it."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.core.context import Ctx
from hall_server.halls.models import Hall


def find_hall(ctx: Ctx) -> Hall | None:
    """YIMEN_HALL_CODE's hall, else the first one; None before a hall is configured (not remembered, so
    a hall configured later in the same transaction is found)."""
    if ctx.hall is None:
        query = select(Hall)
        if ctx.settings.hall_code:
            query = query.where(Hall.code == ctx.settings.hall_code)
        ctx.hall = ctx.session.scalars(query.order_by(Hall.id).limit(1)).first()
    return ctx.hall
