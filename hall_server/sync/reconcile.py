"""Reconciliation: compare what this hall delivered for one local day with what the target holds
(count and SM3 hash of event ids); where they differ, queue again every event the target is missing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hall_server.contract.sync import ReconcileReport
from hall_server.core.context import Ctx
from hall_server.sync import service
from hall_server.sync.models import Delivery
from hall_server.sync.targets import Target
from hall_server.sync.wire import day_hash


def reconcile(ctx: Ctx, target: Target, day: date) -> ReconcileReport:
    name = target.config.name
    start, end = ctx.clock.day_bounds(day)
    local_ids = list(
        ctx.session.scalars(
            select(Delivery.event_id).where(
                Delivery.target == name,
                Delivery.occurred_at >= start,
                Delivery.occurred_at < end,
                Delivery.status.in_(service.DELIVERED),
            )
        )
    )
    remote = target.day_summary(day, with_ids=False)
    if remote.count == len(local_ids) and remote.hash == day_hash(local_ids):
        return ReconcileReport(
            target=name,
            day=day,
            local_count=len(local_ids),
            remote_count=remote.count,
            matched=True,
            requeued=[],
            unknown_remote=[],
        )
    remote_ids = set(target.day_summary(day, with_ids=True).event_ids or [])
    missing = sorted(set(local_ids) - remote_ids)
    unknown = sorted(remote_ids - set(local_ids))
    service.replay(ctx, event_ids=missing, target=name)
    return ReconcileReport(
        target=name,
        day=day,
        local_count=len(local_ids),
        remote_count=len(remote_ids),
        matched=False,
        requeued=missing,
        unknown_remote=unknown,
    )
