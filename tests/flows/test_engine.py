"""The conversation engine against the real store, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from flows.engine import Engine
from flows.core.events import InboundEvent
from flows.jobs.registry import run_due_jobs
from nlu.context import NluContext
from nlu.rules import RuleEngine
from nlu.understanding import Understanding
from store.database import Database
from store.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    ConversationStatus,
    Customer,
    Direction,
    Message,
    OutboxMessage,
    SenderType,
    Staff,
    TimeBlock,
)
from tests.flows.conversation import open_chat, texts
from tests.helpers import local


async def test_staff_writing_from_a_521_id_is_recognised_by_canonical_phone(db: Database) -> None:
    chat = await open_chat(db)
    out = await chat.says("5215520203030", "¿Qué tengo hoy?")
    assert "Hola Pedro, esta es tu agenda de hoy" in texts(out)
    assert await chat.count(Customer, Customer.phone == "+525520203030") == 0
    [conversation] = await chat.rows(Conversation, Conversation.staff_id == chat.loaded.staff["pedro"])
    assert conversation.role == "staff" and conversation.wa_id == "5215520203030"
    [pedro] = await chat.rows(Staff, Staff.id == chat.loaded.staff["pedro"])
    assert pedro.wa_id == "5215520203030"


async def test_a_stranger_becomes_a_customer_with_phone_raw_id_bsuid_and_profile_name(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("5215511112222", "Hola", bsuid="MX.123456", profile_name="Dani 🔥")
    [customer] = await chat.rows(Customer, Customer.phone == "+525511112222")
    assert (customer.wa_id, customer.bsuid, customer.name, customer.name_source) == (
        "5215511112222", "MX.123456", "Dani 🔥", "whatsapp_profile"
    )
    # A profile name is offered, never assumed: Yume still asks, with the name as a button.
    out = await chat.says("5215511112222", "corte mañana a las 4")
    assert "¿Me confirmas tu nombre para la cita?" in texts(out)
    assert [b.title for b in out[0].buttons] == ["Dani 🔥"]
    out = await chat.taps("5215511112222", "name:Dani 🔥", "Dani 🔥")
    assert "¡Listo, Dani!" in texts(out)


async def test_a_second_engine_continues_the_conversation_after_a_restart(db: Database) -> None:
    chat = await open_chat(db)
    other = Engine(db, RuleEngine(), chat.clock)  # another process, no memory of its own
    await chat.says("5215511112222", "quiero un corte")
    await chat.says("5215511112222", "mañana en la tarde", engine=other)
    await chat.says("5215511112222", "a las 4")
    out = await chat.says("5215511112222", "Daniel Ortiz", engine=other)
    assert "¡Listo, Daniel!" in texts(out)
    [appointment] = await chat.rows(Appointment)
    assert appointment.starts_at == local("2026-03-11T16:00")


class _FailsAfterBooking:
    """A listener that breaks the turn after the appointment row was written."""

    def after_transition(self, target: object) -> None:
        if getattr(target, "id", None) == "booked":
            raise RuntimeError("the lights went out")


async def test_an_unexpected_error_rolls_the_whole_turn_back_and_apologises(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("juan", "un corte mañana")
    broken = Engine(db, RuleEngine(), chat.clock, listeners=[_FailsAfterBooking()])
    out = await chat.says("juan", "a las 4", engine=broken)

    assert [m.text for m in out] == ["Perdón, tuve un problema para procesar tu mensaje. ¿Me lo puedes enviar otra vez en un momento? 🙏"]
    assert "Traceback" not in texts(out) and "lights" not in texts(out)
    assert await chat.count(Appointment) == 0
    [conversation] = await chat.rows(Conversation, Conversation.customer_id == chat.loaded.customers["juan"])
    assert conversation.flow_state == "choosing_slot"  # as before the failed turn
    # Only the message and the apology were kept: no confirmation, no notice to the owner.
    outbox = await chat.rows(OutboxMessage)
    assert [row.body["text"] for row in outbox if "Listo" in row.body["text"] or "Nueva cita" in row.body["text"]] == []
    assert broken.stats.failures == 1
    # The customer tries again with a healthy engine and it works.
    out = await chat.says("juan", "a las 4")
    assert "¡Listo, Juan!" in texts(out)


async def test_every_turn_writes_its_messages_and_outbox_rows_together(db: Database) -> None:
    chat = await open_chat(db)
    out = await chat.says("juan", "corte mañana a las 4")
    outbox = await chat.rows(OutboxMessage)
    assert sorted(row.body["text"] for row in outbox) == sorted(m.text for m in out)
    assert all(row.body == next(m for m in out if m.text == row.body["text"]).model_dump(mode="json") for row in outbox)
    assert {row.to_wa_id for row in outbox} == {"525598765432", "525530001000", "525520203030"}
    inbound = await chat.rows(Message, Message.direction == Direction.inbound)
    outbound = await chat.rows(Message, Message.direction == Direction.outbound)
    assert [m.text for m in inbound] == ["corte mañana a las 4"]
    assert len(outbound) == len(out) and all(m.sender_type == SenderType.ai for m in outbound)


async def test_a_duplicate_delivery_is_answered_once(db: Database) -> None:
    chat = await open_chat(db)
    first = await chat.says("juan", "corte mañana a las 4", message_id="wamid.ABC")
    again = await chat.says("juan", "corte mañana a las 4", message_id="wamid.ABC")
    assert first and again == []
    assert await chat.count(Appointment) == 1
    assert await chat.count(Message, Message.direction == Direction.inbound) == 1


async def test_a_handed_off_conversation_stores_what_the_customer_says_and_sends_nothing(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("juan", "un corte mañana")
    await chat.owner_writes_to("juan", "Hola Juan, te atiendo yo")
    out = await chat.says("juan", "a las 4 porfa")
    assert out == []
    [conversation] = await chat.rows(Conversation, Conversation.customer_id == chat.loaded.customers["juan"])
    assert conversation.status == ConversationStatus.handed_off and conversation.handoff_reason == "owner_echo"
    texts_in = [m.text for m in await chat.rows(Message, Message.conversation_id == conversation.id)]
    assert "Hola Juan, te atiendo yo" in texts_in and "a las 4 porfa" in texts_in
    [echo] = await chat.rows(Message, Message.sender_type == SenderType.owner_app)
    assert echo.direction == Direction.outbound
    assert await chat.count(Appointment) == 0
    # «listo» from the owner gives the chat back; the flow starts fresh.
    out = await chat.says("rosa", "listo")
    assert "vuelvo a atender a Juan Pérez" in texts(out)
    out = await chat.says("juan", "hola")
    assert "¡Hola Juan!" in texts(out)


async def test_the_quiet_period_after_the_last_owner_message_gives_the_chat_back(db: Database) -> None:
    chat = await open_chat(db)
    await chat.owner_writes_to("juan", "¿Cómo te fue con el corte?")
    chat.later(hours=11)
    await chat.owner_writes_to("juan", "Cualquier cosa me dices")  # the quiet period restarts
    chat.later(hours=11)
    await run_due_jobs(db, chat.clock)
    assert await chat.says("juan", "hola") == []
    chat.later(hours=1, minutes=1)
    await run_due_jobs(db, chat.clock)
    assert "¡Hola Juan!" in texts(await chat.says("juan", "hola"))


async def test_a_customer_typing_staff_commands_gets_customer_behaviour(db: Database) -> None:
    chat = await open_chat(db)
    for text in ("bloquea de 2 a 3 para mi comida", "sí", "agenda del negocio mañana", "el de las 11 no llegó"):
        out = await chat.says("juan", text)
        assert "bloqueé" not in texts(out) and "agenda del negocio" not in texts(out)
    assert await chat.count(TimeBlock) == 0
    [conversation] = await chat.rows(Conversation, Conversation.customer_id == chat.loaded.customers["juan"])
    assert conversation.role == "customer"


class _RefusesToRead:
    """An NLU that must not be asked: tapped options carry their meaning in their ids."""

    name = "none"

    async def understand(self, text: str, context: NluContext) -> Understanding:
        raise AssertionError(f"the NLU was asked to read {text!r}")


async def test_tapped_options_are_understood_from_their_ids_without_the_nlu(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("juan", "un corte mañana")
    chat.engine = Engine(db, _RefusesToRead(), chat.clock)  # type: ignore[arg-type]
    out = await chat.taps("juan", "slot:2026-03-11T16:00", "4:00 PM")
    assert "¡Listo, Juan!" in texts(out) and chat.engine.stats.failures == 0


async def test_two_customers_racing_for_the_last_slot_one_wins_and_the_other_gets_options(db: Database) -> None:
    business = {
        "name": "Barbería La Esquina",
        "hours": {"sat": ["10:00-12:00"], "sun": ["10:00-12:00"]},
        "settings": {"slot_step_minutes": 60},
        "services": [{"name": "Corte de cabello", "minutes": 60, "price": 130}],
        "people": {
            "memo": {"name": "Guillermo Soto", "phone": "55 6000 7000", "role": "owner"},
            "juan": {"name": "Juan Pérez", "phone": "+52 55 9876 5432", "role": "customer"},
            "ana": {"name": "Ana López", "phone": "55 4444 3333", "role": "customer"},
        },
    }
    chat = await open_chat(db, now="2026-03-12T18:00", business=business)
    a, b = Engine(db, RuleEngine(), chat.clock), Engine(db, RuleEngine(), chat.clock)
    await chat.says("juan", "corte el sábado", engine=a)
    await chat.says("ana", "corte el sábado", engine=b)
    # Both pick 11:00 at the same moment, through two processes.
    out_juan, out_ana = await asyncio.gather(
        chat.says("juan", "a las 11", engine=a), chat.says("ana", "a las 11", engine=b)
    )
    booked = [a for a in await chat.rows(Appointment) if a.status == AppointmentStatus.confirmed]
    assert len(booked) == 1 and booked[0].starts_at == local("2026-03-14T11:00")
    winner, loser = (out_juan, out_ana) if "¡Listo" in texts(out_juan) else (out_ana, out_juan)
    assert "¡Listo" in texts(winner)
    assert "¡Listo" not in texts(loser)
    # Seen taken before booking ("ya están ocupadas") or lost inside the booking ("alguien acaba de ganarte").
    assert "10:00 AM" in texts(loser) and ("ocupadas" in texts(loser) or "ganarte" in texts(loser))
    assert a.stats.failures == b.stats.failures == 0


async def test_two_messages_of_one_customer_at_once_are_both_heard_in_order(db: Database) -> None:
    chat = await open_chat(db)
    a, b = Engine(db, RuleEngine(), chat.clock), Engine(db, RuleEngine(), chat.clock)
    await asyncio.gather(chat.says("juan", "hola", engine=a), chat.says("juan", "¿dónde están?", engine=b))
    [conversation] = await chat.rows(Conversation, Conversation.customer_id == chat.loaded.customers["juan"])
    assert conversation.version == 2
    assert await chat.count(Message, Message.direction == Direction.inbound) == 2
    assert a.stats.failures == b.stats.failures == 0


@pytest.mark.parametrize("stale_after", [120])
async def test_a_request_left_half_way_restarts_politely(db: Database, stale_after: int) -> None:
    chat = await open_chat(db)
    await chat.says("juan", "un corte mañana")
    chat.later(minutes=stale_after + 1)
    out = await chat.says("juan", "a las 4")
    assert texts(out).startswith("¡Hola de nuevo! Como pasó un rato, empecemos otra vez.")
    assert await chat.count(Appointment) == 0


async def test_two_customers_moving_their_appointments_to_the_same_last_slot(db: Database) -> None:
    business = {
        "name": "Barbería La Esquina",
        "hours": {"sat": ["10:00-12:00"], "sun": ["10:00-12:00"]},
        "settings": {"slot_step_minutes": 60},
        "services": [{"name": "Corte de cabello", "minutes": 60, "price": 130}],
        "people": {
            "memo": {"name": "Guillermo Soto", "phone": "55 6000 7000", "role": "owner"},
            "juan": {"name": "Juan Pérez", "phone": "+52 55 9876 5432", "role": "customer"},
            "ana": {"name": "Ana López", "phone": "55 4444 3333", "role": "customer"},
        },
        "appointments": [
            {"customer": "juan", "service": "Corte de cabello", "start": "2026-03-14T10:00"},
            {"customer": "ana", "service": "Corte de cabello", "start": "2026-03-14T11:00"},
        ],
    }
    chat = await open_chat(db, now="2026-03-12T18:00", business=business)
    a, b = Engine(db, RuleEngine(), chat.clock), Engine(db, RuleEngine(), chat.clock)
    await chat.says("juan", "quiero cambiar mi cita para el domingo", engine=a)
    await chat.says("ana", "quiero cambiar mi cita para el domingo", engine=b)
    out_juan, out_ana = await asyncio.gather(
        chat.says("juan", "a las 10", engine=a), chat.says("ana", "a las 10", engine=b)
    )
    appointments = await chat.rows(Appointment)
    assert len(appointments) == 2  # moved, never duplicated
    assert sorted(a.starts_at for a in appointments) in (
        [local("2026-03-14T10:00"), local("2026-03-15T10:00")],
        [local("2026-03-14T11:00"), local("2026-03-15T10:00")],
    )
    moved = [out for out in (out_juan, out_ana) if "cambié tu cita" in texts(out)]
    assert len(moved) == 1
    loser = out_ana if moved[0] is out_juan else out_juan
    assert "11:00 AM" in texts(loser) and ("ocupadas" in texts(loser) or "ganarte" in texts(loser))


async def test_someone_known_only_by_a_business_scoped_id_is_answered_at_that_id(db: Database) -> None:
    chat = await open_chat(db)
    event = InboundEvent(
        organization_id=chat.loaded.organization_id, bsuid="MX.9f8e7d", timestamp=chat.clock.now(), text="Hola"
    )
    out = await chat.engine.handle(event)
    assert [m.to for m in out] == ["MX.9f8e7d"] and "Barbería El Centro" in texts(out)
    [customer] = await chat.rows(Customer, Customer.bsuid == "MX.9f8e7d")
    assert customer.phone is None


async def test_a_question_only_the_owner_can_answer_is_passed_on_once_and_answered_once(db: Database) -> None:
    chat = await open_chat(db)
    out = await chat.says("juan", "¿aceptan tarjeta?")
    to_juan = [m for m in out if m.to == "525598765432"]
    to_owner = [m for m in out if m.to != "525598765432"]
    assert len(to_juan) == 1 and "te contacte" in to_juan[0].plain_text()
    assert len(to_owner) == 1 and "aceptan tarjeta" in to_owner[0].plain_text()


async def test_staff_unblock_a_day_and_the_time_is_bookable_again(db: Database) -> None:
    chat = await open_chat(db)
    out = await chat.says("5215520203030", "bloquea mañana de 2 a 3 para mi comida")
    assert "bloqueé" in texts(out)
    assert await chat.count(TimeBlock) == 1
    out = await chat.says("5215520203030", "quita el bloqueo")  # no day: the upcoming blocks are listed
    assert "¿Cuál quito?" in texts(out) and await chat.count(TimeBlock) == 1
    out = await chat.says("5215520203030", "desbloquea pasado mañana")
    assert "nada bloqueado" in texts(out) and await chat.count(TimeBlock) == 1
    out = await chat.says("5215520203030", "desbloquea mañana")
    assert "quité el bloqueo" in texts(out)
    assert await chat.count(TimeBlock) == 0


async def test_staff_taking_a_block_back_in_other_words_unblocks_it(db: Database) -> None:
    chat = await open_chat(db)  # a Tuesday: «el jueves» is the 12th
    out = await chat.says("5215520203030", "bloquea el jueves de 4 a 6, voy al doctor")
    assert "bloqueé" in texts(out) and await chat.count(TimeBlock) == 1
    out = await chat.says("5215520203030", "oye siempre no, libera ese hueco del jueves")
    assert "quité el bloqueo" in texts(out) and "¿De qué cliente?" not in texts(out)
    assert await chat.count(TimeBlock) == 0
    await chat.says("5215520203030", "bloquea mañana en la tarde")
    assert await chat.count(TimeBlock) == 1
    out = await chat.says("5215520203030", "ya no voy al doctor, ábreme la tarde de mañana")
    assert "quité el bloqueo" in texts(out) and await chat.count(TimeBlock) == 0
