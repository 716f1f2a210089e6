"""Open slots: when a service fits in a staff member's day. Pure: values in, values out.

A slot is offered only if the whole service plus its buffer fits inside one open window of the
staff member: business hours (a special day's own hours on that date) ∩ their working hours −
time blocks − active appointments (each with its buffer). Candidate starts align to the slot step from the start of the working range
(10:00, 10:15, … for a 10:00 opening), respect the minimum notice and the booking horizon.
"""

from __future__ import annotations

import uuid
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from store.hours import HoursRange, WeeklyHours

# Dates whose opening hours differ from the week's (closed: no ranges), for every staff member.
DatedHours = Mapping[date, Sequence[HoursRange]]
NO_SPECIAL_DAYS: DatedHours = {}


@dataclass(frozen=True, slots=True)
class Busy:
    """A stretch of time the staff member is taken (appointment incl. buffer, or a block)."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class StaffDay:
    """What the engine needs to know about one staff member: hours and what is already taken."""

    staff_id: uuid.UUID
    hours: WeeklyHours | None = None  # None: works whenever the business is open
    busy: Sequence[Busy] = ()


@dataclass(frozen=True, slots=True)
class SlotRules:
    """A business's booking rules (PRODUCT.md §4)."""

    step_minutes: int = 15
    min_notice_minutes: int = 60
    max_days_ahead: int = 30


@dataclass(frozen=True, order=True, slots=True)
class Slot:
    """A start at which the service fits, for one staff member (times aware, UTC)."""

    start: datetime
    end: datetime
    staff_id: uuid.UUID = field(compare=False)


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """Which slots are wanted: a service's length, a day range (business-local dates), a moment."""

    duration: timedelta
    first_day: date
    last_day: date
    now: datetime
    buffer: timedelta = timedelta(0)
    ignore_notice: bool = False  # walk-ins: "now" is fine


def business_hours_on(day: date, business: WeeklyHours, special: DatedHours = NO_SPECIAL_DAYS) -> Sequence[HoursRange]:
    """The business's opening ranges on a local day: a special day's own, else its weekday's."""
    if day in special:
        return special[day]
    return business.get(day.weekday(), ())


def working_windows(
    day: date, tz: ZoneInfo, business: WeeklyHours, staff: WeeklyHours | None, special: DatedHours = NO_SPECIAL_DAYS
) -> list[Busy]:
    """The staff member's working ranges on `day` as UTC intervals (split shifts give several)."""
    opening = business_hours_on(day, business, special)
    if staff is not None:
        own = staff.get(day.weekday(), ())
        opening = sorted(piece for x in opening for y in own if (piece := x.intersect(y)) is not None)
    return [_to_utc(day, tz, rng) for rng in opening]


def _to_utc(day: date, tz: ZoneInfo, rng: HoursRange) -> Busy:
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    # Wall-clock arithmetic: 10:00 local stays 10:00 local on a clock-change day.
    start = (midnight + timedelta(minutes=rng.start)).astimezone(timezone.utc)
    end = (midnight + timedelta(minutes=rng.end)).astimezone(timezone.utc)
    return Busy(start, end)


def merge_busy(busy: Iterable[Busy]) -> list[Busy]:
    """Sorted, non-overlapping busy intervals (overlapping or touching ones merged)."""
    merged: list[Busy] = []
    for item in sorted(busy, key=lambda b: (b.start, b.end)):
        if merged and item.start <= merged[-1].end:
            if item.end > merged[-1].end:
                merged[-1] = Busy(merged[-1].start, item.end)
        else:
            merged.append(item)
    return merged


def free_windows(window: Busy, busy: Sequence[Busy], busy_ends: Sequence[datetime] | None = None) -> list[Busy]:
    """`window` minus the merged, sorted `busy` intervals (`busy_ends`: their ends, to skip ahead)."""
    free: list[Busy] = []
    cursor = window.start
    index = bisect_left(busy_ends, window.start) if busy_ends is not None else 0
    for item in busy[index:]:
        if item.end <= cursor:
            continue
        if item.start >= window.end:
            break
        if item.start > cursor:
            free.append(Busy(cursor, item.start))
        cursor = max(cursor, item.end)
    if cursor < window.end:
        free.append(Busy(cursor, window.end))
    return free


def staff_slots(
    staff: StaffDay,
    business: WeeklyHours,
    tz: ZoneInfo,
    query: SlotQuery,
    rules: SlotRules,
    special: DatedHours = NO_SPECIAL_DAYS,
) -> list[Slot]:
    """Every start at which the service (plus buffer) fits for this staff member."""
    step = timedelta(minutes=rules.step_minutes)
    need = query.duration + query.buffer
    earliest = query.now if query.ignore_notice else query.now + timedelta(minutes=rules.min_notice_minutes)
    horizon_last_day = query.now.astimezone(tz).date() + timedelta(days=rules.max_days_ahead)
    last_day = min(query.last_day, horizon_last_day)
    busy = merge_busy(staff.busy)
    busy_ends = [item.end for item in busy]
    slots: list[Slot] = []
    day = query.first_day
    while day <= last_day:
        for window in working_windows(day, tz, business, staff.hours, special):
            if window.end - need < earliest:
                continue
            for free in free_windows(window, busy, busy_ends):
                start = _first_aligned(window.start, max(free.start, earliest), step)
                while start + need <= free.end:
                    slots.append(Slot(start, start + query.duration, staff.staff_id))
                    start += step
        day += timedelta(days=1)
    return slots


def _first_aligned(origin: datetime, not_before: datetime, step: timedelta) -> datetime:
    """The first origin + k·step that is at or after `not_before`."""
    if not_before <= origin:
        return origin
    steps = -((origin - not_before) // step)  # ceiling division on timedeltas
    return origin + steps * step


def open_slots(
    staff: Sequence[StaffDay],
    business: WeeklyHours,
    tz: ZoneInfo,
    query: SlotQuery,
    rules: SlotRules,
    special: DatedHours = NO_SPECIAL_DAYS,
) -> list[Slot]:
    """Slots for every given staff member, ordered by start time then staff order."""
    result: list[Slot] = []
    for member in staff:
        result.extend(staff_slots(member, business, tz, query, rules, special))
    result.sort(key=lambda slot: slot.start)  # stable: staff order breaks ties
    return result


def fits(
    staff: StaffDay,
    business: WeeklyHours,
    tz: ZoneInfo,
    start: datetime,
    need: timedelta,
    special: DatedHours = NO_SPECIAL_DAYS,
) -> str | None:
    """Why `start` cannot take `need` for this staff member ("outside_hours" or "taken"), or None if it fits."""
    end = start + need
    local_day = start.astimezone(tz).date()
    windows = working_windows(local_day, tz, business, staff.hours, special)
    if not any(window.start <= start and end <= window.end for window in windows):
        return "outside_hours"
    if any(item.start < end and start < item.end for item in staff.busy):
        return "taken"
    return None


def distinct_starts(slots: Iterable[Slot]) -> list[datetime]:
    """The different start times on offer, whoever would take them ("any staff" listing)."""
    return sorted({slot.start for slot in slots})


def choose_any_staff(candidates: Sequence[uuid.UUID], appointments_that_day: Mapping[uuid.UUID, int]) -> uuid.UUID:
    """The "any staff" rule: the eligible free person with the fewest appointments that day.

    Ties go to the first candidate in the given order (callers pass a stable order, e.g. by name).
    """
    if not candidates:
        raise ValueError("no candidate staff")
    return min(candidates, key=lambda staff_id: (appointments_that_day.get(staff_id, 0), candidates.index(staff_id)))
