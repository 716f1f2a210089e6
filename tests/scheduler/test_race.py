"""Customers racing for the last slot: exactly one wins, the others are told it is taken."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from scheduler import booking, special_days
from scheduler.errors import AgendaBusy, OutsideHours, SlotTaken
from store.database import Database
from store.models import Appointment, AppointmentStatus, SpecialDay
from tests.helpers import local, seed

NOW = local("2027-01-14T12:00")
RACERS = 8

ONE_CHAIR = {
    "name": "Barbería de una silla",
    "hours": {"fri": ["10:00-10:45"]},
    "services": [{"name": "Corte de cabello", "minutes": 45, "price": 150}],
    "people": {
        "pedro": {"name": "Pedro", "phone": "55 2020 3030", "role": "owner"},
        **{f"c{i}": {"name": f"Cliente {i}", "phone": f"55 1000 00{i:02d}", "role": "customer"} for i in range(RACERS)},
    },
}

TWO_CHAIRS = {
    **ONE_CHAIR,
    "name": "Barbería de dos sillas",
    "people": {**ONE_CHAIR["people"], "ana": {"name": "Ana", "phone": "55 2020 4040", "role": "staff"}},
}


async def _attempt(db: Database, loaded, customer: str, gate: asyncio.Event) -> str:
    await gate.wait()
    try:
        async with db.transaction() as session:
            await booking.book(
                session,
                organization_id=loaded.organization_id,
                customer_id=loaded.customers[customer],
                service_id=loaded.services["Corte de cabello"],
                start=local("2027-01-15T10:00"),
                now=NOW,
            )
        return "booked"
    except SlotTaken:
        return "taken"


async def _race(db: Database, loaded, racers: int) -> list[str]:
    gate = asyncio.Event()
    tasks = [asyncio.create_task(_attempt(db, loaded, f"c{i}", gate)) for i in range(racers)]
    await asyncio.sleep(0.05)
    gate.set()
    return await asyncio.gather(*tasks)


async def _active(db: Database) -> list[Appointment]:
    async with db.transaction() as session:
        rows = await session.execute(select(Appointment).where(Appointment.status == AppointmentStatus.confirmed))
        return list(rows.scalars())


async def test_last_slot_goes_to_exactly_one_of_many_racing_customers(db: Database) -> None:
    loaded = await seed(db, ONE_CHAIR)
    results = await _race(db, loaded, RACERS)
    assert results.count("booked") == 1
    assert results.count("taken") == RACERS - 1
    assert len(await _active(db)) == 1


async def test_two_chairs_take_exactly_two_of_many_racing_customers(db: Database) -> None:
    loaded = await seed(db, TWO_CHAIRS)
    results = await _race(db, loaded, RACERS)
    assert results.count("booked") == 2
    active = await _active(db)
    assert {a.staff_id for a in active} == {loaded.staff["pedro"], loaded.staff["ana"]}


async def test_postgres_exclusion_constraint_refuses_overlaps_even_without_the_booking_code(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the database-level constraint is PostgreSQL's; SQLite relies on serialized transactions")
    loaded = await seed(db, ONE_CHAIR)
    start = local("2027-01-15T10:00")

    def row(customer: str, offset: int) -> Appointment:
        begin = start + timedelta(minutes=offset)
        return Appointment(
            organization_id=loaded.organization_id, customer_id=loaded.customers[customer],
            staff_id=loaded.staff["pedro"], service_id=loaded.services["Corte de cabello"],
            starts_at=begin, ends_at=begin + timedelta(minutes=45), busy_until=begin + timedelta(minutes=45),
        )

    async with db.transaction() as session:
        session.add(row("c0", 0))
    with pytest.raises(IntegrityError, match="ex_appointment_staff_no_overlap"):
        async with db.transaction() as session:
            session.add(row("c1", 30))
    async with db.transaction() as session:  # a cancelled one does not count
        cancelled = row("c2", 15)
        cancelled.status = AppointmentStatus.cancelled
        session.add(cancelled)
    assert len(await _active(db)) == 1


async def test_a_lock_held_too_long_becomes_a_clear_agenda_busy_error(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite waits on its busy timeout instead of row locks")
    loaded = await seed(db, ONE_CHAIR)
    monkeypatch.setattr(booking, "LOCK_TIMEOUT_MS", 200)
    async with db.transaction() as holder:
        await booking.lock_staff(holder, [loaded.staff["pedro"]])
        with pytest.raises(AgendaBusy):
            await _attempt(db, loaded, "c1", _open_gate())
    assert await _active(db) == []


def _open_gate() -> asyncio.Event:
    gate = asyncio.Event()
    gate.set()
    return gate


async def test_a_booking_racing_a_closure_of_its_day_is_either_refused_or_listed_to_the_owner(db: Database) -> None:
    """Never both unseen: the booking loses (outside hours) or the closure lists it for the owner."""
    loaded = await seed(db, ONE_CHAIR)
    gate = asyncio.Event()
    outside: list[list[Appointment]] = []

    async def close_friday() -> None:
        await gate.wait()
        async with db.transaction() as session:
            result = await special_days.set_special_day(
                session, organization_id=loaded.organization_id, day=local("2027-01-15T10:00").date(), hours=[], now=NOW
            )
            outside.append(result.outside)

    async def book_friday() -> str:
        await gate.wait()
        try:
            async with db.transaction() as session:
                await booking.book(
                    session,
                    organization_id=loaded.organization_id,
                    customer_id=loaded.customers["c0"],
                    service_id=loaded.services["Corte de cabello"],
                    start=local("2027-01-15T10:00"),
                    now=NOW,
                )
            return "booked"
        except OutsideHours:
            return "refused"

    for _ in range(5):
        gate.clear()
        outside.clear()
        tasks = [asyncio.create_task(book_friday()), asyncio.create_task(close_friday())]
        await asyncio.sleep(0.02)
        gate.set()
        verdict, _ = await asyncio.gather(*tasks)
        active = await _active(db)
        if verdict == "booked":
            assert len(active) == 1 and [a.id for a in outside[0]] == [active[0].id]
        else:
            assert active == [] and outside[0] == []
        async with db.transaction() as session:  # start over: the day open, nothing booked
            for row in await _active_in(session):
                await session.delete(row)
            for special in (await session.execute(select(SpecialDay))).scalars():
                await session.delete(special)


async def _active_in(session) -> list[Appointment]:
    rows = await session.execute(select(Appointment).where(Appointment.status == AppointmentStatus.confirmed))
    return list(rows.scalars())
