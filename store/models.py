"""Every table, imported in one place so the metadata (and Alembic) sees them all."""

from sqlmodel import SQLModel

import store.facts  # noqa: F401  (the facts-version triggers, created with the tables)

from store.agenda import ACTIVE_STATUSES, Appointment, AppointmentSource, AppointmentStatus, TimeBlock
from store.agenda_links import AgendaLink
from store.catalog import ServiceType
from store.channel import InboxEvent, OutboxMessage, OutboxStatus, SendPace
from store.conversations import Conversation, ConversationStatus, Direction, Message, SenderType
from store.organizations import (
    BusinessSettings,
    Location,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    SpecialDay,
)
from store.plan import PlanNotice
from store.people import Customer, NameSource, Permission, Staff, StaffHours, StaffRole, StaffService
from store.sent import MorningAgenda, Reminder, ReminderOutcome, ReviewRequest
from store.signup_links import LinkState, SignupLink
from store.tokens import ApiToken

metadata = SQLModel.metadata

__all__ = [
    "ACTIVE_STATUSES",
    "AgendaLink",
    "ApiToken",
    "Appointment",
    "AppointmentSource",
    "AppointmentStatus",
    "BusinessSettings",
    "Conversation",
    "ConversationStatus",
    "Customer",
    "Direction",
    "InboxEvent",
    "LinkState",
    "Location",
    "Message",
    "MorningAgenda",
    "NameSource",
    "Organization",
    "OrganizationKind",
    "OrganizationStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Permission",
    "PlanNotice",
    "Reminder",
    "ReminderOutcome",
    "ReviewRequest",
    "SendPace",
    "SenderType",
    "ServiceType",
    "SignupLink",
    "SpecialDay",
    "Staff",
    "StaffHours",
    "StaffRole",
    "StaffService",
    "TimeBlock",
    "metadata",
]
