"""Free starts for a service, grouped by local day: what booking steps offer, for customers and staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.business import BusinessFacts
from scheduler.availability import Slot
from scheduler.calendar import find_slots
from store.models import ServiceType


@dataclass(frozen=True)
class Opening:
    """A bookable start on a day (local), with the slots behind it (one per free staff member)."""

    start: datetime
    slots: tuple[Slot, ...]


async def openings_by_day(
    session: AsyncSession,
    business: BusinessFacts,
    service: ServiceType,
    first: date,
    last: date,
    now: datetime,
    *,
    staff_id: uuid.UUID | None = None,
    exclude_appointment_id: uuid.UUID | None = None,
    ignore_notice: bool = False,
) -> dict[date, list[Opening]]:
    """Free starts per local day between two days (anyone who performs the service, unless one person)."""
    found = await find_slots(
        session,
        business.calendar,
        service,
        first,
        last,
        now,
        staff_id=staff_id,
        exclude_appointment_id=exclude_appointment_id,
        ignore_notice=ignore_notice,
        eligible=business.eligible(service.id, staff_id),  # the facts know who does what (no query)
    )
    by_day: dict[date, dict[datetime, list[Slot]]] = {}
    local_of: dict[datetime, datetime] = {}  # staff share their starts: each converted once
    for slot in found:
        local = local_of.get(slot.start)
        if local is None:
            local = local_of[slot.start] = business.local(slot.start)
        by_day.setdefault(local.date(), {}).setdefault(local, []).append(slot)
    return {
        day: [Opening(start, tuple(slots)) for start, slots in sorted(starts.items())] for day, starts in by_day.items()
    }


class OpeningGuards:
    """The two guards every booking step shares, for a chat that knows what is wanted.

    The chat keeps the wanted day and time in `data` ("date", "time") and provides
    `service_to_schedule()` and `openings_on(day)`.
    """

    data: dict[str, Any]
    business: BusinessFacts

    @property
    def wanted_day(self) -> date | None:
        value = self.data.get("date")
        return date.fromisoformat(value) if value else None

    @property
    def wanted_start(self) -> datetime | None:
        day, clock = self.wanted_day, self.data.get("time")
        if day is None or not clock:
            return None
        return self.business.at(day, time.fromisoformat(clock))

    async def service_to_schedule(self) -> ServiceType | None:  # pragma: no cover - provided by the chat
        raise NotImplementedError

    async def openings_on(self, day: date) -> list[Opening]:  # pragma: no cover - provided by the chat
        raise NotImplementedError

    async def day_has_openings(self) -> bool:
        """Guard: a day was given and it has at least one free time for the service."""
        day = self.wanted_day
        if day is None or await self.service_to_schedule() is None:
            return False
        return bool(await self.openings_on(day))

    async def picked_free_time(self) -> bool:
        """Guard: a time was given and it is free (for anyone who does the service, or the chosen person)."""
        start = self.wanted_start
        if start is None:
            return False
        return any(opening.start == start for opening in await self.openings_on(start.date()))
