"""The event envelope (hall-sync/1, standards.md §7) and the one enum of event types."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, field_serializer

from hall_server.contract.base import OutModel

SPEC: Literal["hall-sync/1"] = "hall-sync/1"


class AggregateType(StrEnum):
    TICKET = "ticket"
    APPOINTMENT = "appointment"
    CASE = "case"
    EVALUATION = "evaluation"  # one aggregate per opportunity: its record, evaluations and 追评
    EVALUATION_FOLLOWUP = "evaluation_followup"  # 差评整改
    COMPLAINT = "complaint"  # 投诉
    WINDOW = "window"
    HALL = "hall"
    CATALOGUE = "catalogue"
    STAFF = "staff"
    DEVICE = "device"
    HELP_REQUEST = "help_request"
    ALERT = "alert"
    DISPLAY_PROFILE = "display_profile"
    DEPARTMENT = "department"
    JOINT_CASE = "joint_case"  # 一件事 (联办件): the one application over its member cases


class EventType(StrEnum):
    TICKET_ISSUED = "queue.ticket.issued"
    TICKET_CALLED = "queue.ticket.called"
    TICKET_RECALLED = "queue.ticket.recalled"
    TICKET_NO_SHOW = "queue.ticket.no_show"
    TICKET_REQUEUED = "queue.ticket.requeued"
    TICKET_TRANSFERRED = "queue.ticket.transferred"
    TICKET_SERVICE_STARTED = "queue.ticket.service_started"
    TICKET_SERVICE_COMPLETED = "queue.ticket.service_completed"
    TICKET_CANCELLED = "queue.ticket.cancelled"
    TICKET_DELIVERED = "queue.ticket.delivered"
    TICKET_PARKED = "queue.ticket.parked"  # 挂起
    TICKET_UNPARKED = "queue.ticket.unparked"
    # 好差评: the service record (opportunity) always precedes its evaluations (national interface order)
    OPPORTUNITY_CREATED = "evaluation.opportunity.created"
    EVALUATION_SUBMITTED = "evaluation.submitted"
    EVALUATION_NOT_GIVEN = "evaluation.not_evaluated"
    EVALUATION_DEFAULTED = "evaluation.defaulted"  # the hall's default rule; never counted as 主动评价
    EVALUATION_RULE_SAVED = "hall.evaluation_rule.saved"  # the default-evaluation rule set by a manager
    APPOINTMENT_BOOKED = "appointment.booked"
    APPOINTMENT_RESCHEDULED = "appointment.rescheduled"
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    APPOINTMENT_CHECKED_IN = "appointment.checked_in"
    APPOINTMENT_CHECK_IN_UNDONE = "appointment.check_in_undone"  # its ticket was never taken
    APPOINTMENT_NO_SHOW = "appointment.no_show"
    SLOT_CREATED = "hall.appointment_slot.created"  # hall set-up, not an appointment: stays in the hall
    WINDOW_OPENED = "hall.window.opened"
    WINDOW_PAUSED = "hall.window.paused"
    WINDOW_RESUMED = "hall.window.resumed"
    WINDOW_CLOSED = "hall.window.closed"
    WINDOW_CONFIGURED = "hall.window.configured"
    DAY_ENDED = "hall.day.ended"
    DAY_REOPENED = "hall.day.reopened"
    HALL_CONFIGURED = "hall.configured"
    CATEGORY_SAVED = "catalogue.category.saved"
    MATTER_SAVED = "catalogue.matter.saved"
    MATTER_OFFERED = "catalogue.matter.offered"  # a hall offers a matter of the regional catalogue
    MATTER_WITHDRAWN = "catalogue.matter.withdrawn"  # a hall no longer offers it
    JOINT_MATTER_SAVED = "catalogue.joint_matter.saved"  # a hall defines a 一件事 over its matters
    JOINT_MATTER_DELETED = "catalogue.joint_matter.deleted"
    STAFF_CREATED = "hall.staff.created"
    STAFF_UPDATED = "hall.staff.updated"
    DEVICE_REGISTERED = "hall.device.registered"
    DEVICE_FAULT = "hall.device.fault"
    DEVICE_RECOVERED = "hall.device.recovered"
    HELP_REQUESTED = "hall.help.requested"
    HELP_RESOLVED = "hall.help.resolved"
    NOTICE_POSTED = "hall.notice.posted"  # the notice line of the hall screens
    DISPLAY_PROFILE_SAVED = "hall.display_profile.saved"
    THRESHOLD_SAVED = "hall.threshold.saved"
    DEPARTMENT_SAVED = "hall.department.saved"  # a 进驻部门 created or changed
    DEPARTMENT_MEMBERS_SET = "hall.department.members_set"  # its windows and staff
    ALERT_RAISED = "hall.alert.raised"
    ALERT_CLEARED = "hall.alert.cleared"  # the condition went away
    ALERT_ACKNOWLEDGED = "hall.alert.acknowledged"
    # 差评整改: one aggregate per follow-up (evaluation_followup), every step an event
    FOLLOWUP_OPENED = "evaluation_followup.opened"
    FOLLOWUP_ASSIGNED = "evaluation_followup.assigned"
    FOLLOWUP_VERIFIED = "evaluation_followup.verified"
    FOLLOWUP_RECTIFIED = "evaluation_followup.rectified"
    FOLLOWUP_REPLIED = "evaluation_followup.replied"
    FOLLOWUP_REVISITED = "evaluation_followup.revisited"
    FOLLOWUP_APPEALED = "evaluation_followup.appealed"
    FOLLOWUP_REVIEWED = "evaluation_followup.reviewed"
    FOLLOWUP_CLOSED = "evaluation_followup.closed"
    FOLLOWUP_SETTINGS_SAVED = "hall.followup_settings.saved"  # the hall's deadlines: stays in the hall
    WORKDAYS_SAVED = "hall.workdays.saved"  # a year of the working-day calendar edited by the hall
    # 投诉 (R11): one aggregate per complaint, every step an event
    COMPLAINT_RECORDED = "complaint.recorded"
    COMPLAINT_ROUTED = "complaint.routed"
    COMPLAINT_ANSWERED = "complaint.answered"
    COMPLAINT_CLOSED = "complaint.closed"
    COMPLAINT_REOPENED = "complaint.reopened"
    COMPLAINT_SETTINGS_SAVED = "hall.complaint_settings.saved"  # hall set-up: the answer deadline
    # 办件 (standards.md §3): one aggregate per case, every step an event; the applicant only in `protected`
    CASE_SUBMITTED = "case.submitted"  # 收件 at the window: checklist and reuse
    CASE_MATERIALS_RECEIVED = "case.materials_received"
    CASE_CORRECTION_REQUIRED = "case.correction_required"  # 一次性告知 (补齐补正)
    CASE_ACCEPTED = "case.accepted"  # 受理
    CASE_CASE_NO_ASSIGNED = "case.case_no_assigned"  # the platform's PROJID (办件编号) for an accepted case
    CASE_NOT_ACCEPTED = "case.not_accepted"  # 不予受理
    CASE_CONCLUDED = "case.concluded"  # 办结
    CASE_QUERY_PASSWORD_RENEWED = "case.query_password_renewed"  # noqa: S105 (an event name, not a secret)
    CASE_MATERIAL_ATTACHED = "case.material_attached"  # a scan/photo of a material: metadata, no content
    CASE_MATERIAL_ATTACHMENT_REMOVED = "case.material_attachment_removed"  # removed before 受理
    CASE_STEP_COMPLETED = "case.step_completed"  # 承办/审核/批准 (表7)
    CASE_RETURNED_FOR_CORRECTION = "case.returned_for_correction"  # 退回窗口补正
    CASE_SPECIAL_PROCEDURE_STARTED = "case.special_procedure_started"  # 特别程序: the clock stops
    CASE_SPECIAL_PROCEDURE_ENDED = "case.special_procedure_ended"
    # 综合窗口出件 (standards.md §7.3 result.*): aggregate `case`
    CASE_AGENT_RECORDED = "case.agent_recorded"  # an authorised agent (代理人), only in `protected`
    RESULT_READY_FOR_PICKUP = "result.ready_for_pickup"
    RESULT_PICKED_UP = "result.picked_up"
    RESULT_PICKUP_REFUSED = "result.pickup_refused"  # a card matching neither applicant nor agent
    RESULT_MAILED = "result.mailed"


class Source(OutModel):
    hall_code: str
    hall_name: str
    region_code: str
    org_uscc: str
    system_id: str = "yimen-hall-server"
    window_no: str | None = None
    device_id: str | None = None


class AggregateRef(OutModel):
    type: AggregateType
    id: str
    seq: int = Field(ge=1, description="strictly increasing per aggregate")


class Actor(OutModel):
    kind: Literal["staff", "device", "citizen", "system"]
    staff_id: str | None = None
    staff_name: str | None = None
    role: str | None = None
    device_id: str | None = None


class Envelope(OutModel):
    """One event as stored in the event log and delivered to the platform. `data` holds masked values only."""

    spec: Literal["hall-sync/1"] = SPEC
    event_id: str = Field(description="UUIDv7; the idempotency key end to end")
    event_type: EventType
    event_version: int = 1
    occurred_at: datetime
    recorded_at: datetime
    source: Source
    aggregate: AggregateRef
    refs: dict[str, Any] = Field(default_factory=dict)
    correlation_id: str | None = None
    causation_id: str | None = None
    actor: Actor
    data_version: int = 1
    data: dict[str, Any] = Field(default_factory=dict)
    protected: dict[str, str] | None = Field(
        default=None, description="SM4-GCM block with the personal data the platform needs, if any"
    )
    prev_hash: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="SM3 of the hall's previous event as stored (hash chain, 全过程留痕); set at commit",
    )

    @field_serializer("occurred_at", "recorded_at", when_used="json")
    def _rfc3339_milliseconds(self, moment: datetime) -> str:
        """standards.md §7.1: RFC 3339, the hall's offset, milliseconds: 2025-03-18T09:15:02.123+08:00."""
        return moment.isoformat(timespec="milliseconds")
