"""Weekly opening hours as values: "10:00-14:00" ranges per weekday, split shifts allowed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time

WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class InvalidHours(ValueError):
    """Hours that cannot be read ("25:00-26:00", "10:00-09:00", overlapping ranges)."""


@dataclass(frozen=True, order=True, slots=True)
class HoursRange:
    """A wall-clock range within one day, in minutes since midnight (end may be 1440)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end <= 24 * 60):
            raise InvalidHours(f"a range must run forwards within one day, got {self}")

    @classmethod
    def parse(cls, text: str) -> HoursRange:
        """ "10:00-14:00" → HoursRange(600, 840)."""
        match = _RANGE.match(text)
        if not match:
            raise InvalidHours(f"expected HH:MM-HH:MM, got {text!r}")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            raise InvalidHours(f"not a time of day: {text!r}")
        return cls(h1 * 60 + m1, h2 * 60 + m2)

    @property
    def start_time(self) -> time:
        return minutes_to_time(self.start)

    @property
    def end_time(self) -> time:
        return minutes_to_time(self.end)

    @classmethod
    def from_times(cls, start: time, end: time) -> HoursRange:
        end_minutes = 24 * 60 if end == time(0) or end >= time(23, 59, 59) else end.hour * 60 + end.minute
        return cls(start.hour * 60 + start.minute, end_minutes)

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"

    def intersect(self, other: HoursRange) -> HoursRange | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return HoursRange(start, end) if start < end else None


def minutes_to_time(minutes: int) -> time:
    """A time of day from minutes since midnight; 24:00 becomes 23:59:59 (time() cannot say 24:00)."""
    return time(23, 59, 59) if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)


# weekday (0 = Monday) → sorted, non-overlapping ranges; a missing or empty day is closed.
WeeklyHours = Mapping[int, Sequence[HoursRange]]


def normalize_day(ranges: Iterable[HoursRange]) -> tuple[HoursRange, ...]:
    """Sort a day's ranges and refuse overlaps (touching ranges are merged)."""
    ordered = sorted(ranges)
    merged: list[HoursRange] = []
    for current in ordered:
        if merged and current.start < merged[-1].end:
            raise InvalidHours(f"ranges {merged[-1]} and {current} overlap")
        if merged and current.start == merged[-1].end:
            merged[-1] = HoursRange(merged[-1].start, current.end)
        else:
            merged.append(current)
    return tuple(merged)


def parse_weekly_hours(raw: Mapping[str, Iterable[str | Sequence[str]]] | None) -> dict[int, tuple[HoursRange, ...]]:
    """Read {"mon": ["10:00-14:00", "16:00-20:00"], ...} (or [["10:00","14:00"]] pairs) into WeeklyHours."""
    result: dict[int, tuple[HoursRange, ...]] = {}
    for key, ranges in (raw or {}).items():
        day = key.strip().lower()[:3]
        if day not in WEEKDAY_KEYS:
            raise InvalidHours(f"unknown weekday {key!r}; use {', '.join(WEEKDAY_KEYS)}")
        parsed = [HoursRange.parse(item if isinstance(item, str) else "-".join(item)) for item in ranges or []]
        result[WEEKDAY_KEYS.index(day)] = normalize_day(parsed)
    return result


def weekly_hours_to_json(hours: WeeklyHours) -> dict[str, list[list[str]]]:
    """The stored form: {"mon": [["10:00", "14:00"]], ...}, every weekday present."""
    out: dict[str, list[list[str]]] = {}
    for index, key in enumerate(WEEKDAY_KEYS):
        out[key] = [str(item).split("-") for item in hours.get(index, ())]
    return out


def intersect_weekly(a: WeeklyHours, b: WeeklyHours) -> dict[int, tuple[HoursRange, ...]]:
    """Hours open in both `a` and `b` (business hours ∩ a staff member's hours)."""
    result: dict[int, tuple[HoursRange, ...]] = {}
    for day in range(7):
        pieces = [x.intersect(y) for x in a.get(day, ()) for y in b.get(day, ())]
        result[day] = tuple(sorted(p for p in pieces if p is not None))
    return result
