"""The business: organization, its location with business hours, and its typed settings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field as PydanticField
from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import JSONType, UTCDateTime, utcnow

DEFAULT_TIMEZONE = "America/Mexico_City"


class OrganizationStatus(StrEnum):
    onboarding = "onboarding"
    active = "active"
    suspended = "suspended"
    churned = "churned"


class OrganizationKind(StrEnum):
    """A salon using Yume, or Yume's own number, where new businesses sign up by chat."""

    business = "business"
    platform = "platform"


class BusinessSettings(BaseModel):
    """The knobs a business can turn; stored as JSON on the organization, defaults filled here."""

    model_config = ConfigDict(extra="allow")

    slot_step_minutes: int = PydanticField(default=15, ge=5, le=240)
    min_notice_minutes: int = PydanticField(default=60, ge=0, le=7 * 24 * 60)
    max_days_ahead: int = PydanticField(default=30, ge=1, le=365)
    reminder_hours_before: list[Annotated[int, PydanticField(ge=1, le=7 * 24)]] = PydanticField(
        default_factory=lambda: [24], max_length=4
    )
    daily_agenda_time: Annotated[str, PydanticField(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] | None = "08:00"
    daily_agenda_when_empty: bool = False  # also to working staff with nothing scheduled (and the owner)
    stale_flow_minutes: int = PydanticField(default=120, ge=5, le=7 * 24 * 60)
    takeover_quiet_hours: int = PydanticField(default=12, ge=1, le=7 * 24)
    review_request_hours: int | None = PydanticField(default=None, ge=1, le=7 * 24)
    review_link: str | None = PydanticField(default=None, max_length=500)


class Organization(SQLModel, table=True):
    """A business using Yume on its WhatsApp number."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=String(200))
    phone: str | None = Field(default=None, sa_type=String(20))
    wa_phone_number_id: str | None = Field(default=None, sa_type=String(64), unique=True, index=True)
    waba_id: str | None = Field(default=None, sa_type=String(64))
    # The Meta business token, encrypted with YUME_SECRET_KEY; never stored in clear text.
    access_token_encrypted: str | None = Field(default=None, sa_type=String(2000))
    timezone: str = Field(default=DEFAULT_TIMEZONE, sa_type=String(64))
    status: str = Field(default=OrganizationStatus.active, sa_type=String(20))
    # "platform": Yume's own WhatsApp number; whoever is not its staff is a business signing up.
    kind: str = Field(default=OrganizationKind.business, sa_type=String(20), sa_column_kwargs={"server_default": "business"})
    # The plan and its monthly booking limit are the operator's (scheduler/plan.py has the rule):
    # "free" or "paid"; the limit None means the free plan's default (50).
    plan: str = Field(default="free", sa_type=String(20))
    monthly_booking_limit: int | None = Field(default=None)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # Bumped by database triggers on every change to the business's facts (store/facts.py): a
    # process that caches them checks this one number per turn.
    facts_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def business_settings(self) -> BusinessSettings:
        """The typed settings, with defaults for whatever the business never changed."""
        return BusinessSettings.model_validate(self.settings or {})


class Location(SQLModel, table=True):
    """Where the business works (one per organization in v1) and when it is open."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    name: str = Field(default="Principal", sa_type=String(200))
    address: str | None = Field(default=None, sa_type=String(500))
    is_primary: bool = True
    # {"mon": [["10:00", "14:00"], ["16:00", "20:00"]], "sun": []}: split shifts, empty = closed.
    business_hours: dict[str, list[list[str]]] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SpecialDay(SQLModel, table=True):
    """A date whose opening hours differ from the week's, for every staff member: closed, or a short day.

    `hours` has the day's ranges like one weekday of `Location.business_hours`; empty means closed
    («el 24 de diciembre cerramos»). Appointments already booked are never cancelled by it: whoever
    sets it is told which ones fall outside and decides.
    """

    __table_args__ = (UniqueConstraint("organization_id", "day", name="uq_specialday_organization_day"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    location_id: uuid.UUID | None = Field(default=None, foreign_key="location.id", ondelete="CASCADE")
    day: date  # a day of the business's own calendar (local)
    hours: list[list[str]] = Field(default_factory=list, sa_type=JSONType)
    reason: str | None = Field(default=None, sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
