"""The hall a transaction works in, read once per transaction: every ticket and every event asks for it."""

from __future__ import annotations

from hall_server.core.context import Ctx
from hall_server.core.tenancy import current_hall_id
from hall_server.halls.models import Hall


def find_hall(ctx: Ctx) -> Hall | None:
    """The entered hall, else the deployment's default one (YIMEN_HALL_CODE's, else the first); None before
    a hall is configured (not remembered, so a hall configured later in the same transaction is found)."""
    if ctx.hall is None:
        hall_id = current_hall_id(ctx.session, required=False)
        ctx.hall = None if hall_id is None else ctx.session.get(Hall, hall_id)
    return ctx.hall
