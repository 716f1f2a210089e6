"""The week page's grid, as values: days, a lane per staff member, and what is drawn where. Pure.

Positions are in hours from the top of the grid and come from the business's wall clock, so
10:00 is on the 10:00 line on every day of the week, also on the days the clock changes (Tijuana:
2027-03-14 and 2027-11-07). The grid runs from the earliest opening (or appointment) of the week
to the latest closing, whole hours; outside a person's working hours (business hours ∩ theirs)
it is shaded, and so are their time blocks.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.core import formatting as fmt
from scheduler.availability import NO_SPECIAL_DAYS, DatedHours, working_windows
from store.hours import WeeklyHours
from store.models import Appointment, Staff, TimeBlock

DAY_MINUTES = 24 * 60
DEFAULT_HOURS = (9, 19)  # a week with no opening hours at all still gets a readable grid
MIN_BOX_MINUTES = 15
SPECIAL_CLOSED = "cerrado por día especial"
SPECIAL_HOURS = "horario especial"

STATUS_LABELS = {
    "confirmed": "Confirmada",
    "pending": "Por confirmar",
    "completed": "Completada",
    "no_show": "No llegó",
}


@dataclass(frozen=True)
class Listed:
    """An appointment with the words shown for it."""

    appointment: Appointment
    customer: str  # who comes: the guest when it was booked for someone else
    service: str
    booked_by: str | None = None  # the customer who booked it for the guest


@dataclass(frozen=True)
class AppointmentBox:
    id: uuid.UUID
    top: float
    height: float
    status: str
    status_label: str
    time: str
    customer: str
    service: str
    price: str
    overlap: bool = False


@dataclass(frozen=True)
class Shade:
    """Blocked or closed time in a lane."""

    top: float
    height: float
    label: str | None = None  # blocks say why ("comida"); closed time says nothing


@dataclass
class Lane:
    staff_id: uuid.UUID
    name: str
    appointments: list[AppointmentBox] = field(default_factory=list)
    blocks: list[Shade] = field(default_factory=list)
    off: list[Shade] = field(default_factory=list)


@dataclass
class DayView:
    day: date
    title: str  # "lunes 15 de marzo"
    weekday: str  # "lun", for the row of days on top
    anchor: str  # "d-2027-03-15"
    is_today: bool
    closed: bool  # nobody works and nothing is booked: one "Cerrado" line instead of a grid
    lanes: list[Lane]
    special: str | None = None  # a dated closure or short day of the business
    now_top: float | None = None


@dataclass(frozen=True)
class HourMark:
    label: str
    top: float


@dataclass(frozen=True)
class Week:
    monday: date
    title: str
    days: list[DayView]
    hours: list[HourMark]
    height: float  # the grid's height in hours

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def week_of(day: date) -> date:
    """The Monday of the week `day` is in."""
    return day - timedelta(days=day.weekday())


def build_week(
    *,
    monday: date,
    tz: ZoneInfo,
    now: datetime,
    columns: Sequence[Staff],
    business_hours: WeeklyHours,
    staff_hours: Mapping[uuid.UUID, WeeklyHours],
    appointments: Sequence[Listed],
    blocks: Sequence[TimeBlock],
    special: DatedHours = NO_SPECIAL_DAYS,
) -> Week:
    """The week starting `monday`, a lane per staff member in `columns`; `special` days replace their weekday's hours."""
    days = [monday + timedelta(days=offset) for offset in range(7)]
    windows = {
        (day, member.id): [
            (_wall(w.start, day, tz), _wall(w.end, day, tz))
            for w in working_windows(day, tz, business_hours, staff_hours.get(member.id), special)
        ]
        for day in days
        for member in columns
    }
    booked = {day: [item for item in appointments if _local_day(item.appointment.starts_at, tz) == day] for day in days}
    first, last = _grid_bounds(windows.values(), [item for items in booked.values() for item in items], tz)
    today = now.astimezone(tz).date()

    views = []
    for day in days:
        lanes = []
        for member in columns:
            lane = Lane(staff_id=member.id, name=member.name)
            lane.off = [_shade(start, end, first) for start, end in _gaps(windows[(day, member.id)], first, last)]
            for block in blocks:
                if block.staff_id == member.id:
                    start, end = _clip(_wall(block.starts_at, day, tz), _wall(block.ends_at, day, tz), first, last)
                    if start < end:
                        lane.blocks.append(_shade(start, end, first, block.reason or "Bloqueado"))
            lane.appointments = _boxes([item for item in booked[day] if item.appointment.staff_id == member.id], day, tz, first, last)
            lanes.append(lane)
        closed = not any(windows[(day, member.id)] for member in columns) and not booked[day]
        now_minutes = _wall(now, day, tz)
        views.append(
            DayView(
                day=day,
                title=fmt.long_date(day),
                weekday=fmt.SHORT_WEEKDAYS[day.weekday()],
                anchor=f"d-{day.isoformat()}",
                is_today=day == today,
                closed=closed,
                lanes=lanes,
                special=(SPECIAL_CLOSED if not special[day] else SPECIAL_HOURS) if day in special else None,
                now_top=(now_minutes - first) / 60 if day == today and first <= now_minutes <= last else None,
            )
        )
    hours = [HourMark(_hour_label(hour), hour - first // 60) for hour in range(first // 60, last // 60 + 1)]
    return Week(monday=monday, title=week_title(monday), days=views, hours=hours, height=(last - first) / 60)


def week_title(monday: date) -> str:
    """ "8 al 14 de marzo de 2027", "29 de marzo al 4 de abril de 2027", across a new year both years."""
    sunday = monday + timedelta(days=6)
    end = f"{sunday.day} de {fmt.MONTHS[sunday.month - 1]} de {sunday.year}"
    if monday.year != sunday.year:
        return f"{monday.day} de {fmt.MONTHS[monday.month - 1]} de {monday.year} al {end}"
    if monday.month != sunday.month:
        return f"{monday.day} de {fmt.MONTHS[monday.month - 1]} al {end}"
    return f"{monday.day} al {end}"


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _wall(moment: datetime, day: date, tz: ZoneInfo) -> int:
    """Minutes since midnight on the wall clock of `day` (0 before the day, 1440 after it)."""
    local = moment.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _grid_bounds(
    windows: Iterable[Sequence[tuple[int, int]]], booked: Sequence[Listed], tz: ZoneInfo
) -> tuple[int, int]:
    """Whole hours (in minutes) from the week's first opening or appointment to its last."""
    starts: list[int] = []
    ends: list[int] = []
    for ranges in windows:
        for start, end in ranges:
            starts.append(start)
            ends.append(end)
    for item in booked:
        day = _local_day(item.appointment.starts_at, tz)
        starts.append(_wall(item.appointment.starts_at, day, tz))
        ends.append(_wall(item.appointment.ends_at, day, tz))
    if not starts:
        return DEFAULT_HOURS[0] * 60, DEFAULT_HOURS[1] * 60
    first = (min(starts) // 60) * 60
    last = min(DAY_MINUTES, math.ceil(max(ends) / 60) * 60)
    return first, max(last, first + 60)


def _gaps(ranges: list[tuple[int, int]], first: int, last: int) -> list[tuple[int, int]]:
    """The parts of [first, last] outside the working ranges."""
    gaps, cursor = [], first
    for start, end in sorted(ranges):
        if start > cursor:
            gaps.append((cursor, min(start, last)))
        cursor = max(cursor, end)
    if cursor < last:
        gaps.append((cursor, last))
    return [(start, end) for start, end in gaps if start < end]


def _clip(start: int, end: int, first: int, last: int) -> tuple[int, int]:
    return max(start, first), min(end, last)


def _shade(start: int, end: int, first: int, label: str | None = None) -> Shade:
    return Shade(top=(start - first) / 60, height=(end - start) / 60, label=label)


def _boxes(items: list[Listed], day: date, tz: ZoneInfo, first: int, last: int) -> list[AppointmentBox]:
    boxes: list[AppointmentBox] = []
    previous_end = -1
    for item in sorted(items, key=lambda listed: listed.appointment.starts_at):
        appointment = item.appointment
        start = _wall(appointment.starts_at, day, tz)
        end = _wall(appointment.ends_at, day, tz)
        if end <= start:  # the clock fell back during it: its real length
            end = start + int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
        start, end = _clip(start, max(end, start + MIN_BOX_MINUTES), first, last)
        boxes.append(
            AppointmentBox(
                id=appointment.id,
                top=(start - first) / 60,
                height=(end - start) / 60,
                status=appointment.status,
                status_label=STATUS_LABELS.get(appointment.status, appointment.status),
                time=fmt.clock_time(appointment.starts_at.astimezone(tz)),
                customer=item.customer,
                service=item.service,
                price=fmt.money(appointment.price_cents),
                overlap=start < previous_end,  # a no-show's time booked again: drawn beside it
            )
        )
        previous_end = max(previous_end, end)
    return boxes


def _hour_label(hour: int) -> str:
    """ "9 AM", "12 PM", "3 PM"."""
    return fmt.clock_time(datetime(2000, 1, 1, hour % 24)).replace(":00", "")
