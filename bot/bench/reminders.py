"""`yume bench reminders`: the background sweeps on a big table, in PostgreSQL.

On a scratch database (created on the server of DATABASE_URL, or of the local test server, and
dropped at the end), migrated to head so the sweeps have exactly the production indexes, it seeds
500 businesses (Mexico City and Tijuana; 3 people each, open every day) and 100,000 appointments
over 30 days with COPY, then times:

- the due-reminder sweep on its first run (nothing reminded yet: every appointment of the next
  24 hours is due at once, as after an outage), then once a minute for five minutes (the steady
  state: only what fell due in that minute);
- the morning-agenda run at 8:00 for all 500 businesses, and a minute later (nothing left to send);
- the plan of the sweep's query (it must read by `ix_appointment_status_starts`).
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from bot.bench.scratch import BenchError, drop_database, scratch_database
from flows.jobs.morning_agenda import send_morning_agendas
from flows.jobs.reminders import due_appointments, send_due_reminders
from scheduler.clock import FrozenClock
from store.database import Database
from store.migrate import upgrade_to_head
from store.models import MorningAgenda, Reminder

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
BUSINESSES = 500
APPOINTMENTS = 100_000
DAYS = 30
STAFF_PER_BUSINESS = 3
CUSTOMERS_PER_BUSINESS = 60
TIMEZONES = (("America/Mexico_City", 4), ("America/Tijuana", 1))  # weights
STEADY_MINUTES = 5
TODAY = date(2027, 3, 10)  # a Wednesday; the 30 days run from 3 days before to 26 after


@dataclass
class Timing:
    seconds: float
    sent: int


@dataclass
class RemindersReport:
    businesses: int
    appointments: int
    seed_seconds: float
    first_sweep: Timing
    steady_sweeps: list[Timing]
    agenda_run: Timing
    agenda_again: Timing
    plan_uses_index: bool
    plan: list[str] = field(default_factory=list)
    scratch: str = ""

    def lines(self) -> list[str]:
        return [
            f"reminders: PostgreSQL, {self.businesses} businesses, {self.appointments:,} appointments over {DAYS} days "
            f"(seeded with COPY in {self.seed_seconds:.1f} s, not measured)",
            f"due-reminder sweep, first run (every reminder of the next 24 h due at once): "
            f"{self.first_sweep.seconds * 1000:.0f} ms, {self.first_sweep.sent:,} reminders queued",
            f"due-reminder sweep, each of the {len(self.steady_sweeps)} minutes after (steady state): median "
            f"{statistics.median(t.seconds for t in self.steady_sweeps) * 1000:.1f} ms, max "
            f"{max(t.seconds for t in self.steady_sweeps) * 1000:.1f} ms, {sum(t.sent for t in self.steady_sweeps)} queued",
            f"morning-agenda run at 8:00 for {self.businesses} businesses: {self.agenda_run.seconds * 1000:.0f} ms, "
            f"{self.agenda_run.sent:,} agendas queued",
            f"morning-agenda run a minute later: {self.agenda_again.seconds * 1000:.1f} ms, {self.agenda_again.sent} queued",
            f"sweep query reads by ix_appointment_status_starts: {'yes' if self.plan_uses_index else 'NO'}",
            f"scratch database: {self.scratch} (dropped)",
        ]


async def run_reminders_bench(url: str | None, businesses: int = BUSINESSES, appointments: int = APPOINTMENTS) -> RemindersReport:
    """Seed a scratch database, time the sweeps, drop the database (also on failure)."""
    admin, name = await scratch_database(url or DEFAULT_SERVER, "reminders")
    database = Database(make_url(admin).set(database=name).render_as_string(hide_password=False))
    try:
        await upgrade_to_head(database.engine)
        started = time.perf_counter()
        await _seed(make_url(admin).set(database=name).render_as_string(hide_password=False), businesses, appointments)
        seed_seconds = time.perf_counter() - started
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")

        # Wednesday 12:00 in Mexico City: tomorrow noon's reminders are due.
        clock = FrozenClock(datetime(2027, 3, 10, 12, 0, tzinfo=ZoneInfo("America/Mexico_City")))
        plan = await _plan(database, clock.now())
        first = await _timed(send_due_reminders(database, clock))
        steady: list[Timing] = []
        for _ in range(STEADY_MINUTES):
            clock.advance(timedelta(minutes=1))
            steady.append(await _timed(send_due_reminders(database, clock)))
        # Thursday 8:00 in Tijuana (16:00 UTC) is 10:00 in Mexico City: every business's agenda is due.
        clock.set(datetime(2027, 3, 11, 8, 0, tzinfo=ZoneInfo("America/Tijuana")))
        agenda = await _timed(send_morning_agendas(database, clock))
        clock.advance(timedelta(minutes=1))
        agenda_again = await _timed(send_morning_agendas(database, clock))
        await _check(database, first.sent + sum(t.sent for t in steady), agenda.sent)
        return RemindersReport(
            businesses=businesses,
            appointments=appointments,
            seed_seconds=seed_seconds,
            first_sweep=first,
            steady_sweeps=steady,
            agenda_run=agenda,
            agenda_again=agenda_again,
            plan_uses_index="ix_appointment_status_starts" in "\n".join(plan),
            plan=plan,
            scratch=name,
        )
    finally:
        await database.dispose()
        await drop_database(admin, name)


async def _timed(run: Any) -> Timing:
    started = time.perf_counter()
    sent = await run
    return Timing(time.perf_counter() - started, len(sent))


async def _plan(database: Database, now: datetime) -> list[str]:
    """EXPLAIN of the sweep's query for the 24-hour offset."""
    query = due_appointments(24 * 60, now).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    async with database.engine.connect() as connection:
        rows = await connection.exec_driver_sql(f"EXPLAIN {query}")
        return [row[0] for row in rows]


async def _check(database: Database, reminders: int, agendas: int) -> None:
    """The figures mean something only if the sweeps did their job: one record per message."""
    async with database.transaction() as session:
        recorded = (await session.execute(select(func.count()).select_from(Reminder).where(Reminder.outcome == "sent"))).scalar_one()
        agenda_rows = (await session.execute(select(func.count()).select_from(MorningAgenda).where(MorningAgenda.sent))).scalar_one()
    if recorded != reminders or agenda_rows != agendas:
        raise BenchError(f"records disagree with messages: {recorded}/{reminders} reminders, {agenda_rows}/{agendas} agendas")


# --- the workload --------------------------------------------------------------------------------


async def _seed(url: str, businesses: int, appointments: int) -> None:
    """500 businesses, their people, services and customers, and the appointments, with COPY."""
    rows = _workload(businesses, appointments)
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"), timeout=10)
    try:
        await connection.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        async with connection.transaction():
            for table, (columns, records) in rows.items():
                await connection.copy_records_to_table(table, records=records, columns=columns)
    finally:
        await connection.close()


def _workload(businesses: int, appointments: int) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    rng = random.Random(7)
    created = datetime(2027, 1, 1, tzinfo=timezone.utc)
    every_day = '{"mon": [["09:00", "20:00"]], "tue": [["09:00", "20:00"]], "wed": [["09:00", "20:00"]], ' \
        '"thu": [["09:00", "20:00"]], "fri": [["09:00", "20:00"]], "sat": [["09:00", "20:00"]], "sun": [["09:00", "20:00"]]}'
    zones = [zone for zone, weight in TIMEZONES for _ in range(weight)]
    organizations, locations, services, staff, customers, booked = [], [], [], [], [], []
    per_business = appointments // businesses
    now = datetime(2027, 3, 10, 18, 0, tzinfo=timezone.utc)  # Wednesday noon in Mexico City
    for number in range(businesses):
        org = uuid.uuid4()
        zone = zones[number % len(zones)]
        tz = ZoneInfo(zone)
        settings = '{"reminder_hours_before": [24, 2]}' if number % 5 == 0 else "{}"
        organizations.append((org, f"Barbería {number}", zone, "active", "free", settings, created, created))
        location = uuid.uuid4()
        locations.append((location, org, "Principal", f"Calle {number} #{number % 90 + 1}", True, every_day, created, created))
        service = uuid.uuid4()
        services.append((service, org, "Corte de cabello", 60, 15000, "MXN", 0, True, created, created))
        people = []
        for index in range(STAFF_PER_BUSINESS):
            member = uuid.uuid4()
            role = "owner" if index == 0 else "employee"
            staff.append((member, org, location, f"Persona {index} de {number}", f"+52155{number:04d}{index:04d}", role,
                          "{}", True, True, "{}", created, created))
            people.append(member)
        clients = []
        for index in range(CUSTOMERS_PER_BUSINESS):
            customer = uuid.uuid4()
            phone = f"+52166{number:04d}{index:04d}"
            customers.append((customer, org, phone, phone.lstrip("+"), f"Cliente {index}", "customer", created, created))
            clients.append(customer)
        for index in range(per_business):
            # Spread over the 30 days, each person at most ~4 a day, on the hour from 10:00.
            day = TODAY + timedelta(days=index % DAYS - 3)
            slot = index // DAYS
            member = people[slot % STAFF_PER_BUSINESS]
            hour = 10 + (slot // STAFF_PER_BUSINESS) * 2 + rng.choice((0, 1))
            start = datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz).astimezone(timezone.utc)
            end = start + timedelta(hours=1)
            if start < now:
                status = rng.choices(("completed", "no_show", "confirmed"), (85, 5, 10))[0]  # 10% left open
            else:
                status = rng.choices(("confirmed", "pending", "cancelled"), (80, 10, 10))[0]
            scheduled = start - timedelta(days=rng.choice((1, 3, 7, 14))) if rng.random() > 0.05 else start - timedelta(hours=3)
            changed = end if status in ("completed", "no_show") else scheduled
            booked.append((uuid.uuid4(), org, location, rng.choice(clients), member, service, start, end, end, status,
                           "whatsapp", 15000, changed, scheduled, scheduled, scheduled))
    return {
        "organization": (["id", "name", "timezone", "status", "plan", "settings", "created_at", "updated_at"], organizations),
        "location": (["id", "organization_id", "name", "address", "is_primary", "business_hours", "created_at", "updated_at"],
                     locations),
        "servicetype": (["id", "organization_id", "name", "duration_minutes", "price_cents", "currency", "buffer_minutes",
                         "active", "created_at", "updated_at"], services),
        "staff": (["id", "organization_id", "location_id", "name", "phone", "role", "permissions", "active",
                   "offers_all_services", "settings", "created_at", "updated_at"], staff),
        "customer": (["id", "organization_id", "phone", "wa_id", "name", "name_source", "created_at", "updated_at"], customers),
        "appointment": (["id", "organization_id", "location_id", "customer_id", "staff_id", "service_id", "starts_at", "ends_at",
                         "busy_until", "status", "source", "price_cents", "status_changed_at", "scheduled_at", "created_at",
                         "updated_at"], booked),
    }
