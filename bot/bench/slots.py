"""`yume bench slots`: the availability engine on a fixed salon workload (shared/bench/README.md).

Loads the workload into the store, then reports: the time to load the rows back into the
engine's structures, the time of the slot computation for all staff over the whole horizon
(median and p95 over repeated runs), and how many slots differ from the workload's brute-force
rule (expected 0).
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.availability import SlotQuery, SlotRules, open_slots
from scheduler.calendar import eligible_staff, load_business, load_service, staff_days
from store.database import Database, create_all
from store.hours import HoursRange, WEEKDAY_KEYS, weekly_hours_to_json
from store.models import Appointment, Customer, Location, Organization, ServiceType, Staff, StaffHours

DEFAULT_WORKLOAD = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "salon_14d.json"
UTC = ZoneInfo("UTC")


@dataclass
class SlotsReport:
    workload: str
    database: str
    staff: int
    days: int
    appointments: int
    slots: int
    expected_slots: int
    mismatches: int
    seed_seconds: float
    load_ms_median: float
    compute_ms_median: float
    compute_ms_p95: float
    runs: int

    def lines(self) -> list[str]:
        return [
            f"workload: {self.workload} ({self.staff} staff, {self.days} days, {self.appointments} appointments)",
            f"database: {self.database}",
            f"seed: {self.seed_seconds:.2f} s (not part of the measurement)",
            f"load rows into the engine: median {self.load_ms_median:.2f} ms",
            f"compute slots, all staff, whole horizon: median {self.compute_ms_median:.2f} ms, "
            f"p95 {self.compute_ms_p95:.2f} ms over {self.runs} runs",
            f"slots: {self.slots} (brute force: {self.expected_slots}); mismatches: {self.mismatches}",
        ]


def _wall(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def brute_force(workload: dict[str, Any]) -> set[tuple[int, datetime]]:
    """The workload's own rule, literally: every step from opening, no overlap, at or after now."""
    now = _wall(workload["meta"]["now"])
    step = timedelta(minutes=workload["meta"]["slot_step_min"])
    length = timedelta(minutes=workload["service"]["duration_min"])
    by_staff: dict[int, list[tuple[datetime, datetime]]] = {}
    for item in workload["appointments"]:
        by_staff.setdefault(item["staff_id"], []).append((_wall(item["start"]), _wall(item["end"])))
    expected: set[tuple[int, datetime]] = set()
    for staff in workload["staff"]:
        for day_text in workload["days"]:
            day = date.fromisoformat(day_text)
            for hours in staff["hours"]:
                if hours["iso_weekday"] != day.isoweekday():
                    continue
                start = _wall(f"{day_text}T{hours['start']}")
                close = _wall(f"{day_text}T{hours['end']}")
                candidate = start
                while candidate + length <= close:
                    end = candidate + length
                    taken = any(s < end and candidate < e for s, e in by_staff.get(staff["id"], []))
                    if candidate >= now and not taken:
                        expected.add((staff["id"], candidate))
                    candidate += step
    return expected


async def _seed(database: Database, workload: dict[str, Any]) -> tuple[uuid.UUID, uuid.UUID, dict[uuid.UUID, int]]:
    """Write the workload as a business; returns (organization, service, staff uuid → workload id)."""
    meta = workload["meta"]
    business_hours: dict[int, tuple[HoursRange, ...]] = {}
    for staff in workload["staff"]:
        for hours in staff["hours"]:
            business_hours[hours["iso_weekday"] - 1] = (HoursRange.parse(f"{hours['start']}-{hours['end']}"),)
    async with database.transaction() as session:
        organization = Organization(
            name=f"Bench {uuid.uuid4().hex[:6]}",
            timezone="UTC",
            settings={
                "slot_step_minutes": meta["slot_step_min"],
                "min_notice_minutes": 0,
                "max_days_ahead": meta["horizon_days"] + 2,
            },
        )
        session.add(organization)
        await session.flush()
        session.add(Location(organization_id=organization.id, business_hours=weekly_hours_to_json(business_hours)))
        service = ServiceType(
            organization_id=organization.id,
            name=workload["service"]["name"],
            duration_minutes=workload["service"]["duration_min"],
            price_cents=15000,
        )
        customer = Customer(organization_id=organization.id, phone="+525500000000")
        session.add_all([service, customer])
        ids: dict[int, uuid.UUID] = {}
        for index, staff in enumerate(workload["staff"]):
            member = Staff(organization_id=organization.id, name=staff["name"], phone=f"+52550000{index:04d}")
            session.add(member)
            ids[staff["id"]] = member.id
            for hours in staff["hours"]:
                session.add(
                    StaffHours(
                        staff_id=member.id,
                        weekday=hours["iso_weekday"] - 1,
                        starts=datetime.strptime(hours["start"], "%H:%M").time(),
                        ends=datetime.strptime(hours["end"], "%H:%M").time(),
                    )
                )
        await session.flush()
        session.add_all(
            Appointment(
                organization_id=organization.id,
                customer_id=customer.id,
                staff_id=ids[item["staff_id"]],
                service_id=service.id,
                starts_at=_wall(item["start"]),
                ends_at=_wall(item["end"]),
                busy_until=_wall(item["end"]),
            )
            for item in workload["appointments"]
        )
    return organization.id, service.id, {value: key for key, value in ids.items()}


async def run_slots_bench(workload_path: Path, database_url: str | None, runs: int = 50) -> SlotsReport:
    """Seed, then measure loading and computing; compare with the brute-force rule."""
    workload = json.loads(workload_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as scratch:
        url = database_url or f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
        database = Database(url)
        try:
            await create_all(database.engine)
            started = time.perf_counter()
            organization_id, service_id, workload_ids = await _seed(database, workload)
            seed_seconds = time.perf_counter() - started
            first_day = date.fromisoformat(workload["meta"]["horizon_start"])
            last_day = first_day + timedelta(days=workload["meta"]["horizon_days"] - 1)
            now = _wall(workload["meta"]["now"])

            load_times: list[float] = []
            for _ in range(max(3, runs // 10)):
                started = time.perf_counter()
                async with database.transaction() as session:
                    business = await load_business(session, organization_id)
                    service = await load_service(session, organization_id, service_id)
                    staff = await eligible_staff(session, organization_id, service_id)
                    start, end = business.local_day_bounds(first_day, last_day)
                    days = await staff_days(session, staff, start, end)
                load_times.append((time.perf_counter() - started) * 1000)

            query = SlotQuery(
                duration=timedelta(minutes=service.duration_minutes),
                first_day=first_day,
                last_day=last_day,
                now=now,
            )
            rules: SlotRules = business.rules
            compute_times: list[float] = []
            slots = []
            for _ in range(runs):
                started = time.perf_counter()
                slots = open_slots(days, business.hours, business.tz, query, rules)
                compute_times.append((time.perf_counter() - started) * 1000)

            found = {(workload_ids[slot.staff_id], slot.start) for slot in slots}
            expected = brute_force(workload)
            if database.dialect == "postgresql":
                async with database.transaction() as session:
                    organization = await session.get(Organization, organization_id)
                    await session.delete(organization)
        finally:
            await database.dispose()
    compute_times.sort()
    return SlotsReport(
        workload=workload_path.name,
        database=database.dialect,
        staff=len(workload["staff"]),
        days=workload["meta"]["horizon_days"],
        appointments=len(workload["appointments"]),
        slots=len(found),
        expected_slots=len(expected),
        mismatches=len(found ^ expected),
        seed_seconds=seed_seconds,
        load_ms_median=statistics.median(load_times),
        compute_ms_median=statistics.median(compute_times),
        compute_ms_p95=compute_times[min(len(compute_times) - 1, int(len(compute_times) * 0.95))],
        runs=runs,
    )


__all__ = ["DEFAULT_WORKLOAD", "SlotsReport", "WEEKDAY_KEYS", "brute_force", "run_slots_bench"]
