"""What a business sells: its services with duration, price and buffer."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utcnow


class ServiceType(SQLModel, table=True):
    """A service on the menu ("Corte de cabello", 45 min, $150, 5 min to clean up after)."""

    __table_args__ = (UniqueConstraint("organization_id", "name", name="uq_service_organization_name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    name: str = Field(sa_type=String(200))
    description: str | None = Field(default=None, sa_type=String(1000))
    duration_minutes: int = Field(gt=0, le=12 * 60)
    price_cents: int = Field(default=0, ge=0)  # MXN cents
    currency: str = Field(default="MXN", sa_type=String(3))
    buffer_minutes: int = Field(default=0, ge=0, le=240)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
