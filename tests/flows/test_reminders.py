"""Reminders: due from the data, sent exactly once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from flows.jobs import reminders as reminders_module
from flows.jobs.reminders import send_due_reminders
from scheduler import booking
from store.database import Database
from store.models import Appointment, Conversation, OutboxMessage, Reminder, ReminderOutcome
from tests.flows.conversation import BARBERIA, Chat, open_chat, texts
from tests.helpers import MEXICO_CITY, local

JUAN = "525598765432"
TIJUANA = ZoneInfo("America/Tijuana")


async def book(chat: Chat, start: str, tz: ZoneInfo = MEXICO_CITY) -> uuid.UUID:
    """Juan books a haircut with Pedro through the booking rules, at the chat's now."""
    async with chat.db.transaction() as session:
        appointment = await booking.book(
            session,
            organization_id=chat.loaded.organization_id,
            customer_id=chat.loaded.customers["juan"],
            service_id=chat.loaded.services["Corte de cabello"],
            start=local(start, tz),
            now=chat.clock.now(),
            staff_id=chat.loaded.staff["pedro"],
            policy=booking.STAFF_POLICY,  # any distance ahead
        )
        return appointment.id


async def reminders(chat: Chat) -> list[Reminder]:
    return await chat.rows(Reminder)


async def test_a_reminder_due_while_the_server_was_down_is_sent_once_on_start(db: Database) -> None:
    chat = await open_chat(db)
    await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T19:30"))  # the 24-hour moment (Wed 4 PM) passed while nothing ran
    first = await send_due_reminders(db, chat.clock)
    again = await send_due_reminders(db, chat.clock)
    assert [m.to for m in first] == [JUAN] and again == []
    assert "mañana jueves 12 de marzo" in texts(first) and "4:00 PM" in texts(first)
    assert await chat.count(OutboxMessage) == 1
    [record] = await reminders(chat)
    assert (record.offset_minutes, record.outcome) == (24 * 60, ReminderOutcome.sent)


async def test_nothing_is_sent_before_the_reminder_moment(db: Database) -> None:
    chat = await open_chat(db)
    await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T15:59"))
    assert await send_due_reminders(db, chat.clock) == []
    assert await reminders(chat) == []


async def test_two_schedulers_on_one_database_send_each_reminder_exactly_once(db: Database) -> None:
    chat = await open_chat(db, business={**BARBERIA, "settings": {"reminder_hours_before": [48]}})
    chat.clock.set(local("2026-03-08T10:00"))
    starts = [f"2026-03-{day}T{hour}:00" for day in (12, 13) for hour in range(10, 20)]
    for start in starts:
        await book(chat, start)
    chat.clock.set(local("2026-03-11T20:00"))  # all 20 are due at once
    other = Database(db.url)  # a second process: its own engine and connections
    try:
        results = await asyncio.gather(
            send_due_reminders(db, chat.clock), send_due_reminders(other, chat.clock), send_due_reminders(other, chat.clock)
        )
    finally:
        await other.dispose()
    assert sum(len(sent) for sent in results) == len(starts) == 20
    assert await chat.count(OutboxMessage) == 20
    records = await reminders(chat)
    assert len({record.appointment_id for record in records}) == len(records) == 20


async def test_a_rescheduled_appointment_is_reminded_for_the_new_time_and_not_the_old_one(db: Database) -> None:
    chat = await open_chat(db)
    appointment_id = await book(chat, "2026-03-12T16:00")
    async with db.transaction() as session:
        await booking.reschedule(
            session,
            organization_id=chat.loaded.organization_id,
            appointment_id=appointment_id,
            new_start=local("2026-03-14T11:00"),
            now=chat.clock.now(),
        )
    chat.clock.set(local("2026-03-11T16:00"))  # the old time's moment
    assert await send_due_reminders(db, chat.clock) == []
    chat.clock.set(local("2026-03-13T11:00"))  # the new time's moment
    sent = await send_due_reminders(db, chat.clock)
    assert "mañana sábado 14 de marzo" in texts(sent) and "11:00 AM" in texts(sent) and "4:00 PM" not in texts(sent)
    [record] = await reminders(chat)
    assert record.starts_at == local("2026-03-14T11:00")


async def test_a_reminder_sent_before_a_move_does_not_stop_the_one_for_the_new_time(db: Database) -> None:
    chat = await open_chat(db)
    appointment_id = await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T16:00"))
    assert len(await send_due_reminders(db, chat.clock)) == 1
    async with db.transaction() as session:  # moved a day later, well before the new time's moment
        await booking.reschedule(
            session,
            organization_id=chat.loaded.organization_id,
            appointment_id=appointment_id,
            new_start=local("2026-03-13T16:00"),
            now=chat.clock.now(),
        )
    chat.clock.set(local("2026-03-12T16:00"))
    sent = await send_due_reminders(db, chat.clock)
    assert "mañana viernes 13 de marzo" in texts(sent)


async def test_cancelled_completed_and_no_show_appointments_get_no_reminder(db: Database) -> None:
    chat = await open_chat(db)
    ids = [await book(chat, start) for start in ("2026-03-12T10:00", "2026-03-12T12:00", "2026-03-12T14:00")]
    async with db.transaction() as session:
        rows = (await session.execute(select(Appointment).where(Appointment.id.in_(ids)))).scalars().all()
        for appointment, status in zip(sorted(rows, key=lambda a: a.starts_at), ("cancelled", "completed", "no_show")):
            appointment.status = status
    chat.clock.set(local("2026-03-11T20:00"))
    assert await send_due_reminders(db, chat.clock) == []
    assert await reminders(chat) == []


async def test_booked_after_the_reminder_moment_gets_none_for_that_offset_but_the_next_one(db: Database) -> None:
    chat = await open_chat(db, business={**BARBERIA, "settings": {"slot_step_minutes": 30, "reminder_hours_before": [24, 2]}})
    await book(chat, "2026-03-10T16:00")  # booked at 11:00 the same day: the 24-hour moment had passed
    assert await send_due_reminders(db, chat.clock) == []
    [skipped] = await reminders(chat)
    assert (skipped.offset_minutes, skipped.outcome) == (24 * 60, ReminderOutcome.too_late)
    chat.clock.set(local("2026-03-10T14:00"))
    sent = await send_due_reminders(db, chat.clock)
    assert "hoy martes 10 de marzo" in texts(sent)
    assert {r.outcome for r in await reminders(chat)} == {ReminderOutcome.too_late, ReminderOutcome.sent}


async def test_after_a_long_outage_only_the_latest_reminder_goes_out(db: Database) -> None:
    chat = await open_chat(db, business={**BARBERIA, "settings": {"slot_step_minutes": 30, "reminder_hours_before": [24, 2]}})
    await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-12T15:00"))  # both moments passed while nothing ran
    sent = await send_due_reminders(db, chat.clock)
    assert len(sent) == 1 and "hoy jueves 12 de marzo" in texts(sent)
    assert await send_due_reminders(db, chat.clock) == []


async def test_outside_the_window_the_reminder_is_the_approved_template_with_the_same_answers(db: Database) -> None:
    chat = await open_chat(db)
    appointment_id = await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T16:00"))
    [message] = await send_due_reminders(db, chat.clock)
    assert message.purpose == "reminder" and message.template is not None
    assert message.template.name == "appointment_reminder" and message.template.language == "es_MX"
    assert message.template.body_params == [
        "Juan", "Barbería El Centro", "mañana jueves 12 de marzo", "4:00 PM", "Corte de cabello con Pedro (Av. Juárez 45, Centro)",
    ]
    assert message.template.quick_replies == [button.id for button in message.buttons] == [
        f"confirm:{appointment_id}", f"cancel:{appointment_id}", f"move:{appointment_id}",
    ]
    assert [button.title for button in message.buttons] == ["Confirmo", "Cancelar", "Cambiar"]
    [row] = await chat.rows(OutboxMessage)
    assert row.body["template"]["name"] == "appointment_reminder"  # the channel can choose up front


async def test_confirmo_marks_the_appointment_confirmed_by_the_customer(db: Database) -> None:
    chat = await open_chat(db)
    appointment_id = await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T16:00"))
    await send_due_reminders(db, chat.clock)
    chat.later(minutes=5)
    reply = await chat.taps("juan", f"confirm:{appointment_id}", "Confirmo")
    assert "¡Gracias, Juan! Te esperamos mañana jueves 12 de marzo a las 4:00 PM" in texts(reply)
    [appointment] = await chat.rows(Appointment)
    assert appointment.confirmed_by_customer_at == chat.clock.now()


async def test_si_typed_right_after_a_reminder_confirms_it_too(db: Database) -> None:
    chat = await open_chat(db)
    await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T16:00"))
    await send_due_reminders(db, chat.clock)
    reply = await chat.says("juan", "sí")
    assert "Te esperamos mañana jueves 12 de marzo" in texts(reply)
    [appointment] = await chat.rows(Appointment)
    assert appointment.confirmed_by_customer_at is not None


async def test_a_late_tap_on_a_cancelled_appointments_reminder_says_it_is_gone(db: Database) -> None:
    chat = await open_chat(db)
    appointment_id = await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T16:00"))
    await send_due_reminders(db, chat.clock)
    async with db.transaction() as session:
        await booking.cancel(session, organization_id=chat.loaded.organization_id, appointment_id=appointment_id, now=chat.clock.now())
    reply = await chat.taps("juan", f"confirm:{appointment_id}", "Confirmo")
    assert "ya no está en la agenda" in texts(reply)


async def test_a_chat_taken_over_by_the_owner_still_gets_the_reminder_and_stays_with_the_owner(db: Database) -> None:
    chat = await open_chat(db)
    await book(chat, "2026-03-12T16:00")
    await chat.owner_writes_to("juan", "Hola Juan, te atiendo yo")
    chat.clock.set(local("2026-03-11T16:00"))
    assert len(await send_due_reminders(db, chat.clock)) == 1
    [conversation] = await chat.rows(Conversation)
    assert conversation.status == "handed_off" and "offered" not in conversation.flow_data


async def test_times_are_right_in_tijuana_across_both_clock_changes(db: Database) -> None:
    hours = {"sat": ["09:00-18:00"], "sun": ["09:00-18:00"]}
    chat = await open_chat(db, business={**BARBERIA, "name": "Uñas Lupita", "timezone": "America/Tijuana", "hours": hours})
    chat.clock.set(local("2027-02-20T09:00", TIJUANA))
    await book(chat, "2027-03-14T10:00", tz=TIJUANA)
    await book(chat, "2027-11-07T10:00", tz=TIJUANA)
    # Spring: Sunday 10:00 PDT is reminded 24 real hours before, on Saturday at 9:00 PST.
    chat.clock.set(local("2027-03-13T08:59", TIJUANA))
    assert await send_due_reminders(db, chat.clock) == []
    chat.clock.set(local("2027-03-13T09:00", TIJUANA))
    spring = await send_due_reminders(db, chat.clock)
    assert "mañana domingo 14 de marzo" in texts(spring) and "10:00 AM" in texts(spring)
    # Autumn: Sunday 10:00 PST is reminded 24 real hours before, on Saturday at 11:00 PDT.
    chat.clock.set(local("2027-11-06T10:59", TIJUANA))
    assert await send_due_reminders(db, chat.clock) == []
    chat.clock.set(local("2027-11-06T11:00", TIJUANA))
    autumn = await send_due_reminders(db, chat.clock)
    assert "mañana domingo 7 de noviembre" in texts(autumn) and "10:00 AM" in texts(autumn)


async def test_mexico_city_reminders_keep_the_wall_clock_all_year(db: Database) -> None:
    chat = await open_chat(db)
    await book(chat, "2026-11-05T16:00")  # a Thursday after the border towns changed their clocks
    chat.clock.set(local("2026-11-04T16:00"))
    sent = await send_due_reminders(db, chat.clock)
    assert "mañana jueves 5 de noviembre" in texts(sent) and "4:00 PM" in texts(sent)


async def test_cancelar_after_a_reminder_means_that_appointment_even_with_others_booked(db: Database) -> None:
    chat = await open_chat(db)
    await book(chat, "2026-03-12T16:00")
    await book(chat, "2026-03-20T11:00")
    chat.clock.set(local("2026-03-11T16:00"))
    await send_due_reminders(db, chat.clock)
    reply = await chat.says("juan", "Cancelar")
    assert "¿Cancelo tu cita de corte de cabello mañana jueves 12 de marzo a las 4:00 PM?" in texts(reply)


async def test_cambiar_tapped_in_the_middle_of_another_request_moves_the_reminded_appointment(db: Database) -> None:
    chat = await open_chat(db)
    appointment_id = await book(chat, "2026-03-12T16:00")
    chat.clock.set(local("2026-03-11T15:55"))
    await chat.says("juan", "quiero un arreglo de barba el sábado")
    chat.later(minutes=5)
    await send_due_reminders(db, chat.clock)
    [conversation] = await chat.rows(Conversation)
    assert conversation.flow_state == "deciding_another_or_change"  # busy: the reminder leaves the chat alone
    reply = await chat.taps("juan", f"move:{appointment_id}", "Cambiar")
    assert "Veo que tienes tu cita de corte de cabello mañana jueves 12 de marzo a las 4:00 PM" in texts(reply)


async def test_a_business_with_reminders_off_gets_none_and_never_crowds_out_the_others(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reminders_module, "BATCH", 2)  # batches smaller than the quiet business's day
    quiet = await open_chat(db, business={**BARBERIA, "name": "Barbería Callada", "settings": {"reminder_hours_before": []}})
    for start in ("2026-03-12T10:00", "2026-03-12T11:00", "2026-03-12T12:00"):
        await book(quiet, start)
    other_business = {**BARBERIA, "people": {**BARBERIA["people"], "juan": {"name": "Juan Pérez", "phone": "+52 55 7000 0001", "role": "customer"}}}
    loud = await open_chat(db, business=other_business)
    await book(loud, "2026-03-12T16:00")
    loud.clock.set(local("2026-03-11T16:00"))
    sent = await send_due_reminders(db, loud.clock)
    assert [m.to for m in sent] == ["525570000001"]
