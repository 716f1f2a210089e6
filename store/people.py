"""The people around a business: staff (who work there) and customers (who book)."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Time, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import JSONType, UTCDateTime, utcnow


class StaffRole(StrEnum):
    owner = "owner"
    employee = "employee"


class Permission(StrEnum):
    """What an employee may do beyond their own agenda; owners may do everything."""

    view_business_schedule = "view_business_schedule"
    manage_customer_appointments = "manage_customer_appointments"
    message_customers = "message_customers"
    view_customer_history = "view_customer_history"


DEFAULT_EMPLOYEE_PERMISSIONS: dict[str, bool] = {
    Permission.view_business_schedule: False,
    Permission.manage_customer_appointments: True,
    Permission.message_customers: True,
    Permission.view_customer_history: True,
}


class Staff(SQLModel, table=True):
    """Someone who works at the business, recognised by the phone they write from."""

    __table_args__ = (UniqueConstraint("organization_id", "phone", name="uq_staff_organization_phone"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    location_id: uuid.UUID | None = Field(default=None, foreign_key="location.id", ondelete="SET NULL")
    name: str = Field(sa_type=String(200))
    phone: str = Field(sa_type=String(20))
    wa_id: str | None = Field(default=None, sa_type=String(32))
    role: str = Field(default=StaffRole.employee, sa_type=String(20))
    permissions: dict[str, bool] = Field(default_factory=lambda: dict(DEFAULT_EMPLOYEE_PERMISSIONS), sa_type=JSONType)
    active: bool = True
    # True: performs every active service, including ones added later; False: only StaffService rows.
    offers_all_services: bool = True
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_owner(self) -> bool:
        return self.role == StaffRole.owner

    def may(self, permission: Permission) -> bool:
        """Whether this person may do `permission` (owners always may)."""
        return self.is_owner or bool((self.permissions or {}).get(permission, False))


class StaffService(SQLModel, table=True):
    """A service a staff member performs (used when `offers_all_services` is False)."""

    staff_id: uuid.UUID = Field(foreign_key="staff.id", primary_key=True, ondelete="CASCADE")
    service_id: uuid.UUID = Field(foreign_key="servicetype.id", primary_key=True, ondelete="CASCADE")


class StaffHours(SQLModel, table=True):
    """One weekly working range of a staff member; none at all means "the business hours"."""

    __table_args__ = (Index("ix_staffhours_staff_weekday", "staff_id", "weekday"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    staff_id: uuid.UUID = Field(foreign_key="staff.id", ondelete="CASCADE")
    weekday: int = Field(ge=0, le=6)  # 0 = Monday, as datetime.weekday()
    starts: time = Field(sa_type=Time)
    ends: time = Field(sa_type=Time)


class NameSource(StrEnum):
    """Who told us a customer's name; a name the customer gave is never overwritten."""

    customer = "customer"
    staff = "staff"
    contacts = "contacts"
    whatsapp_profile = "whatsapp_profile"


class Customer(SQLModel, table=True):
    """Someone who books; a phone number may be all we know at first."""

    __table_args__ = (
        UniqueConstraint("organization_id", "phone", name="uq_customer_organization_phone"),
        UniqueConstraint("organization_id", "bsuid", name="uq_customer_organization_bsuid"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    # E.164; absent only for WhatsApp users who arrive with a business-scoped id and no phone.
    phone: str | None = Field(default=None, sa_type=String(20))
    wa_id: str | None = Field(default=None, sa_type=String(32))
    bsuid: str | None = Field(default=None, sa_type=String(128))
    name: str | None = Field(default=None, sa_type=String(200))
    name_source: str | None = Field(default=None, sa_type=String(20))
    notes: str | None = Field(default=None, sa_type=String(2000))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
