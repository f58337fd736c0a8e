"""全过程留痕: the whole trace of one ticket, appointment, case or alert, with the aggregates linked to it."""

from __future__ import annotations

from typing import Literal

from hall_server.alerts import service as alerts
from hall_server.appointments import service as appointments
from hall_server.cases import joint as joint_cases
from hall_server.cases import service as cases
from hall_server.contract.base import DB_ID_MAX
from hall_server.contract.events import AggregateType
from hall_server.contract.trace import TraceOut
from hall_server.core.context import Ctx
from hall_server.core.errors import NotFound
from hall_server.events.service import events_of
from hall_server.queueing import tickets
from hall_server.sync.service import deliveries_of

TraceKind = Literal["ticket", "appointment", "case", "alert", "joint_case"]


def trace(ctx: Ctx, kind: TraceKind, key: str) -> TraceOut:
    if kind in ("ticket", "appointment"):
        key = str(_int(key))  # the events carry the canonical id: '03' is ticket 3 with its events
    if kind == "ticket":
        ticket = tickets.get_ticket(ctx, int(key))
        linked = (
            [(AggregateType.APPOINTMENT.value, str(ticket.appointment_id))] if ticket.appointment_id else []
        )
        linked += [
            (AggregateType.CASE.value, str(case_id)) for case_id in cases.case_ids_of_ticket(ctx, ticket.id)
        ]
        summary = tickets.ticket_out(ctx, ticket).model_dump(mode="json")
    elif kind == "appointment":
        appointment = appointments.get_appointment(ctx, int(key))
        linked = [(AggregateType.TICKET.value, str(appointment.ticket_id))] if appointment.ticket_id else []
        summary = appointments.appointment_out(ctx, appointment).model_dump(mode="json")
    elif kind == "joint_case":  # 一件事: the one application with every child's events
        joint = joint_cases.get_joint_case(ctx, _int(key))
        key = str(joint.id)
        linked = [(AggregateType.CASE.value, str(child.id)) for child in joint_cases.children_of(ctx, joint)]
        if joint.ticket_id is not None:
            linked.append((AggregateType.TICKET.value, str(joint.ticket_id)))
        summary = joint_cases.joint_case_out(ctx, joint).model_dump(mode="json")
    elif kind == "alert":  # raised, acknowledged, cleared
        key = str(_int(key))
        linked, summary = [], alerts.alert_out(ctx, alerts.get_alert(ctx, int(key))).model_dump(mode="json")
    else:  # a case, from the ticket it came from (and that ticket's appointment) to its conclusion
        case = cases.find_case(ctx, key)  # its id or its case number
        key, linked = str(case.id), []
        if case.ticket_id is not None:
            ticket = tickets.get_ticket(ctx, case.ticket_id)
            linked.append((AggregateType.TICKET.value, str(ticket.id)))
            if ticket.appointment_id:
                linked.append((AggregateType.APPOINTMENT.value, str(ticket.appointment_id)))
        summary = cases.case_out(ctx, case).model_dump(mode="json")
    events = events_of(ctx, [(kind, key), *linked])
    return TraceOut(
        aggregate_type=kind,
        aggregate_id=key,
        summary=summary,
        events=events,
        linked=[f"{t}:{i}" for t, i in linked],
        deliveries=deliveries_of(ctx, [e.event_id for e in events]),
    )


def _int(key: str) -> int:
    """A row id in ASCII digits only (str.isdigit() also takes '²' and '٣') and in the database's range."""
    if not (key.isascii() and key.isdigit() and 1 <= int(key) <= DB_ID_MAX):
        raise NotFound("NOT_FOUND", "编号格式不正确")
    return int(key)
