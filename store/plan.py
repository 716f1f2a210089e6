"""The plan in the database: bookings made per business per month, and the owner's notices, sent once.

The rule (what counts, the thresholds, who may book past the limit) is in `scheduler/plan.py`;
`scheduler/usage.py` puts the two together for the flows and the API.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, UniqueConstraint, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from store.agenda import Appointment
from store.organizations import Organization
from store.sent import claim
from store.types import UTCDateTime, utcnow


class PlanNotice(SQLModel, table=True):
    """The owner was told that this month's bookings reached `threshold` (40 of 50, 50 of 50): once."""

    __table_args__ = (UniqueConstraint("organization_id", "month", "threshold", name="uq_plannotice_once"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    month: date = Field(sa_type=Date)  # the first day of the business's local month
    threshold: int
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def bookings_made(session: AsyncSession, organization_id: uuid.UUID, start: datetime, end: datetime) -> int:
    """Appointments created in [start, end), whatever their source or status (a cancellation still counts)."""
    found = await session.execute(
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.organization_id == organization_id,
            Appointment.created_at >= start,
            Appointment.created_at < end,
        )
    )
    return int(found.scalar_one())


_READ = "yume.booking_organizations"


async def lock_organization(session: AsyncSession, organization_id: uuid.UUID) -> Organization | None:
    """The organization, locked until the transaction ends: bookings of one business count one at a time."""
    return await read_organization(session, organization_id, lock=True)


async def read_organization(session: AsyncSession, organization_id: uuid.UUID, *, lock: bool) -> Organization | None:
    """The organization as it is now, for a booking (locked until the transaction ends when asked)."""
    query = select(Organization).where(Organization.id == organization_id).execution_options(populate_existing=True)
    if lock:
        # NO KEY UPDATE: bookings still count one at a time, but the foreign-key checks of every
        # other insert for this business (inbox events, messages, outbox rows) are not blocked.
        query = query.with_for_update(key_share=True)
    organization = (await session.execute(query)).scalar_one_or_none()
    if organization is not None:
        # Kept for the rest of the transaction (the identity map only holds weak references).
        session.info.setdefault(_READ, {})[organization_id] = organization
    return organization


def organization_read(session: AsyncSession, organization_id: uuid.UUID) -> Organization | None:
    """The organization as `read_organization` read it in this transaction (None when it did not)."""
    return session.info.get(_READ, {}).get(organization_id)


async def claim_notices(
    session: AsyncSession, organization_id: uuid.UUID, month: date, thresholds: set[int], now: datetime
) -> set[int]:
    """The thresholds whose notice nobody sent yet this month, now this transaction's to send."""
    rows = [
        {"organization_id": organization_id, "month": month, "threshold": threshold, "sent_at": now}
        for threshold in sorted(thresholds)
    ]
    return await claim(session, PlanNotice, rows, "threshold")
