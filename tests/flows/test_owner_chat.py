"""The owner's chat runs two machines on one conversation (administration and staff), on both databases."""

from __future__ import annotations

from flows.engine import Engine
from flows.owner.chat import OwnerChat
from flows.owner.flow import OwnerFlow
from flows.roles import machines
from flows.staff.flow import StaffFlow
from nlu.rules import RuleEngine
from store.database import Database
from store.models import Conversation, Staff
from tests.flows.conversation import Chat, open_chat, texts


def test_the_owner_runs_one_machine_with_every_staff_task_and_the_business() -> None:
    assert OwnerChat.flows() == (OwnerFlow,)
    assert OwnerChat.knows_state("asking_staff_phone") and OwnerChat.knows_state("asking_walk_in_phone")
    assert not OwnerChat.knows_state("asking_name")  # a customer's step
    # The staff tasks are the same declaration in both machines, not copies that drift apart.
    staff_states = set(StaffFlow.states_map) - {"ready", "busy"}
    assert staff_states <= set(OwnerFlow.states_map)
    assert OwnerChat.at_rest("ready") and not OwnerChat.at_rest("confirming_hours")
    assert {"StaffFlow", "OwnerFlow", "OnboardingFlow", "CustomerFlow"} <= set(machines())


async def _owner_state(chat: Chat) -> str | None:
    [conversation] = await chat.rows(Conversation, Conversation.staff_id == chat.loaded.staff["rosa"])
    return conversation.flow_state


async def test_an_owner_who_does_not_cut_registers_a_walk_in_with_whoever_is_free(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("rosa", "llegó alguien para barba")
    await chat.says("rosa", "sin teléfono")
    out = await chat.says("rosa", "Beto")
    assert "Listo ✓ Registré a Beto para Arreglo de barba ahora a las 11:00 AM con Pedro." in texts(out)
    assert "Nueva cita contigo" in texts(out, to="525520203030")  # Pedro is told


async def test_a_request_for_the_other_machine_mid_step_drops_the_step_and_is_heard_at_rest(db: Database) -> None:
    chat = await open_chat(db)
    await chat.says("rosa", "llegó alguien para barba")
    assert await _owner_state(chat) == "asking_walk_in_phone"  # a staff task
    out = await chat.says("rosa", "quiero agregar un nuevo empleado")
    assert "1. ¿Cómo se llama?" in texts(out) and "lo dejamos ahí" not in texts(out)
    assert await _owner_state(chat) == "asking_staff_name"  # running the business
    out = await chat.says("rosa", "¿qué tengo hoy?")
    assert "esta es tu agenda de hoy" in texts(out)
    assert await _owner_state(chat) == "ready"


async def test_another_process_continues_the_owners_administration(db: Database) -> None:
    chat = await open_chat(db)
    other = Engine(db, RuleEngine(), chat.clock)
    await chat.says("rosa", "agrega a Fernando Díaz como barbero")
    await chat.says("rosa", "55 4545 4545", engine=other)
    await chat.says("rosa", "todos")
    out = await chat.says("rosa", "sí", engine=other)
    assert "Agregué a Fernando Díaz (55 4545 4545) como empleado ✓" in texts(out)
    [fernando] = await chat.rows(Staff, Staff.phone == "+525545454545")
    assert fernando.active and fernando.offers_all_services


async def test_an_employee_never_reaches_the_owners_administration(db: Database) -> None:
    chat = await open_chat(db)
    out = await chat.says("pedro", "quiero agregar un nuevo empleado")
    assert "no te entendí" in texts(out) and "¿Cómo se llama?" not in texts(out)
    out = await chat.says("pedro", "súbele el corte a 180")
    assert "Corte de cabello ahora cuesta" not in texts(out)
    assert await chat.count(Staff) == 2
