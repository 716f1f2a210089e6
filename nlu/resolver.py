"""Date and time *parts*, as said, and the one pure resolver that turns them into values.

Both engines extract parts ("el viernes", "cuarto para las 5", "en la tarde"); neither does
calendar arithmetic. `resolve` applies the contract's rules:
- relative days go toward the future: "el lunes" on a Wednesday is next Monday; a weekday equal
  to today means today only with "hoy"/"este", otherwise a week later;
- a bare hour 1–11 is the PM hour when the AM hour is outside business hours and the PM hour is
  inside ("a las 4" → 16:00; "a las 10" → 10:00 for a salon opening at 10);
- anything that cannot be resolved (31 de febrero, hour 27) is left empty, never guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from nlu.understanding import WEEKDAYS, PartOfDay, Weekday

RelativeDay = Literal["today", "tomorrow", "day_after_tomorrow", "yesterday", "day_before_yesterday"]
Qualifier = Literal["this", "next", "next_week", "this_week", "last"]
Period = Literal[
    "weekend", "next_weekend", "last_weekend", "this_week", "next_week", "last_week",
    "this_month", "next_month", "last_month", "week_before_last", "this_year", "last_year", "this_fortnight", "last_fortnight",
]
Direction = Literal["future", "past"]
# "appointment": read bare hours with the business hours; "opening": the hours being set
# (an owner saying "abrimos a las 9, cerramos a las 7") cannot be read with the current ones.
TimeUse = Literal["appointment", "opening"]

_RELATIVE_OFFSETS: dict[str, int] = {
    "today": 0, "tomorrow": 1, "day_after_tomorrow": 2, "yesterday": -1, "day_before_yesterday": -2,
}


class DayParts(BaseModel):
    """One day as it was said: relative ("mañana"), a weekday ("el próximo viernes") or a date."""

    model_config = ConfigDict(extra="forbid")

    relative: RelativeDay | None = Field(default=None, description="hoy, mañana, pasado mañana, ayer")
    weekday: Weekday | None = Field(default=None, description="a named weekday")
    qualifier: Qualifier | None = Field(
        default=None,
        description="this = 'este viernes'/'hoy'; next = 'el próximo viernes'/'el viernes que viene'; "
        "next_week = 'el viernes de la otra/próxima semana'; this_week = 'el viernes de esta semana' "
        "(Monday–Sunday, even if already past); last = 'el viernes pasado'",
    )
    day: int | None = Field(default=None, ge=1, le=31, description="day of the month, as said")
    month: int | None = Field(default=None, ge=1, le=12)
    year: int | None = Field(default=None, ge=2000, le=2100)
    in_days: int | None = Field(default=None, ge=1, le=366, description="'dentro de 3 días', 'en 15 días' (= 14): days from today")


class ClockParts(BaseModel):
    """One clock time as it was said; the hour is not converted to 24 h unless it was said so."""

    model_config = ConfigDict(extra="forbid")

    hour: int = Field(ge=0, le=24, description="the hour as said: 4 for 'a las 4', 16 for '16:00'")
    minute: int = Field(default=0, ge=0, le=59, description="30 for 'y media', 15 for 'y cuarto'")
    minutes_before: int = Field(
        default=0, ge=0, le=59,
        description="'cuarto para las 5' = hour 5, minutes_before 15; '10 para las 6' = hour 6, minutes_before 10",
    )
    meridiem: Literal["am", "pm"] | None = Field(
        default=None, description="am = 'de la mañana'/'am'; pm = 'de la tarde'/'de la noche'/'pm'",
    )


class DateTimeParts(BaseModel):
    """Every date/time expression of one message, unresolved."""

    model_config = ConfigDict(extra="forbid")

    day: DayParts | None = None
    day_end: DayParts | None = Field(default=None, description="end of a day range: 'del 20 al 23'")
    period: Period | None = Field(default=None, description="a span: 'el fin de semana', 'la otra semana'")
    time: ClockParts | None = None
    time_end: ClockParts | None = Field(default=None, description="end of a time range: 'de 2 a 3'")
    part_of_day: PartOfDay | None = Field(
        default=None, description="morning = 'en la mañana'/'temprano'; afternoon = 'en la tarde'; evening = 'en la noche'",
    )
    weekdays: list[Weekday] | None = Field(
        default=None, description="recurring weekdays: 'los sábados', 'de lunes a viernes', 'entre semana'",
    )
    month: int | None = Field(default=None, ge=1, le=12, description="a whole month named alone: 'en noviembre' → 11")
    month_year: int | None = Field(default=None, ge=2000, le=2100, description="its year, only if said")

    def is_empty(self) -> bool:
        """True when no date or time expression was found."""
        return not any(
            (self.day, self.day_end, self.period, self.time, self.time_end, self.part_of_day, self.weekdays, self.month)
        )


@dataclass(frozen=True)
class ResolvedDateTime:
    """The slot values resolved from parts; any of them may be None."""

    date: dt.date | None = None
    date_end: dt.date | None = None
    time: dt.time | None = None
    time_end: dt.time | None = None
    part_of_day: PartOfDay | None = None
    weekdays: tuple[Weekday, ...] = ()


WeekHours = Mapping[str, Sequence[tuple[dt.time, dt.time]]]


def resolve(
    parts: DateTimeParts,
    now: dt.datetime,
    hours: WeekHours,
    *,
    direction: Direction = "future",
    time_use: TimeUse = "appointment",
) -> ResolvedDateTime:
    """Resolve parts against `now` (already in the business timezone) and the weekly hours."""
    today = now.date()
    date = resolve_day(parts.day, today, direction) if parts.day else None
    date_end: dt.date | None = None
    if parts.day_end and date:
        date_end = _resolve_day_end(parts.day_end, date, direction)
    if parts.month and parts.period in ("this_year", "last_year") and date is None and parts.month_year is None:
        # «diciembre del año pasado»: that month of that year.
        year = today.year - (1 if parts.period == "last_year" else 0)
        date, date_end = resolve_month(parts.month, year, today, direction)
    if parts.period and date is None:
        date, date_end = resolve_period(parts.period, today, direction)
    if parts.month and date is None:
        date, date_end = resolve_month(parts.month, parts.month_year, today, direction)
    reference_day = date
    start = end = None
    if parts.time:
        start = resolve_clock(parts.time, reference_day, hours, parts.part_of_day, time_use=time_use)
    if parts.time_end:
        end = resolve_clock(
            parts.time_end, reference_day, hours, parts.part_of_day, time_use=time_use, is_end=True, after=start,
        )
    # A stated clock time makes the part of the day redundant.
    part_of_day = parts.part_of_day if start is None and end is None else None
    weekdays = tuple(day for day in WEEKDAYS if parts.weekdays and day in parts.weekdays)
    return ResolvedDateTime(date, date_end, start, end, part_of_day, weekdays)


def resolve_day(parts: DayParts, today: dt.date, direction: Direction = "future") -> dt.date | None:
    """The date meant by one day expression, or None when it does not exist."""
    if parts.relative is not None and parts.day is None:
        return today + dt.timedelta(days=_RELATIVE_OFFSETS[parts.relative])
    if parts.in_days is not None and parts.day is None:
        return today + dt.timedelta(days=parts.in_days if direction == "future" else -parts.in_days)
    if parts.day is not None:
        return _day_of_month(parts, today, direction)
    if parts.weekday is not None:
        return _weekday(WEEKDAYS.index(parts.weekday), parts.qualifier, today, direction)
    return None


def _weekday(target: int, qualifier: Qualifier | None, today: dt.date, direction: Direction) -> dt.date:
    current = today.weekday()
    if qualifier == "next_week":
        next_monday = today + dt.timedelta(days=7 - current)
        return next_monday + dt.timedelta(days=target)
    if qualifier == "this_week":
        return today + dt.timedelta(days=target - current)
    if qualifier == "last" or (direction == "past" and qualifier != "this"):
        back = (current - target) % 7 or 7
        return today - dt.timedelta(days=back)
    ahead = (target - current) % 7
    if ahead == 0 and qualifier != "this":
        ahead = 7
    return today + dt.timedelta(days=ahead)


def _day_of_month(parts: DayParts, today: dt.date, direction: Direction) -> dt.date | None:
    assert parts.day is not None
    if parts.year is not None:
        return _safe_date(parts.year, parts.month or today.month, parts.day)
    step = -1 if direction == "past" else 1
    if parts.month is not None:
        for year in (today.year, today.year + step):
            candidate = _safe_date(year, parts.month, parts.day)
            if candidate is not None and (candidate >= today if step == 1 else candidate <= today):
                return candidate
        return None
    year, month = today.year, today.month
    for _ in range(3):  # this month, else the next one(s) that have that day
        candidate = _safe_date(year, month, parts.day)
        if candidate is not None and (candidate >= today if step == 1 else candidate <= today):
            return candidate
        month += step
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    return None


def _resolve_day_end(parts: DayParts, start: dt.date, direction: Direction) -> dt.date | None:
    """The end of a day range: the first matching day on or after its start."""
    if parts.day is not None and parts.month is None and parts.year is None:
        # "del 28 al 2": the end is in the month after the start when it would come before it.
        return _day_of_month(parts, start, "future")
    if parts.weekday is not None and parts.day is None:
        ahead = (WEEKDAYS.index(parts.weekday) - start.weekday()) % 7
        return start + dt.timedelta(days=ahead)
    end = resolve_day(parts, start, "future")
    return end if end is not None and end >= start else None


def resolve_period(period: Period, today: dt.date, direction: Direction = "future") -> tuple[dt.date, dt.date]:
    """First and last day of a named span. Weeks are Monday–Sunday, as calendars in Mexico show.

    Looking back («¿cómo nos fue el fin de semana?» on a Tuesday), the weekend is the one just past.
    """
    monday = today - dt.timedelta(days=today.weekday())
    if period == "weekend" and direction == "past" and today.weekday() < 5:
        return monday - dt.timedelta(days=2), monday - dt.timedelta(days=1)
    if period == "last_weekend":  # «el fin de semana pasado»: the one before this calendar week
        return monday - dt.timedelta(days=2), monday - dt.timedelta(days=1)
    if period in ("weekend", "next_weekend"):
        saturday = monday + dt.timedelta(days=5)
        start = max(saturday, today)
        sunday = monday + dt.timedelta(days=6)
        if period == "next_weekend":
            start, sunday = saturday + dt.timedelta(days=7), sunday + dt.timedelta(days=7)
        return start, sunday
    if period == "this_week":
        return monday, monday + dt.timedelta(days=6)
    if period == "next_week":
        return monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)
    if period == "last_week":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if period == "week_before_last":
        return monday - dt.timedelta(days=14), monday - dt.timedelta(days=8)
    if period == "this_year":
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if period == "last_year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    if period in ("this_fortnight", "last_fortnight"):
        # Mexican pay fortnights: the 1st–15th and the 16th–end of the month.
        first_half = today.day <= 15
        if period == "last_fortnight":
            if first_half:
                previous = today.replace(day=1) - dt.timedelta(days=1)
                return previous.replace(day=16), previous
            return today.replace(day=1), today.replace(day=15)
        if first_half:
            return today.replace(day=1), today.replace(day=15)
        return today.replace(day=16), today.replace(day=calendar.monthrange(today.year, today.month)[1])
    year, month = today.year, today.month
    if period == "next_month":
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    elif period == "last_month":
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last_day)


def resolve_month(month: int, year: int | None, today: dt.date, direction: Direction = "future") -> tuple[dt.date, dt.date]:
    """First and last day of a month named alone: this year's, else the next (or, looking back, the last) one."""
    if year is None:
        year = today.year
        if direction == "future" and month < today.month:
            year += 1
        elif direction == "past" and month > today.month:
            year -= 1
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def resolve_clock(
    parts: ClockParts,
    day: dt.date | None,
    hours: WeekHours,
    part_of_day: PartOfDay | None = None,
    *,
    time_use: TimeUse = "appointment",
    is_end: bool = False,
    after: dt.time | None = None,
) -> dt.time | None:
    """The 24-hour time meant by one clock expression (see the module rules)."""
    hour, minute = parts.hour, parts.minute
    if hour == 24 and minute == 0 and not parts.minutes_before:
        hour = 0
    if hour > 23:
        return None
    if parts.minutes_before:
        total = (hour * 60 + minute - parts.minutes_before) % (24 * 60)
        hour, minute = divmod(total, 60)
        if hour == 0 and parts.hour in (1, 13):  # "cuarto para la 1" is 12:45, said on a 12-hour clock
            hour = 12
    if parts.meridiem == "am":
        hour = 0 if hour == 12 else hour
    elif parts.meridiem == "pm":
        hour = hour if hour >= 12 else hour + 12
    elif 1 <= hour <= 11:
        hour = _read_bare_hour(hour, minute, day, hours, part_of_day, time_use, is_end, after)
    if not 0 <= hour <= 23:
        return None
    return dt.time(hour, minute)


def _read_bare_hour(
    hour: int,
    minute: int,
    day: dt.date | None,
    hours: WeekHours,
    part_of_day: PartOfDay | None,
    time_use: TimeUse,
    is_end: bool,
    after: dt.time | None,
) -> int:
    """AM or PM for an hour said without either (1–11)."""
    if after is not None:
        # The end of a range comes after its start: "de 11 a 1" is 11:00–13:00.
        return hour if dt.time(hour, minute) > after else hour + 12
    if part_of_day == "morning":
        return hour
    if part_of_day in ("afternoon", "evening"):
        return hour + 12
    if time_use == "appointment":
        ranges = _ranges_for(day, hours)
        am_inside = _inside(dt.time(hour, minute), ranges, is_end)
        pm_inside = _inside(dt.time(hour + 12, minute), ranges, is_end)
        if pm_inside and not am_inside:
            return hour + 12
        if am_inside:
            return hour
    elif is_end:
        return hour + 12  # a closing hour said bare ("cerramos a las 8") is in the evening
    # Neither reading falls inside the hours: read it as people do for a salon (8–11 morning, 1–7 afternoon).
    return hour if hour >= 8 else hour + 12


def _ranges_for(day: dt.date | None, hours: WeekHours) -> list[tuple[dt.time, dt.time]]:
    if day is not None:
        ranges = list(hours.get(WEEKDAYS[day.weekday()], ()))
        if ranges:
            return ranges
    return [time_range for day_ranges in hours.values() for time_range in day_ranges]


def _inside(value: dt.time, ranges: Sequence[tuple[dt.time, dt.time]], is_end: bool) -> bool:
    if is_end:
        return any(opens < value <= closes for opens, closes in ranges)
    return any(opens <= value < closes for opens, closes in ranges)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
