"""When a review request is due after a completed appointment. Pure: values in, values out.

The thank-you with the review link goes out `review_request_hours` after the appointment was
marked completed. Missed by more than a day (the server was down, or the business only just
turned reviews on), it is not sent at all: a late "how was it?" reads odd.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

LATE_LIMIT = timedelta(hours=24)


def review_moment(completed_at: datetime, hours_after: int) -> datetime:
    """When the review request for an appointment completed at `completed_at` is due (in UTC)."""
    return completed_at.astimezone(timezone.utc) + timedelta(hours=hours_after)


def review_due(completed_at: datetime, hours_after: int, now: datetime) -> bool:
    """Its moment has come, and not more than a day ago."""
    moment = review_moment(completed_at, hours_after)
    return moment <= now < moment + LATE_LIMIT


def completed_between(now: datetime, hours_after: int) -> tuple[datetime, datetime]:
    """Completion times whose review request is due now: (after, up to and including)."""
    latest = now.astimezone(timezone.utc) - timedelta(hours=hours_after)
    return latest - LATE_LIMIT, latest
