"""What the background jobs already did, so each reminder, morning agenda and review request goes out once.

Each row is written in the same transaction as the outbox row of its message, and each table is
unique on what must happen only once. A sweep claims its work by inserting these rows with
`claim()` (INSERT … ON CONFLICT DO NOTHING): whatever another process inserted first is simply not
returned, so two schedulers on one database never send the same thing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, String, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utcnow


class ReminderOutcome(StrEnum):
    sent = "sent"
    too_late = "too_late"  # booked or moved after this reminder's time: nothing was sent
    unreachable = "unreachable"  # the customer has no WhatsApp address: nothing could be sent


class Reminder(SQLModel, table=True):
    """One reminder of one appointment at one start time, handled: sent, or skipped as too late."""

    __table_args__ = (UniqueConstraint("appointment_id", "starts_at", "offset_minutes", name="uq_reminder_once"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    appointment_id: uuid.UUID = Field(foreign_key="appointment.id", ondelete="CASCADE")
    # The start it reminded of: a moved appointment is reminded again for its new time.
    starts_at: datetime = Field(sa_type=UTCDateTime)
    offset_minutes: int
    outcome: str = Field(default=ReminderOutcome.sent, sa_type=String(20))
    handled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MorningAgenda(SQLModel, table=True):
    """The morning agenda of one local day, sent to one staff member or owner."""

    __table_args__ = (UniqueConstraint("staff_id", "day", name="uq_morningagenda_once"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    staff_id: uuid.UUID = Field(foreign_key="staff.id", ondelete="CASCADE")
    day: date = Field(sa_type=Date)
    sent: bool = True  # False: handled, with nothing to send (nothing scheduled, not working)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReviewRequest(SQLModel, table=True):
    """The thank-you with the review link after a completed appointment (at most one per appointment)."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    appointment_id: uuid.UUID = Field(foreign_key="appointment.id", ondelete="CASCADE", unique=True)
    sent: bool = True  # False: handled without a message (a person has the chat, or one went already)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


async def claim(
    session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]], key: str
) -> set[Any]:
    """Insert the rows nobody inserted before; the `key` values (e.g. appointment ids) this transaction now owns.

    On PostgreSQL a row inserted by a concurrent, uncommitted transaction makes this wait for it
    and then skip the row: the first writer wins, the other one sends nothing.
    """
    if not rows:
        return set()
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing().returning(table.c[key])
    result = await session.execute(statement, [{"id": uuid.uuid4(), **row} for row in rows])
    return set(result.scalars().all())
