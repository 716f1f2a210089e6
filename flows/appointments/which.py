"""Which appointment a message means («la del viernes», «la de las 5», «mi cita de mañana»). Pure.

A day or a time names an appointment only when one of the candidates is on that day or at that
time; what named the appointment is then not the new day or time of a move («cambia la del
viernes para el sábado»: viernes names it, sábado is new).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time


@dataclass(frozen=True)
class Candidate:
    """An appointment that could be meant, with its local start."""

    id: str
    start: datetime


@dataclass(frozen=True)
class Pointed:
    """What a message pointed at: one appointment, or a shorter list to choose from."""

    chosen: str | None
    narrowed: tuple[str, ...]
    used_day: bool
    used_time: bool


def point_at(
    candidates: Sequence[Candidate],
    *,
    day: date | None,
    clock: time | None,
    from_day: date | None = None,
    from_clock: time | None = None,
) -> Pointed:
    """The candidate the day/time (or the explicit «de»-day/time of a move) names.

    With a single candidate, any mention (or none) picks it. A time names an appointment only
    with its day, or alone: «para el domingo a las 12» is the new time when no appointment is on
    Sunday.
    """
    pool = list(candidates)
    used_day = used_time = False
    wanted_day = from_day or day
    if wanted_day is not None:
        on_day = [c for c in pool if c.start.date() == wanted_day]
        if on_day:
            pool, used_day = on_day, True
    wanted_clock = from_clock or (clock if from_day is None and (wanted_day is None or used_day) else None)
    if wanted_clock is not None:
        at_time = [c for c in pool if c.start.time() == wanted_clock]
        if at_time:
            pool, used_time = at_time, True
    if len(pool) == 1 and (used_day or used_time or len(candidates) == 1):
        return Pointed(pool[0].id, (pool[0].id,), used_day, used_time)
    narrowed = tuple(c.id for c in pool) if (used_day or used_time) else tuple(c.id for c in candidates)
    return Pointed(None, narrowed, used_day, used_time)
