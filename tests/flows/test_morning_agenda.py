"""Morning agendas: each day at the business's time, once, to the right people."""

from __future__ import annotations

import asyncio
from typing import Any

from flows.jobs.morning_agenda import send_morning_agendas
from scheduler import booking
from store.database import Database
from store.models import MorningAgenda, OutboxMessage
from tests.flows.conversation import BARBERIA, Chat, open_chat, texts
from tests.helpers import local

ROSA, PEDRO = "525530001000", "525520202030"
BUSINESS: dict[str, Any] = {
    **BARBERIA,
    "people": {
        **BARBERIA["people"],
        "pedro": {"name": "Pedro Ruiz", "phone": "55 2020 2030", "role": "staff"},
        "luis": {"name": "Luis Gómez", "phone": "55 4040 5050", "role": "staff"},
    },
}


async def agenda_day(db: Database, settings: dict[str, Any] | None = None, now: str = "2026-03-12T07:00") -> Chat:
    """Pedro has two appointments on Thursday 12 March (booked on Tuesday), Luis none; the clock at `now`."""
    chat = await open_chat(db, now="2026-03-10T09:00", business={**BUSINESS, "settings": settings or {}})
    for start in ("2026-03-12T11:00", "2026-03-12T16:00"):
        async with db.transaction() as session:
            await booking.book(
                session, organization_id=chat.loaded.organization_id, customer_id=chat.loaded.customers["juan"],
                service_id=chat.loaded.services["Corte de cabello"], start=local(start), now=chat.clock.now(),
                staff_id=chat.loaded.staff["pedro"],
            )
    chat.clock.set(local(now))
    return chat


async def test_nothing_goes_out_before_the_agenda_time(db: Database) -> None:
    chat = await agenda_day(db)
    chat.clock.set(local("2026-03-12T07:59"))
    assert await send_morning_agendas(db, chat.clock) == []


async def test_at_eight_pedro_gets_his_day_the_owner_the_business_and_luis_with_nothing_none(db: Database) -> None:
    chat = await agenda_day(db)
    chat.clock.set(local("2026-03-12T08:00"))
    sent = await send_morning_agendas(db, chat.clock)
    assert sorted(m.to for m in sent) == sorted([PEDRO, ROSA])
    assert "Tienes 2 citas" in texts(sent, PEDRO) and "Libre" in texts(sent, PEDRO)
    assert "Hay 2 citas" in texts(sent, ROSA) and "Huecos libres" in texts(sent, ROSA)
    assert "Luis: 10:00 AM a 8:00 PM" in texts(sent, ROSA)
    records = await chat.rows(MorningAgenda)
    assert {(r.staff_id, r.sent) for r in records} == {
        (chat.loaded.staff["pedro"], True), (chat.loaded.staff["rosa"], True), (chat.loaded.staff["luis"], False),
    }


async def test_the_agenda_carries_its_template_for_a_closed_window(db: Database) -> None:
    chat = await agenda_day(db)
    chat.clock.set(local("2026-03-12T08:00"))
    sent = await send_morning_agendas(db, chat.clock)
    [pedro] = [m for m in sent if m.to == PEDRO]
    assert pedro.purpose == "daily_agenda" and pedro.template is not None
    assert pedro.template.name == "staff_daily_agenda"
    name, when, listing = pedro.template.body_params
    assert (name, when) == ("Pedro", "hoy jueves 12 de marzo")
    assert listing == "2 citas: 11:00 AM Corte de cabello (Juan Pérez) · 4:00 PM Corte de cabello (Juan Pérez)"


async def test_two_schedulers_send_each_agenda_exactly_once(db: Database) -> None:
    chat = await agenda_day(db)
    chat.clock.set(local("2026-03-12T08:01"))
    other = Database(db.url)
    try:
        results = await asyncio.gather(*(send_morning_agendas(each, chat.clock) for each in (db, other, other, db)))
    finally:
        await other.dispose()
    assert sum(len(sent) for sent in results) == 2
    assert await chat.count(OutboxMessage) == 2
    assert await send_morning_agendas(db, chat.clock) == []


async def test_nothing_on_a_closed_day(db: Database) -> None:
    chat = await agenda_day(db, settings={"daily_agenda_when_empty": True}, now="2026-03-16T07:00")  # Monday: closed
    chat.clock.set(local("2026-03-16T08:30"))
    assert await send_morning_agendas(db, chat.clock) == []
    assert await chat.rows(MorningAgenda) == []


async def test_when_asked_for_people_with_nothing_scheduled_get_their_free_day(db: Database) -> None:
    chat = await agenda_day(db, settings={"daily_agenda_when_empty": True})
    chat.clock.set(local("2026-03-12T08:00"))
    sent = await send_morning_agendas(db, chat.clock)
    luis = "525540405050"
    assert "10:00 AM a 8:00 PM – Libre" in texts(sent, luis) and "No tienes citas" in texts(sent, luis)


async def test_a_business_without_an_agenda_time_gets_none(db: Database) -> None:
    chat = await agenda_day(db, settings={"daily_agenda_time": None})
    chat.clock.set(local("2026-03-12T08:00"))
    assert await send_morning_agendas(db, chat.clock) == []


async def test_the_owner_hears_nothing_on_an_empty_day_with_nothing_left_open(db: Database) -> None:
    chat = await open_chat(db, now="2026-03-12T07:00", business=BUSINESS)
    chat.clock.set(local("2026-03-12T08:00"))
    assert await send_morning_agendas(db, chat.clock) == []
    assert len(await chat.rows(MorningAgenda)) == 3  # handled: later sweeps that day pass them by


async def test_the_owner_is_asked_about_past_appointments_still_open_instead_of_a_guess(db: Database) -> None:
    chat = await agenda_day(db, now="2026-03-11T09:00")  # Pedro's two are on Thursday
    chat.clock.set(local("2026-03-13T08:00"))  # Friday: Thursday's two never got marked
    sent = await send_morning_agendas(db, chat.clock)
    owner = texts(sent, ROSA)
    assert "siguen abiertas" in owner and "jueves 12 de marzo, 11:00 AM" in owner and "jueves 12 de marzo, 4:00 PM" in owner
    assert "¿Me dices cuáles se atendieron y cuáles no llegaron?" in owner
    assert PEDRO not in [m.to for m in sent]  # nothing today for Pedro; the question is the owner's


async def test_an_agenda_missed_by_more_than_four_hours_is_skipped_not_sent_late(db: Database) -> None:
    chat = await agenda_day(db)
    chat.clock.set(local("2026-03-12T12:00"))
    assert await send_morning_agendas(db, chat.clock) == []
