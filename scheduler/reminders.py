"""When an appointment's reminder is due. Pure: values in, values out.

A business sets how many hours before the start its reminders go out (default 24; e.g. 24 and 2).
Offsets are real durations: "24 h before" is 24 hours before, also across a clock change. A
reminder whose moment had already passed when the appointment got its time (booked, or moved,
later than that) is not sent late: the customer has just been told. When several reminders of one
appointment are due at once (the server was down), only the latest-due one counts: one message,
not a burst. Nothing is due once the appointment has started.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class DueReminder:
    """The reminder an appointment is due for now."""

    offset_minutes: int
    too_late: bool  # booked or moved after this reminder's moment: record it, send nothing


def offsets_in_minutes(hours_before: Iterable[int]) -> list[int]:
    """A business's reminder hours as distinct minute offsets, smallest first."""
    return sorted({int(hours) * 60 for hours in hours_before if hours > 0})


def reminder_moment(starts_at: datetime, offset_minutes: int) -> datetime:
    """When the reminder `offset_minutes` before `starts_at` is due (in UTC)."""
    # In UTC: arithmetic on a local datetime would count wall-clock hours, not real ones.
    return starts_at.astimezone(timezone.utc) - timedelta(minutes=offset_minutes)


def booked_too_late(scheduled_at: datetime | None, starts_at: datetime, offset_minutes: int) -> bool:
    """The appointment got its time after this reminder's moment (None: unknown, so not too late)."""
    return scheduled_at is not None and scheduled_at > reminder_moment(starts_at, offset_minutes)


def due_reminder(
    starts_at: datetime, offsets_minutes: Sequence[int], now: datetime, scheduled_at: datetime | None
) -> DueReminder | None:
    """The reminder due at `now`: the smallest offset whose moment has passed, before the start."""
    if now >= starts_at:
        return None
    passed = [offset for offset in offsets_minutes if reminder_moment(starts_at, offset) <= now]
    if not passed:
        return None
    offset = min(passed)
    return DueReminder(offset_minutes=offset, too_late=booked_too_late(scheduled_at, starts_at, offset))


def due_starts(now: datetime, offset_minutes: int) -> tuple[datetime, datetime]:
    """The starts whose `offset_minutes` reminder may be due now: after `now`, up to `now + offset`."""
    now = now.astimezone(timezone.utc)
    return now, now + timedelta(minutes=offset_minutes)
