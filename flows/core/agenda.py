"""A day's agenda as staff read it: appointments, blocks and free gaps, in time order."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.business import BusinessFacts
from flows.core.replies import AgendaLine
from scheduler.availability import Busy, free_windows, merge_busy, working_windows
from scheduler.calendar import staff_hours
from store.models import (
    Appointment,
    AppointmentStatus,
    Customer,
    ServiceType,
    Staff,
    TimeBlock,
)
from store.phones import display_phone

SHOWN_STATUSES = (AppointmentStatus.pending, AppointmentStatus.confirmed, AppointmentStatus.completed)


@dataclass(frozen=True)
class DayAgenda:
    """What one day looks like for one staff member, or for the whole business."""

    day: date
    lines: list[AgendaLine]
    appointments: int
    closed: bool


@dataclass(frozen=True)
class DayRows:
    """A local day as stored, for some staff members: appointments, blocks and working hours."""

    day: date
    appointments: list[tuple[Appointment, str, str | None, str | None]]  # with service, customer name, phone
    blocks: list[TimeBlock]
    windows: dict[uuid.UUID, list[Busy]]  # each staff member's working ranges that day

    def is_working(self, staff_id: uuid.UUID) -> bool:
        """Has working hours that day that are not all blocked (a day off, vacation)."""
        busy = merge_busy([Busy(b.starts_at, b.ends_at) for b in self.blocks if b.staff_id == staff_id])
        return any(free_windows(window, busy) for window in self.windows.get(staff_id, []))


async def staff_agenda(
    session: AsyncSession, business: BusinessFacts, staff: list[Staff], day: date, now: datetime
) -> DayAgenda:
    """Appointments and blocks of these people on a local day, plus each one's free gaps.

    Free gaps are shown for a single person only (for the whole business they would be noise),
    and today's gaps start from now.
    """
    return compose_agenda(business, await load_day(session, business, staff, day), staff, now)


async def load_day(session: AsyncSession, business: BusinessFacts, staff: list[Staff], day: date) -> DayRows:
    """One read of a local day for these staff members (agendas for each are composed from it)."""
    start, end = business.calendar.local_day_bounds(day, day)
    ids = [member.id for member in staff]
    appointments = (
        await session.execute(
            select(Appointment, ServiceType.name, Customer.name, Customer.phone)
            .join(ServiceType, ServiceType.id == Appointment.service_id)
            .join(Customer, Customer.id == Appointment.customer_id)
            .where(
                Appointment.staff_id.in_(ids),
                Appointment.status.in_(SHOWN_STATUSES),
                Appointment.starts_at < end,
                Appointment.ends_at > start,
            )
            .order_by(Appointment.starts_at)
        )
    ).all()
    blocks = (
        await session.execute(
            select(TimeBlock)
            .where(TimeBlock.staff_id.in_(ids), TimeBlock.starts_at < end, TimeBlock.ends_at > start)
            .order_by(TimeBlock.starts_at)
        )
    ).scalars().all()
    own_hours = await staff_hours(session, ids)
    calendar = business.calendar
    windows = {
        member.id: working_windows(day, business.tz, calendar.hours, own_hours.get(member.id), calendar.special)
        for member in staff
    }
    rows = [(appointment, service, name, phone) for appointment, service, name, phone in appointments]
    return DayRows(day=day, appointments=rows, blocks=list(blocks), windows=windows)


def compose_agenda(business: BusinessFacts, rows: DayRows, staff: list[Staff], now: datetime) -> DayAgenda:
    """The agenda of some of the staff members `rows` was loaded for (free gaps for a single person)."""
    day = rows.day
    ids = {member.id for member in staff}
    names = {member.id: member.name for member in staff}
    appointments = [row for row in rows.appointments if row[0].staff_id in ids]
    blocks = [block for block in rows.blocks if block.staff_id in ids]
    windows = {member.id: rows.windows.get(member.id, []) for member in staff}
    closed = not any(windows.values())

    lines: list[AgendaLine] = []
    for appointment, service, customer, phone in appointments:
        lines.append(
            AgendaLine(
                kind="appointment",
                start=business.local(appointment.starts_at),
                end=business.local(appointment.ends_at),
                service=service,
                customer=customer or _display(phone),
                staff=names.get(appointment.staff_id),
            )
        )
    for block in blocks:
        block_start, block_end = _clip(block.starts_at, block.ends_at, windows.get(block.staff_id, []))
        lines.append(
            AgendaLine(
                kind="block",
                start=business.local(block_start),
                end=business.local(block_end),
                reason=block.reason,
                staff=names.get(block.staff_id),
            )
        )
    if len(staff) == 1:
        member = staff[0]
        busy = merge_busy(
            [Busy(a.starts_at, a.busy_until) for a, *_ in appointments] + [Busy(b.starts_at, b.ends_at) for b in blocks]
        )
        from_now = _round_up(business.local(now), business.calendar.settings.slot_step_minutes)
        for window in windows[member.id]:
            for gap in free_windows(window, busy):
                gap_start = max(gap.start, from_now)
                if gap.end - gap_start >= timedelta(minutes=15):
                    lines.append(AgendaLine(kind="free", start=business.local(gap_start), end=business.local(gap.end)))
    lines.sort(key=lambda line: (line.start, line.kind != "appointment"))
    count = sum(1 for a, *_ in appointments if a.status in (AppointmentStatus.pending, AppointmentStatus.confirmed))
    return DayAgenda(day=day, lines=lines, appointments=count, closed=closed)


def _clip(start: datetime, end: datetime, windows: list[Busy]) -> tuple[datetime, datetime]:
    """A block as far as it matters: within the working hours it covers (a vacation day reads 10–8)."""
    if not windows:
        return start, end
    first, last = windows[0].start, windows[-1].end
    if start < first < end or end > last > start:
        return max(start, first), min(end, last)
    return start, end


def _round_up(local: datetime, step_minutes: int) -> datetime:
    """The next wall-clock step at or after a local moment (9:07 → 9:15 for a 15-minute step)."""
    minutes = local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)
    rounded = -(-minutes // step_minutes) * step_minutes
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight + timedelta(minutes=rounded)).astimezone(timezone.utc)


def _display(phone: str | None) -> str | None:
    return display_phone(phone) if phone else None
