"""The plan's rule (PRODUCT.md §3, §9): the free plan books 50 appointments a calendar month.

Pure: no database. A booking counts in the month it was *made* (not the month of the appointment),
in the business's own timezone, whatever its source (WhatsApp, walk-in, the owner, the API, the web);
a cancellation does not give it back, a reschedule moves the same booking. The operator sets the
plan and the limit (bot/api/organizations.py), never the business.

Past the limit nobody is refused. What changes is who confirms: Yume stops booking on its own
(the sources in `BOOKS_ITSELF`) and hands the request to the owner, while a person of the business
(the owner or staff: a walk-in, a manual booking, the admin API) still books — and it counts.
The owner hears at 80 % of the limit and at the limit (40 and 50 on the free plan), once each month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo

FREE_MONTHLY_BOOKINGS = 50
WARNING_SHARE = 0.8  # the first notice: 40 of 50


class Plan(StrEnum):
    free = "free"  # a monthly limit on bookings
    paid = "paid"  # no limit


# Where Yume books without a person of the business deciding: held for the owner past the limit.
BOOKS_ITSELF: frozenset[str] = frozenset({"whatsapp", "web"})


@dataclass(frozen=True)
class PlanUsage:
    """One business's bookings this calendar month against its plan."""

    plan: Plan
    limit: int | None  # None: no limit (paid)
    used: int
    month: date  # the first day of the month, in the business's timezone

    @property
    def remaining(self) -> int | None:
        """Bookings left this month (None without a limit; 0 at or past it)."""
        return None if self.limit is None else max(0, self.limit - self.used)

    @property
    def at_limit(self) -> bool:
        """Whether Yume must stop booking on its own until next month (or an upgrade)."""
        return self.limit is not None and self.used >= self.limit

    def allows(self, source: str) -> bool:
        """Whether a booking from `source` is made now (False: collect it and hand it to the owner)."""
        return not self.at_limit or source not in BOOKS_ITSELF

    def after(self, bookings: int = 1) -> PlanUsage:
        """The usage once `bookings` more are made."""
        return PlanUsage(self.plan, self.limit, self.used + bookings, self.month)


def monthly_limit(plan: str, limit: int | None) -> int | None:
    """The limit that applies: none on a paid plan, else the operator's limit or the free default."""
    if plan == Plan.paid:
        return None
    return FREE_MONTHLY_BOOKINGS if limit is None else limit


def month_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The calendar month containing `now` in `tz`, as [start, end) in UTC (DST-safe: local midnights)."""
    if now.tzinfo is None:
        raise ValueError("month_bounds needs an aware datetime")
    first = month_of(now, tz)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(timezone.utc)
    end = datetime.combine(following, time(0), tzinfo=tz).astimezone(timezone.utc)
    return start, end


def month_of(now: datetime, tz: ZoneInfo) -> date:
    """The first day of the local calendar month containing `now`."""
    local = now.astimezone(tz)
    return date(local.year, local.month, 1)


def thresholds(limit: int | None) -> tuple[int, ...]:
    """When the owner is told: at 80 % of the limit and at the limit ((40, 50) on the free plan)."""
    if not limit:
        return ()
    return tuple(sorted({max(1, round(limit * WARNING_SHARE)), limit}))


def thresholds_crossed(before: int, after: int, limit: int | None = FREE_MONTHLY_BOOKINGS) -> set[int]:
    """The thresholds reached going from `before` to `after` bookings (e.g. 39 → 40: {40})."""
    return {threshold for threshold in thresholds(limit) if before < threshold <= after}
