"""Where "now" comes from: the system clock in production, a frozen one in fixtures and tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware (UTC)."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ShiftedClock:
    """Real time, moved to start at `start` (the terminal demo outside opening hours): it keeps ticking."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a shifted clock needs an aware datetime")
        self._offset = start.astimezone(timezone.utc) - datetime.now(timezone.utc)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self._offset


class FrozenClock:
    """Time that only moves when told to (fixture `wait:` turns)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a frozen clock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(timezone.utc)
