"""How the business did over a period: counts, revenue at booked prices, and the previous period. Pure.

"¿Cómo nos fue esta semana?" counts the appointments starting in the period: completed,
no-shows, cancelled and still pending, and the revenue of the completed ones at the price they
were booked at. The comparison is fair while the period is still running: this week so far
against last week up to the same moment (Wednesday noon against last Wednesday noon).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

PeriodKind = Literal["day", "week", "month", "range"]


@dataclass(frozen=True)
class Visit:
    """One appointment as stats see it."""

    starts_at: datetime  # aware
    status: str  # pending | confirmed | completed | cancelled | no_show
    price_cents: int


@dataclass(frozen=True)
class Summary:
    """What happened in a window of time."""

    booked: int  # every appointment but the cancelled ones
    completed: int
    no_shows: int
    cancelled: int
    pending: int  # still pending or confirmed (upcoming, or never marked)
    revenue_cents: int  # completed, at booked prices


@dataclass(frozen=True)
class Period:
    """Local days, both included, and what kind of period a person would call it."""

    first: date
    last: date
    kind: PeriodKind

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as aware instants [start, end)."""
        return _midnight(self.first, tz), _midnight(self.last + timedelta(days=1), tz)


def period_asked(first: date | None, last: date | None, today: date) -> Period:
    """The period a question names; nothing named means this week (Monday to Sunday)."""
    if first is None:
        monday = today - timedelta(days=today.weekday())
        return Period(monday, monday + timedelta(days=6), "week")
    last = last or first
    if first == last:
        return Period(first, last, "day")
    if first.weekday() == 0 and last == first + timedelta(days=6):
        return Period(first, last, "week")
    if first.day == 1 and last == _month_end(first):
        return Period(first, last, "month")
    return Period(first, last, "range")


def previous_period(period: Period) -> Period:
    """The period just before: the day before, last week, last month, or the same length before."""
    if period.kind == "month":
        last = period.first - timedelta(days=1)
        return Period(last.replace(day=1), last, "month")
    length = (period.last - period.first).days + 1
    return Period(period.first - timedelta(days=length), period.first - timedelta(days=1), period.kind)


def comparison_windows(
    period: Period, now: datetime, tz: ZoneInfo
) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
    """(this period so far, the previous period up to the same point).

    A finished period compares whole with the whole previous one; a running one compares what
    has passed with the same stretch of the previous period.
    """
    start, end = period.bounds(tz)
    cut = min(end, max(start, now))
    before = previous_period(period)
    before_start, before_end = before.bounds(tz)
    return (start, cut), (before_start, min(before_end, before_start + (cut - start)))


def summarize(visits: Iterable[Visit], start: datetime, end: datetime) -> Summary:
    """Counts and revenue of the appointments starting in [start, end)."""
    inside = [visit for visit in visits if start <= visit.starts_at < end]
    completed = [visit for visit in inside if visit.status == "completed"]
    cancelled = sum(1 for visit in inside if visit.status == "cancelled")
    return Summary(
        booked=len(inside) - cancelled,
        completed=len(completed),
        no_shows=sum(1 for visit in inside if visit.status == "no_show"),
        cancelled=cancelled,
        pending=sum(1 for visit in inside if visit.status in ("pending", "confirmed")),
        revenue_cents=sum(visit.price_cents for visit in completed),
    )


def change_percent(now: int, before: int) -> int | None:
    """The change in whole percent (None when there is nothing to compare with)."""
    if before == 0:
        return None
    return round(100 * (now - before) / before)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
