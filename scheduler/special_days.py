"""Special days: a date closed for everyone («el 24 de diciembre cerramos») or a short day.

Closing makes time scarcer, so it follows the booking operations' pattern: inside the caller's
transaction lock late and once (every active staff member's agenda, the locks bookings take),
then write. Bookings re-read the day's special hours under those locks, so a booking and a
closure of the same day never both win. Appointments already booked are never cancelled here:
they are listed, and whoever closed the day decides what to do with each.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.booking import lock_staff
from scheduler.calendar import Business, load_business
from scheduler.errors import InPast, NotFound
from store.hours import HoursRange, normalize_day
from store.models import ACTIVE_STATUSES, Appointment, SpecialDay, Staff


@dataclass
class SpecialDayResult:
    """The special day as stored, and the active appointments that day outside its hours."""

    special_day: SpecialDay
    outside: list[Appointment] = field(default_factory=list)


async def set_special_day(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    day: date,
    hours: Sequence[HoursRange],
    now: datetime,
    reason: str | None = None,
) -> SpecialDayResult:
    """Give `day` its own opening hours (none: closed); list, never cancel, what no longer fits."""
    business = await load_business(session, organization_id)
    if day < now.astimezone(business.tz).date():
        raise InPast("that day has passed", day=day.isoformat())
    ranges = normalize_day(hours)
    staff_ids = (
        await session.execute(select(Staff.id).where(Staff.organization_id == organization_id, Staff.active.is_(True)))
    ).scalars().all()
    await lock_staff(session, list(staff_ids))
    special = (
        await session.execute(
            select(SpecialDay).where(SpecialDay.organization_id == organization_id, SpecialDay.day == day)
        )
    ).scalar_one_or_none()
    if special is None:
        special = SpecialDay(
            organization_id=organization_id,
            location_id=business.location.id if business.location else None,
            day=day,
            created_at=now,
        )
        session.add(special)
    special.hours = [str(item).split("-") for item in ranges]
    special.reason = reason
    special.updated_at = now
    await session.flush()
    return SpecialDayResult(special, await _outside(session, business, day, ranges))


async def clear_special_day(session: AsyncSession, *, organization_id: uuid.UUID, special_day_id: uuid.UUID) -> None:
    """The day goes back to its weekday's hours (freeing time needs no lock)."""
    special = await session.get(SpecialDay, special_day_id)
    if special is None or special.organization_id != organization_id:
        raise NotFound("special day not found", special_day_id=str(special_day_id))
    await session.delete(special)
    await session.flush()


async def _outside(
    session: AsyncSession, business: Business, day: date, ranges: Sequence[HoursRange]
) -> list[Appointment]:
    start, end = business.local_day_bounds(day, day)
    rows = (
        await session.execute(
            select(Appointment)
            .where(
                Appointment.organization_id == business.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at)
        )
    ).scalars().all()
    return [row for row in rows if not _inside(row, business.tz, ranges)]


def _inside(appointment: Appointment, tz: ZoneInfo, ranges: Sequence[HoursRange]) -> bool:
    local_start = appointment.starts_at.astimezone(tz)
    local_end = appointment.busy_until.astimezone(tz)
    first = local_start.hour * 60 + local_start.minute
    last = first + int((local_end - local_start).total_seconds() // 60)
    return any(r.start <= first and last <= r.end for r in ranges)
