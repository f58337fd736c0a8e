"""The hall a transaction works in, read once per transaction: every ticket and every event asks for it."""

from __future__ import annotations

from sqlalchemy import select

from hall_server.core.context import Ctx, UnitOfWork
from hall_server.core.tenancy import current_hall_id
from hall_server.halls.models import Hall


def find_hall(ctx: Ctx) -> Hall | None:
    """The entered hall, else the deployment's default one (YIMEN_HALL_CODE's, else the first); None before
    a hall is configured (not remembered, so a hall configured later in the same transaction is found)."""
    if ctx.hall is None:
        hall_id = current_hall_id(ctx.session, required=False)
        ctx.hall = None if hall_id is None else ctx.session.get(Hall, hall_id)
    return ctx.hall


def hall_ids(uow: UnitOfWork) -> list[int]:
    """Every hall of the deployment, for background work that enters each in turn."""
    return uow.read(lambda ctx: list(ctx.session.scalars(select(Hall.id).order_by(Hall.id))))
