"""When a business's morning agenda is due, in its own timezone. Pure: values in, values out.

The agenda of a local day goes out at the business's `daily_agenda_time` (default 8:00) on that
day, on the wall clock of its timezone: 8:00 in Tijuana is 16:00 UTC in winter and 15:00 UTC in
summer. A time the clock skips on the day it springs forward happens an hour later on the wall
clock; a time it repeats when it falls back happens the first time. An agenda whose time passed
while the server was down still goes out within LATE_LIMIT; later the day is well underway (and a
"buenos días" at 3 PM reads odd), so it is skipped, never sent the next day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LATE_LIMIT = timedelta(hours=4)
# Appointments that ended up to this long before the day began and are still open (neither
# completed nor no-show) are listed for the owner to settle.
ATTENTION_LOOKBACK = timedelta(days=7)


def clock_time(text: str) -> time:
    """ "08:00" → 8:00."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def local_moment(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A wall-clock time on a local day, as an aware UTC instant."""
    # fold=0: a skipped time keeps the offset in force before the change (so it lands an hour
    # later on the new wall clock); a repeated time is its first occurrence.
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc)


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day`, as an aware UTC instant."""
    return local_moment(day, time(0), tz)


def agenda_day_due(agenda_time: str | None, tz: ZoneInfo, now: datetime) -> date | None:
    """The local day whose morning agenda is due at `now` (today, from its time until LATE_LIMIT after), or None."""
    if agenda_time is None:
        return None
    today = now.astimezone(tz).date()
    moment = local_moment(today, clock_time(agenda_time), tz)
    return today if moment <= now < moment + LATE_LIMIT else None


def attention_window(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Appointments that ended in this span and are still open need the owner's word on `day`."""
    start = local_day_start(day, tz)
    return start - ATTENTION_LOOKBACK, start
