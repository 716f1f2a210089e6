"""The owner changes the opening hours: the new week, what falls outside it, and what the store keeps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flows.core.hours_change import Booked, HoursChange, changed_days, new_week, outside_hours
from scheduler.calendar import find_slots, load_business, load_service
from store.database import Database
from store.hours import HoursRange, parse_weekly_hours
from store.models import Appointment, AppointmentStatus, Location
from tests.flows.conversation import BARBERIA, open_chat, texts
from tests.helpers import MEXICO_CITY

SAT, SUN = 5, 6
SPLIT = parse_weekly_hours({"tue": ["10:00-14:00", "16:00-20:00"], "sat": ["09:00-14:00"]})


def _minutes(hh_mm: str) -> int:
    hours, minutes = hh_mm.split(":")
    return int(hours) * 60 + int(minutes)


def test_both_ends_for_a_day_make_it_one_range() -> None:
    week = new_week(SPLIT, HoursChange(weekdays=(SAT,), opens=_minutes("09:00"), closes=_minutes("15:00")))
    assert week is not None and week[SAT] == (HoursRange(540, 900),)
    assert week[1] == SPLIT[1]  # Tuesday untouched


def test_a_closing_time_alone_moves_the_end_of_every_open_day_and_keeps_a_break() -> None:
    change = HoursChange(closes=_minutes("19:00"))
    assert changed_days(SPLIT, change) == (1, SAT)
    week = new_week(SPLIT, change)
    assert week is not None
    assert week[1] == (HoursRange(600, 840), HoursRange(960, 1140))  # the lunch break stays
    assert week[SAT] == (HoursRange(540, 1140),)


def test_an_opening_time_alone_moves_the_first_range_only() -> None:
    week = new_week(SPLIT, HoursChange(weekdays=(1,), opens=_minutes("11:00")))
    assert week is not None and week[1] == (HoursRange(660, 840), HoursRange(960, 1200))


def test_closing_a_day_empties_it() -> None:
    week = new_week(SPLIT, HoursChange(weekdays=(SAT,), closed=True))
    assert week is not None and week[SAT] == ()


def test_what_cannot_be_done_as_said_is_none() -> None:
    assert new_week(SPLIT, HoursChange(weekdays=(SUN,), opens=_minutes("10:00"))) is None  # closed today: until when?
    assert new_week(SPLIT, HoursChange(weekdays=(SAT,), opens=_minutes("15:00"), closes=_minutes("10:00"))) is None
    assert new_week(SPLIT, HoursChange(weekdays=(SAT,))) is None  # nothing new said
    assert new_week({}, HoursChange(closes=_minutes("19:00"))) is None  # no open day to change


def test_an_appointment_is_outside_when_it_no_longer_fits_one_range_buffer_included() -> None:
    week = parse_weekly_hours({"sat": ["09:00-15:00"]})
    saturday = datetime(2026, 3, 14, tzinfo=MEXICO_CITY)
    booked = [
        Booked(saturday.replace(hour=14), saturday.replace(hour=14, minute=45)),  # fits
        Booked(saturday.replace(hour=14, minute=30), saturday.replace(hour=15, minute=15)),  # runs past 3
        Booked(saturday.replace(hour=17), saturday.replace(hour=17, minute=45)),  # after closing
        Booked(saturday + timedelta(days=1, hours=11), saturday + timedelta(days=1, hours=12)),  # Sunday: closed
    ]
    assert outside_hours(booked, week) == [1, 2, 3]


async def test_new_hours_are_stored_appointments_outside_are_listed_not_cancelled_and_slots_follow(
    db: Database,
) -> None:
    business = dict(BARBERIA)
    business["appointments"] = [
        {"customer": "juan", "service": "Corte de cabello", "staff": "pedro", "start": "2026-03-14T12:00"},
        {"customer": "juan", "service": "Arreglo de barba", "staff": "pedro", "start": "2026-03-14T10:00"},
    ]
    chat = await open_chat(db, business=business)  # Saturday is 09:00-14:00
    out = await chat.says("rosa", "el sábado abrimos de 9 a 12")
    assert "Sábado: 9:00 AM a 12:00 PM" in texts(out)
    out = await chat.says("rosa", "sí")
    said = texts(out)
    assert "Ojo: esta cita queda fuera del nuevo horario (no cancelé nada):" in said
    assert "12:00 PM – Corte de cabello – Juan Pérez (Pedro)" in said and "Arreglo de barba" not in said
    assert {a.status for a in await chat.rows(Appointment)} == {AppointmentStatus.confirmed}
    [location] = await chat.rows(Location)
    assert location.business_hours["sat"] == [["09:00", "12:00"]]
    assert location.business_hours["tue"] == [["10:00", "20:00"]]
    async with db.transaction() as session:
        calendar = await load_business(session, chat.loaded.organization_id)
        service = await load_service(session, chat.loaded.organization_id, chat.loaded.services["Arreglo de barba"])
        slots = await find_slots(session, calendar, service, date(2026, 3, 14), date(2026, 3, 14), chat.clock.now())
    assert slots and max(slot.start for slot in slots).astimezone(MEXICO_CITY).hour < 12


async def test_declining_keeps_the_hours_exactly_as_they_were(db: Database) -> None:
    chat = await open_chat(db)
    [before] = await chat.rows(Location)
    await chat.says("rosa", "los sábados cerramos")
    out = await chat.says("rosa", "no")
    assert "el horario sigue igual" in texts(out)
    [after] = await chat.rows(Location)
    assert after.business_hours == before.business_hours
