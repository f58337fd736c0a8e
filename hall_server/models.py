"""Every table, imported in one place so that Alembic and tests see the whole schema."""

from hall_server.alerts.models import Alert, Threshold
from hall_server.appointments.models import Appointment, AppointmentSlot
from hall_server.auth.models import AuthToken, Device, LoginThrottle, Staff, StaffAddress, StaffHall
from hall_server.cases.attachment_models import CaseAttachment
from hall_server.cases.joint_models import JointCase, JointMatter
from hall_server.cases.models import Case, CaseCounter, CaseMaterial, CaseSpecial, CaseStep
from hall_server.cases.result_models import CaseAgent, CaseQueryThrottle, CaseResult
from hall_server.catalogue.models import Category, HallMatter, Matter, MatterMaterial
from hall_server.complaints.models import Complaint, ComplaintSettings
from hall_server.core.db import Base
from hall_server.core.locks import Lease
from hall_server.departments.models import Department
from hall_server.devicehealth.models import DeviceHealth
from hall_server.displays.models import DisplayProfile
from hall_server.evaluation.models import Evaluation, EvaluationOpportunity, EvaluationRule
from hall_server.events.models import Event, EventChainHead, EventCheckpoint
from hall_server.followups.models import Followup, FollowupSettings
from hall_server.halls.models import Hall
from hall_server.help.models import HelpRequest
from hall_server.idempotency.models import IdempotencyRecord
from hall_server.identity.models import Visitor
from hall_server.queueing.models import Ticket, TicketCounter, Window, window_category
from hall_server.sync.models import Delivery
from hall_server.workdays.models import WorkdayYear

__all__ = [
    "Alert",
    "Appointment",
    "AppointmentSlot",
    "AuthToken",
    "Base",
    "Case",
    "CaseAgent",
    "CaseAttachment",
    "CaseCounter",
    "CaseMaterial",
    "CaseQueryThrottle",
    "CaseResult",
    "CaseSpecial",
    "CaseStep",
    "Category",
    "Complaint",
    "ComplaintSettings",
    "Delivery",
    "Department",
    "Device",
    "DeviceHealth",
    "DisplayProfile",
    "Evaluation",
    "EvaluationOpportunity",
    "EvaluationRule",
    "Event",
    "EventChainHead",
    "EventCheckpoint",
    "Followup",
    "FollowupSettings",
    "Hall",
    "HallMatter",
    "HelpRequest",
    "IdempotencyRecord",
    "JointCase",
    "JointMatter",
    "Lease",
    "LoginThrottle",
    "Matter",
    "MatterMaterial",
    "Staff",
    "StaffAddress",
    "StaffHall",
    "Threshold",
    "Ticket",
    "TicketCounter",
    "Visitor",
    "Window",
    "WorkdayYear",
    "window_category",
]
