"""The demo barbershop: the business file plus a few appointments around today."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler import booking
from scheduler.calendar import find_slots, load_business, load_service
from scheduler.errors import SchedulingError
from store.business_file import BusinessSpec, load_business as load_business_file
from store.database import Database
from store.hours import WeeklyHours, parse_weekly_hours
from store.models import Organization

DEMO_FILE = Path(__file__).resolve().parent / "demo_business.yaml"
# Who has what in the demo agenda: (customer, service, staff, which open day from today, nth open slot).
DEMO_BOOKINGS = (
    ("juan", "Corte de cabello", "pedro", 0, 2),
    ("miguel", "Corte y barba", "pedro", 0, 5),
    ("roberto", "Arreglo de barba", "luis", 0, 1),
    ("juan", "Corte de cabello", "luis", 1, 3),
    ("miguel", "Corte de cabello", "pedro", 1, 6),
)


@dataclass
class DemoResult:
    organization_id: uuid.UUID
    created: bool
    appointments: int


def demo_spec() -> BusinessSpec:
    """The demo business as written in fixtures/businesses/demo.yaml."""
    return BusinessSpec.from_file(DEMO_FILE)


async def find_demo(session: AsyncSession) -> Organization | None:
    """The demo organization if it was already seeded."""
    spec = demo_spec()
    return (await session.execute(select(Organization).where(Organization.name == spec.name))).scalars().first()


async def seed_demo(database: Database, now: datetime, reset: bool = False) -> DemoResult:
    """Create the demo business (once) with a few appointments today and tomorrow."""
    async with database.transaction() as session:
        existing = await find_demo(session)
        if existing is not None and not reset:
            return DemoResult(existing.id, created=False, appointments=0)
        if existing is not None:
            await session.delete(existing)
            await session.flush()
        loaded = await load_business_file(session, demo_spec(), wa_phone_number_id="demo-phone-number-id")
    async with database.transaction() as session:
        business = await load_business(session, loaded.organization_id)
    open_days = _next_open_days(business.hours, now.astimezone(business.tz), count=2)
    booked = 0
    for customer, service_name, staff, open_day, nth in DEMO_BOOKINGS:
        async with database.transaction() as session:
            service = await load_service(session, loaded.organization_id, loaded.services[service_name])
            day = open_days[open_day]
            slots = await find_slots(session, business, service, day, day, now, staff_id=loaded.staff[staff])
            if len(slots) <= nth:
                continue  # late in the day or a closed day: fewer demo appointments, still a demo
            try:
                await booking.book(
                    session,
                    organization_id=loaded.organization_id,
                    customer_id=loaded.customers[customer],
                    service_id=service.id,
                    start=slots[nth].start,
                    now=now,
                    staff_id=loaded.staff[staff],
                    policy=booking.STAFF_POLICY,
                )
                booked += 1
            except SchedulingError:
                continue
    return DemoResult(loaded.organization_id, created=True, appointments=booked)


# Less open time than this left today and the demo would offer nothing «hoy»: it starts at the next opening.
PLEASANT_OPEN_MINUTES = 180


def demo_start(now: datetime) -> datetime | None:
    """When the terminal demo should pretend it is: None while the barbershop has a few open hours
    left today, else its next opening (late at night «hoy» would have no times to offer)."""
    spec = demo_spec()
    tz = ZoneInfo(spec.timezone)
    hours = parse_weekly_hours(spec.hours)
    local = now.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for opening in hours.get(day.weekday(), ()):
            if offset == 0 and opening.end <= minutes:
                continue  # already closed for today
            if offset == 0 and opening.start <= minutes:
                if opening.end - minutes >= PLEASANT_OPEN_MINUTES:
                    return None  # open now, with time to spare
                continue  # closing soon: look for the next opening
            start = datetime.combine(day, time(opening.start // 60, opening.start % 60), tzinfo=tz)
            return start
    return None


def _next_open_days(hours: WeeklyHours, local_now: datetime, count: int) -> list[date]:
    """Today (if there are still a few open hours) and the following open days."""
    today = local_now.date()
    minutes_now = local_now.hour * 60 + local_now.minute
    days: list[date] = []
    day = today
    if not any(rng.end - minutes_now >= 180 for rng in hours.get(today.weekday(), ())):
        day += timedelta(days=1)
    while len(days) < count and day < today + timedelta(days=14):
        if hours.get(day.weekday()):
            days.append(day)
        day += timedelta(days=1)
    return days
