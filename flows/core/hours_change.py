"""The owner changes the opening hours: the new week, and which appointments would fall outside it. Pure.

"El sábado abrimos de 9 a 3" sets Saturday to one range; "ahora cerramos a las 8" moves the
closing time of every open day (a split day keeps its break: only its last range ends later or
earlier); "los domingos cerramos" closes Sundays. Appointments already booked are never moved or
cancelled by a change of hours: those that no longer fit are listed for the owner to decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from store.hours import HoursRange, InvalidHours, WeeklyHours


@dataclass(frozen=True)
class HoursChange:
    """What the owner said: which weekdays (0 = Monday; none said = every open day), and the new ends."""

    weekdays: tuple[int, ...] = ()
    opens: int | None = None  # minutes since midnight
    closes: int | None = None
    closed: bool = False


def changed_days(current: WeeklyHours, change: HoursChange) -> tuple[int, ...]:
    """The weekdays the change touches."""
    if change.weekdays:
        return tuple(sorted(set(change.weekdays)))
    return tuple(day for day in range(7) if current.get(day))


def new_week(current: WeeklyHours, change: HoursChange) -> dict[int, tuple[HoursRange, ...]] | None:
    """The week after the change, or None when the change cannot be made as said.

    None: no day to change, nothing new said, or a day that is closed now given only one end
    ("abrimos a las 9" for a closed Sunday: until when?), or an end before the start.
    """
    days = changed_days(current, change)
    if not days or (not change.closed and change.opens is None and change.closes is None):
        return None
    week = {day: tuple(current.get(day, ())) for day in range(7)}
    for day in days:
        if change.closed:
            week[day] = ()
            continue
        ranges = list(week[day])
        try:
            if change.opens is not None and change.closes is not None:
                ranges = [HoursRange(change.opens, change.closes)]
            elif not ranges:
                return None
            elif change.opens is not None:
                ranges[0] = HoursRange(change.opens, ranges[0].end)
            else:
                assert change.closes is not None
                ranges[-1] = HoursRange(ranges[-1].start, change.closes)
        except InvalidHours:
            return None
        week[day] = tuple(ranges)
    return week


@dataclass(frozen=True)
class Booked:
    """An appointment's local start and the end of its time (buffer included)."""

    start: datetime
    busy_until: datetime


def outside_hours(appointments: Sequence[Booked], week: WeeklyHours) -> list[int]:
    """Indexes of the appointments that no longer fit inside one opening range of their day."""
    outside = []
    for index, booked in enumerate(appointments):
        start = booked.start.hour * 60 + booked.start.minute
        end = start + int((booked.busy_until - booked.start).total_seconds() // 60)
        if not any(r.start <= start and end <= r.end for r in week.get(booked.start.weekday(), ())):
            outside.append(index)
    return outside
