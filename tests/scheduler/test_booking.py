"""Booking operations against the real store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from scheduler import booking
from scheduler.calendar import find_slots, load_business, load_service
from scheduler.errors import (
    BlockCollides,
    InPast,
    InvalidTransition,
    NotEligible,
    NotFound,
    OutsideHours,
    SlotTaken,
    TooFarAhead,
    TooSoon,
)
from store.database import Database
from store.models import Appointment, AppointmentStatus, TimeBlock
from tests.helpers import DON_CARLOS, local, seed

NOW = local("2027-01-14T12:00")  # Thursday noon
CORTE = "Corte de cabello"
BARBA = "Arreglo de barba"


async def book(db: Database, loaded, start: str, service: str = CORTE, staff: str | None = None, customer: str = "miguel", **kw):
    async with db.transaction() as session:
        return await booking.book(
            session,
            organization_id=loaded.organization_id,
            customer_id=loaded.customers[customer],
            service_id=loaded.services[service],
            start=local(start),
            now=kw.pop("now", NOW),
            staff_id=loaded.staff[staff] if staff else None,
            **kw,
        )


async def appointments(db: Database) -> list[Appointment]:
    async with db.transaction() as session:
        return list((await session.execute(select(Appointment).order_by(Appointment.starts_at))).scalars())


async def slot_times(db: Database, loaded, day: str, service: str = CORTE, staff: str | None = None) -> list[str]:
    async with db.transaction() as session:
        business = await load_business(session, loaded.organization_id)
        svc = await load_service(session, loaded.organization_id, loaded.services[service])
        found = await find_slots(
            session, business, svc, date.fromisoformat(day), date.fromisoformat(day), NOW,
            staff_id=loaded.staff[staff] if staff else None,
        )
        return sorted({s.start.astimezone(business.tz).strftime("%H:%M") for s in found})


async def test_booking_a_free_slot_stores_a_confirmed_appointment_with_price_and_end(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    appointment = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    stored = await appointments(db)
    assert [a.id for a in stored] == [appointment.id]
    assert stored[0].status == AppointmentStatus.confirmed
    assert stored[0].price_cents == 15000
    assert stored[0].ends_at - stored[0].starts_at == timedelta(minutes=45)
    assert stored[0].starts_at == local("2027-01-15T16:00")


async def test_a_booked_time_is_no_longer_offered_and_a_second_booking_is_refused(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    assert "16:00" not in await slot_times(db, loaded, "2027-01-15", staff="pedro")
    with pytest.raises(SlotTaken):
        await book(db, loaded, "2027-01-15T16:30", staff="pedro")
    assert len(await appointments(db)) == 1


async def test_any_staff_goes_to_the_free_person_with_fewest_appointments_that_day(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    await book(db, loaded, "2027-01-15T10:00", staff="carlos")
    appointment = await book(db, loaded, "2027-01-15T12:00")  # both free; carlos already has one
    assert appointment.staff_id == loaded.staff["pedro"]


async def test_any_staff_skips_whoever_is_busy(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    await book(db, loaded, "2027-01-15T12:00", staff="pedro")
    appointment = await book(db, loaded, "2027-01-15T12:00")
    assert appointment.staff_id == loaded.staff["carlos"]


async def test_staff_not_offering_the_service_cannot_be_booked_for_it(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    with pytest.raises(NotEligible):
        await book(db, loaded, "2027-01-15T16:00", service=BARBA, staff="pedro")


async def test_rules_are_enforced_with_specific_errors(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    with pytest.raises(InPast):
        await book(db, loaded, "2027-01-14T10:00")
    with pytest.raises(TooSoon):
        await book(db, loaded, "2027-01-14T12:30")
    with pytest.raises(TooFarAhead):
        await book(db, loaded, "2027-03-01T12:00")
    with pytest.raises(OutsideHours):
        await book(db, loaded, "2027-01-15T19:30")  # 45 min would run past 20:00
    with pytest.raises(OutsideHours):
        await book(db, loaded, "2027-01-17T12:00")  # Sunday: closed
    assert await appointments(db) == []


async def test_cancelled_and_no_show_appointments_free_their_time(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    first = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    async with db.transaction() as session:
        await booking.cancel(session, organization_id=loaded.organization_id, appointment_id=first.id, now=NOW, reason="no puede")
    second = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    later = local("2027-01-15T16:20")
    async with db.transaction() as session:
        await booking.mark_no_show(session, organization_id=loaded.organization_id, appointment_id=second.id, now=later)
    assert "16:00" in await slot_times(db, loaded, "2027-01-15", staff="pedro")
    third = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    statuses = sorted(a.status for a in await appointments(db))
    assert statuses == ["cancelled", "confirmed", "no_show"]
    assert third.status == AppointmentStatus.confirmed


async def test_reschedule_moves_the_same_appointment_and_can_overlap_its_old_time(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    appointment = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    async with db.transaction() as session:
        moved = await booking.reschedule(
            session, organization_id=loaded.organization_id, appointment_id=appointment.id,
            new_start=local("2027-01-15T16:30"), now=NOW,
        )
    stored = await appointments(db)
    assert [a.id for a in stored] == [appointment.id]
    assert moved.starts_at == local("2027-01-15T16:30") and stored[0].starts_at == local("2027-01-15T16:30")
    assert moved.staff_id == loaded.staff["pedro"]  # kept with the same person


async def test_an_appointment_remembers_when_it_got_its_time_booked_then_moved(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    appointment = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    assert appointment.scheduled_at == NOW  # reminders whose moment had passed by then are not sent late
    later = NOW + timedelta(hours=3)
    async with db.transaction() as session:
        await booking.reschedule(
            session, organization_id=loaded.organization_id, appointment_id=appointment.id,
            new_start=local("2027-01-16T11:00"), now=later,
        )
    [stored] = await appointments(db)
    assert stored.scheduled_at == later and stored.created_at == NOW


async def test_a_failed_reschedule_leaves_the_original_untouched(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    mine = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    await book(db, loaded, "2027-01-15T18:00", staff="pedro", customer="miguel")
    await book(db, loaded, "2027-01-15T18:00", staff="carlos", customer="miguel")
    async with db.transaction() as session:
        with pytest.raises(SlotTaken):
            await booking.reschedule(
                session, organization_id=loaded.organization_id, appointment_id=mine.id,
                new_start=local("2027-01-15T18:00"), now=NOW,
            )
    stored = {a.id: a for a in await appointments(db)}
    assert stored[mine.id].starts_at == local("2027-01-15T16:00")
    assert stored[mine.id].status == AppointmentStatus.confirmed
    assert stored[mine.id].scheduled_at == NOW


async def test_reschedule_goes_to_another_eligible_person_when_the_usual_one_is_busy(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    mine = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    await book(db, loaded, "2027-01-15T18:00", staff="pedro")
    async with db.transaction() as session:
        moved = await booking.reschedule(
            session, organization_id=loaded.organization_id, appointment_id=mine.id,
            new_start=local("2027-01-15T18:00"), now=NOW,
        )
    assert moved.staff_id == loaded.staff["carlos"]


async def test_completed_or_cancelled_appointments_cannot_change_again(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    appointment = await book(db, loaded, "2027-01-15T16:00", staff="pedro")
    async with db.transaction() as session:
        with pytest.raises(InvalidTransition):  # has not started yet
            await booking.complete(session, organization_id=loaded.organization_id, appointment_id=appointment.id, now=NOW)
    after = local("2027-01-15T17:00")
    async with db.transaction() as session:
        await booking.complete(session, organization_id=loaded.organization_id, appointment_id=appointment.id, now=after)
    async with db.transaction() as session:
        with pytest.raises(InvalidTransition):
            await booking.cancel(session, organization_id=loaded.organization_id, appointment_id=appointment.id, now=after)


async def test_block_without_collisions_is_written_and_hides_slots(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    async with db.transaction() as session:
        result = await booking.block_time(
            session, organization_id=loaded.organization_id, staff_id=loaded.staff["pedro"],
            start=local("2027-01-15T14:00"), end=local("2027-01-15T15:00"), now=NOW, reason="comida",
        )
    assert result.cancelled == []
    found = await slot_times(db, loaded, "2027-01-15", staff="pedro")
    assert "13:30" not in found and "14:00" not in found and "14:30" not in found and "15:00" in found


async def test_block_over_an_appointment_asks_first_then_cancels_it_when_confirmed(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    appointment = await book(db, loaded, "2027-01-15T14:30", staff="pedro")
    kwargs = dict(
        organization_id=loaded.organization_id, staff_id=loaded.staff["pedro"],
        start=local("2027-01-15T14:00"), end=local("2027-01-15T16:00"), now=NOW, reason="trámite",
    )
    async with db.transaction() as session:
        with pytest.raises(BlockCollides) as collision:
            await booking.block_time(session, **kwargs)
    assert collision.value.appointment_ids == [appointment.id]
    async with db.transaction() as session:
        assert (await session.execute(select(TimeBlock))).scalars().all() == []
    async with db.transaction() as session:
        result = await booking.block_time(session, cancel_colliding=True, **kwargs)
    assert [a.id for a in result.cancelled] == [appointment.id]
    assert (await appointments(db))[0].status == AppointmentStatus.cancelled


async def test_overlapping_blocks_merge_into_one(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    for start, end in (("14:00", "15:00"), ("14:30", "16:00"), ("16:00", "16:30")):
        async with db.transaction() as session:
            await booking.block_time(
                session, organization_id=loaded.organization_id, staff_id=loaded.staff["pedro"],
                start=local(f"2027-01-15T{start}"), end=local(f"2027-01-15T{end}"), now=NOW,
            )
    async with db.transaction() as session:
        blocks = (await session.execute(select(TimeBlock))).scalars().all()
    assert [(b.starts_at, b.ends_at) for b in blocks] == [(local("2027-01-15T14:00"), local("2027-01-15T16:30"))]


async def test_walk_in_books_right_now_without_minimum_notice(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    now = local("2027-01-15T11:32:40")
    async with db.transaction() as session:
        appointment = await booking.walk_in(
            session, organization_id=loaded.organization_id, staff_id=loaded.staff["pedro"],
            service_id=loaded.services[CORTE], customer_id=loaded.customers["miguel"], now=now,
        )
    assert appointment.starts_at == local("2027-01-15T11:32") and appointment.source == "walk_in"


async def test_walk_in_when_busy_says_the_time_is_taken(db: Database) -> None:
    loaded = await seed(db, DON_CARLOS)
    await book(db, loaded, "2027-01-15T13:00", staff="pedro")
    async with db.transaction() as session:
        with pytest.raises(SlotTaken):
            await booking.walk_in(
                session, organization_id=loaded.organization_id, staff_id=loaded.staff["pedro"],
                service_id=loaded.services[CORTE], customer_id=loaded.customers["miguel"], now=local("2027-01-15T13:20"),
            )


async def test_another_businesss_ids_are_not_found(db: Database) -> None:
    mine = await seed(db, DON_CARLOS)
    other = await seed(db, DON_CARLOS, name="Otra Barbería")
    appointment = await book(db, mine, "2027-01-15T16:00", staff="pedro")
    async with db.transaction() as session:
        with pytest.raises(NotFound):
            await booking.cancel(session, organization_id=other.organization_id, appointment_id=appointment.id, now=NOW)
        with pytest.raises(NotFound):
            await booking.book(
                session, organization_id=other.organization_id, customer_id=mine.customers["miguel"],
                service_id=other.services[CORTE], start=local("2027-01-15T16:00"), now=NOW,
            )
