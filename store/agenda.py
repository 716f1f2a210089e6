"""The agenda: appointments and time blocks, and the rule that a person is in one place at a time.

Invariant (written once, here): for one staff member, no two active appointments overlap and no
two time blocks overlap, counting each appointment's buffer (`busy_until`). PostgreSQL enforces
both with exclusion constraints; the booking operations in `scheduler/booking.py` check them, and
appointment-versus-block collisions, under a per-staff lock (a serialized write transaction on
SQLite), so the constraint is the last line, not the only one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, func, literal_column, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utcnow


class AppointmentStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    completed = "completed"
    cancelled = "cancelled"
    no_show = "no_show"


ACTIVE_STATUSES: tuple[str, ...] = (AppointmentStatus.pending, AppointmentStatus.confirmed)


class AppointmentSource(StrEnum):
    whatsapp = "whatsapp"
    walk_in = "walk_in"
    manual = "manual"
    web = "web"


class Appointment(SQLModel, table=True):
    """A customer's booking of one service with one staff member."""

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ck_appointment_starts_before_ends"),
        CheckConstraint("ends_at <= busy_until", name="ck_appointment_buffer_after_end"),
        Index("ix_appointment_organization_starts", "organization_id", "starts_at"),
        # The plan's monthly count: bookings made by one business in one month (store/plan.py).
        Index("ix_appointment_organization_created", "organization_id", "created_at"),
        Index("ix_appointment_staff_starts", "staff_id", "starts_at"),
        # The background sweeps: reminders by start time, review requests by completion time.
        Index("ix_appointment_status_starts", "status", "starts_at"),
        Index("ix_appointment_status_changed", "status", "status_changed_at"),
        ExcludeConstraint(
            (literal_column("staff_id"), "="),
            (func.tstzrange(literal_column("starts_at"), literal_column("busy_until")), "&&"),
            name="ex_appointment_staff_no_overlap",
            using="gist",
            where=text("status IN ('pending', 'confirmed')"),
        ).ddl_if(dialect="postgresql"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    location_id: uuid.UUID | None = Field(default=None, foreign_key="location.id", ondelete="SET NULL")
    customer_id: uuid.UUID = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    staff_id: uuid.UUID = Field(foreign_key="staff.id", ondelete="CASCADE")
    service_id: uuid.UUID = Field(foreign_key="servicetype.id", ondelete="RESTRICT")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    # The end plus the service's buffer: the staff member is busy until then.
    busy_until: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=AppointmentStatus.confirmed, sa_type=String(20))
    source: str = Field(default=AppointmentSource.whatsapp, sa_type=String(20))
    price_cents: int = 0  # the price when booked; a later price change does not move it
    notes: str | None = Field(default=None, sa_type=String(2000))
    # Booked for someone else («un corte para mi hijo»): the guest's name; the customer stays who booked.
    guest_name: str | None = Field(default=None, sa_type=String(120))
    cancellation_reason: str | None = Field(default=None, sa_type=String(500))
    confirmed_by_customer_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When it got its current time (booked or last moved): a reminder whose time had already passed
    # then is not sent late. None (history loaded from a file): reminded as usual.
    scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TimeBlock(SQLModel, table=True):
    """Time a staff member is not bookable: lunch, an errand, a day off, vacation."""

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="ck_timeblock_starts_before_ends"),
        Index("ix_timeblock_staff_starts", "staff_id", "starts_at"),
        ExcludeConstraint(
            (literal_column("staff_id"), "="),
            (func.tstzrange(literal_column("starts_at"), literal_column("ends_at")), "&&"),
            name="ex_timeblock_staff_no_overlap",
            using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    staff_id: uuid.UUID = Field(foreign_key="staff.id", ondelete="CASCADE")
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    reason: str | None = Field(default=None, sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
