"""The calendar as the availability engine sees it, loaded from the store for one business."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from typing import Any

from sqlalchemy import Select, bindparam, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.availability import Busy, DatedHours, Slot, SlotQuery, SlotRules, StaffDay, open_slots
from scheduler.errors import NotFound
from store.hours import HoursRange, WeeklyHours, normalize_day, parse_weekly_hours
from store.models import (
    ACTIVE_STATUSES,
    Appointment,
    BusinessSettings,
    Location,
    Organization,
    ServiceType,
    SpecialDay,
    Staff,
    StaffHours,
    StaffService,
    TimeBlock,
)


@dataclass(frozen=True)
class Business:
    """One business's facts the scheduling rules need."""

    organization: Organization
    location: Location | None
    tz: ZoneInfo
    hours: WeeklyHours
    settings: BusinessSettings
    # Closures and short days («el 24 cerramos»): these dates' hours replace their weekday's.
    special: DatedHours = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.organization.id

    @property
    def rules(self) -> SlotRules:
        return SlotRules(
            step_minutes=self.settings.slot_step_minutes,
            min_notice_minutes=self.settings.min_notice_minutes,
            max_days_ahead=self.settings.max_days_ahead,
        )

    def local_day_bounds(self, first_day: date, last_day: date) -> tuple[datetime, datetime]:
        """UTC instants covering local `first_day` 00:00 to the end of `last_day`."""
        start = datetime.combine(first_day, time(0), tzinfo=self.tz).astimezone(timezone.utc)
        end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=self.tz).astimezone(timezone.utc)
        return start, end


async def load_business(session: AsyncSession, organization_id: uuid.UUID) -> Business:
    """The organization with its primary location, timezone, hours and settings."""
    organization = await session.get(Organization, organization_id)
    if organization is None:
        raise NotFound("organization not found", organization_id=str(organization_id))
    location = (
        await session.execute(
            select(Location)
            .where(Location.organization_id == organization_id)
            .order_by(Location.is_primary.desc(), Location.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    hours = parse_weekly_hours(location.business_hours if location else {})
    return Business(
        organization=organization,
        location=location,
        tz=ZoneInfo(organization.timezone),
        hours=hours,
        settings=organization.business_settings(),
        special=await special_days(session, organization_id),
    )


async def special_days(session: AsyncSession, organization_id: uuid.UUID, day: date | None = None) -> dict[date, tuple[HoursRange, ...]]:
    """The business's special days (all, or one date): their own opening ranges, empty when closed."""
    query = select(SpecialDay.day, SpecialDay.hours).where(SpecialDay.organization_id == organization_id)
    if day is not None:
        query = query.where(SpecialDay.day == day)
    rows = (await session.execute(query)).all()
    return {row_day: special_day_hours(hours) for row_day, hours in rows}


def special_day_hours(raw: list[list[str]] | None) -> tuple[HoursRange, ...]:
    """A special day's stored ranges ([["10:00", "15:00"]]) as sorted, merged ranges."""
    return tuple(normalize_day(HoursRange.parse("-".join(pair)) for pair in raw or ()))


async def load_service(session: AsyncSession, organization_id: uuid.UUID, service_id: uuid.UUID) -> ServiceType:
    """A service of this business (404 for another business's id, never its data)."""
    service = await session.get(ServiceType, service_id)
    if service is None or service.organization_id != organization_id:
        raise NotFound("service not found", service_id=str(service_id))
    return service


async def eligible_staff(
    session: AsyncSession, organization_id: uuid.UUID, service_id: uuid.UUID, staff_id: uuid.UUID | None = None
) -> list[Staff]:
    """Active staff who perform the service (optionally just one person), ordered by name."""
    return list((await session.execute(_eligible(organization_id, service_id, staff_id))).scalars().all())


def _eligible(organization_id: uuid.UUID, service_id: uuid.UUID, staff_id: uuid.UUID | None) -> Select[Any]:
    query = (
        select(Staff)
        .where(Staff.organization_id == organization_id, Staff.active.is_(True))
        .where(
            or_(
                Staff.offers_all_services.is_(True),
                Staff.id.in_(select(StaffService.staff_id).where(StaffService.service_id == service_id)),
            )
        )
        .order_by(Staff.name, Staff.id)
    )
    if staff_id is not None:
        query = query.where(Staff.id == staff_id)
    return query


async def eligible_staff_with_hours(
    session: AsyncSession, organization_id: uuid.UUID, service_id: uuid.UUID, staff_id: uuid.UUID | None = None
) -> tuple[list[Staff], dict[uuid.UUID, WeeklyHours]]:
    """`eligible_staff` and their `staff_hours`, in one query."""
    query = (
        _eligible(organization_id, service_id, staff_id)
        .add_columns(StaffHours.weekday, StaffHours.starts, StaffHours.ends)
        .outerjoin(StaffHours, StaffHours.staff_id == Staff.id)
    )
    staff: dict[uuid.UUID, Staff] = {}
    grouped: dict[uuid.UUID, dict[int, list[HoursRange]]] = defaultdict(lambda: defaultdict(list))
    for member, weekday, starts, ends in (await session.execute(query)).all():
        staff.setdefault(member.id, member)
        if weekday is not None:
            grouped[member.id][weekday].append(HoursRange.from_times(starts, ends))
    hours = {member: {day: tuple(sorted(r)) for day, r in days.items()} for member, days in grouped.items()}
    return list(staff.values()), hours


async def staff_hours(session: AsyncSession, staff_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, WeeklyHours]:
    """Each staff member's own weekly hours; staff without rows are absent (they work business hours)."""
    if not staff_ids:
        return {}
    rows = (await session.execute(select(StaffHours).where(StaffHours.staff_id.in_(staff_ids)))).scalars().all()
    grouped: dict[uuid.UUID, dict[int, list[HoursRange]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[row.staff_id][row.weekday].append(HoursRange.from_times(row.starts, row.ends))
    return {staff_id: {day: tuple(sorted(r)) for day, r in days.items()} for staff_id, days in grouped.items()}


def _busy_statement(excluding: bool) -> Select[Any]:
    """Appointments (with buffers) then blocks overlapping [:start, :end) of :staff_ids, in one round trip."""
    staff_ids = bindparam("staff_ids", expanding=True)
    start, end = bindparam("start"), bindparam("end")
    appointments = select(Appointment.staff_id, Appointment.starts_at, Appointment.busy_until).where(
        Appointment.staff_id.in_(staff_ids),
        Appointment.status.in_(ACTIVE_STATUSES),
        Appointment.starts_at < end,
        Appointment.busy_until > start,
    )
    if excluding:
        appointments = appointments.where(Appointment.id != bindparam("exclude"))
    blocks = select(TimeBlock.staff_id, TimeBlock.starts_at, TimeBlock.ends_at).where(
        TimeBlock.staff_id.in_(staff_ids), TimeBlock.starts_at < end, TimeBlock.ends_at > start
    )
    both = union_all(
        appointments.add_columns(literal(0).label("kind")), blocks.add_columns(literal(1).label("kind"))
    ).subquery()
    return select(both.c.staff_id, both.c.starts_at, both.c.busy_until).order_by(both.c.kind)


# Built once: every availability look-up runs one of these, and building a statement costs more
# CPU than running it.
_BUSY = {excluding: _busy_statement(excluding) for excluding in (False, True)}


async def busy_intervals(
    session: AsyncSession,
    staff_ids: Sequence[uuid.UUID],
    start: datetime,
    end: datetime,
    exclude_appointment_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, list[Busy]]:
    """Active appointments (with buffers) and blocks overlapping [start, end), per staff member."""
    busy: dict[uuid.UUID, list[Busy]] = {staff_id: [] for staff_id in staff_ids}
    if not staff_ids:
        return busy
    parameters: dict[str, Any] = {"staff_ids": list(staff_ids), "start": start, "end": end}
    if exclude_appointment_id is not None:
        parameters["exclude"] = exclude_appointment_id
    rows = await session.execute(_BUSY[exclude_appointment_id is not None], parameters)
    for staff_id, starts_at, ends_at in rows.all():
        busy[staff_id].append(Busy(starts_at, ends_at))
    return busy


async def staff_days(
    session: AsyncSession,
    staff: Sequence[Staff],
    start: datetime,
    end: datetime,
    exclude_appointment_id: uuid.UUID | None = None,
    own_hours: dict[uuid.UUID, WeeklyHours] | None = None,
) -> list[StaffDay]:
    """The engine's view of each staff member between two instants (`own_hours` when already read)."""
    ids = [member.id for member in staff]
    if own_hours is None:
        own_hours = await staff_hours(session, ids)
    busy = await busy_intervals(session, ids, start, end, exclude_appointment_id)
    return [StaffDay(member.id, own_hours.get(member.id), tuple(busy[member.id])) for member in staff]


async def find_slots(
    session: AsyncSession,
    business: Business,
    service: ServiceType,
    first_day: date,
    last_day: date,
    now: datetime,
    staff_id: uuid.UUID | None = None,
    exclude_appointment_id: uuid.UUID | None = None,
    ignore_notice: bool = False,
    eligible: tuple[Sequence[Staff], dict[uuid.UUID, WeeklyHours]] | None = None,
) -> list[Slot]:
    """Open slots for a service over local days, for one staff member or anyone who performs it.

    `eligible`: who performs it and their own hours, when the caller already knows (else read here).
    """
    staff, own_hours = eligible or await eligible_staff_with_hours(session, business.id, service.id, staff_id)
    start, end = business.local_day_bounds(first_day, last_day)
    days = await staff_days(session, staff, start, end, exclude_appointment_id, own_hours)
    query = SlotQuery(
        duration=timedelta(minutes=service.duration_minutes),
        buffer=timedelta(minutes=service.buffer_minutes),
        first_day=first_day,
        last_day=last_day,
        now=now,
        ignore_notice=ignore_notice,
    )
    return open_slots(days, business.hours, business.tz, query, business.rules, business.special)


async def appointments_per_staff(
    session: AsyncSession, staff_ids: Sequence[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, int]:
    """How many active appointments each staff member has between two instants."""
    if not staff_ids:
        return {}
    rows = await session.execute(
        select(Appointment.staff_id, func.count())
        .where(
            Appointment.staff_id.in_(staff_ids),
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
        .group_by(Appointment.staff_id)
    )
    return {staff_id: count for staff_id, count in rows.all()}
