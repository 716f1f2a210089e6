"""Signing a business up on Yume's own number, against the real store on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from sqlalchemy import select

from flows.core.events import InboundEvent
from store.database import Database
from store.models import (
    Conversation,
    Location,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    ServiceType,
    Staff,
    StaffRole,
)
from store.signup_links import find_signup_link
from tests.flows.conversation import Chat, open_chat, texts

YUME = {
    "name": "Yume",
    "platform": True,
    "people": {"equipo": {"name": "Equipo Yume", "phone": "+52 55 5000 0000", "role": "owner", "services": []}},
}
PROSPECT = "5215512345678"
SIGN_UP = [
    "Hola",
    "Estética Lupita",
    "Guadalupe Torres",
    "Corte de dama, 250, 1 hora",
    "ya",
    "martes a sábado de 10 a 7",
    "listo",
    "no",
]


async def _signed_up(chat: Chat, messages: list[str] = SIGN_UP) -> str:
    said = ""
    for text in messages:
        said = texts(await chat.says(PROSPECT, text))
    return said


async def _business(chat: Chat) -> Organization:
    async with chat.db.transaction() as session:
        found = (
            (await session.execute(select(Organization).where(Organization.name == "Estética Lupita"))).scalars().one()
        )
        session.expunge(found)
        return found


async def test_a_stranger_on_yumes_number_signs_a_business_up_and_becomes_its_owner(db: Database) -> None:
    chat = await open_chat(db, business=YUME, base_url="https://citas.example.mx/")
    said = await _signed_up(chat)
    business = await _business(chat)
    assert (business.kind, business.status) == (OrganizationKind.business, OrganizationStatus.onboarding)
    match = re.search(r"https://citas\.example\.mx/connect/([\w-]+)", said)
    assert match, said
    async with db.transaction() as session:
        link = await find_signup_link(session, match.group(1))
        assert link is not None and link.organization_id == business.id and link.state(chat.clock.now()) == "open"
    [owner] = await chat.rows(Staff, Staff.organization_id == business.id)
    assert (owner.name, owner.phone, owner.role) == ("Guadalupe Torres", "+525512345678", StaffRole.owner)
    [service] = await chat.rows(ServiceType, ServiceType.organization_id == business.id)
    assert (service.name, service.price_cents, service.duration_minutes) == ("Corte de dama", 25_000, 60)
    [location] = await chat.rows(Location, Location.organization_id == business.id)
    assert location.business_hours["sat"] == [["10:00", "19:00"]] and location.business_hours["mon"] == []
    [conversation] = await chat.rows(Conversation, Conversation.organization_id == chat.loaded.organization_id)
    assert (conversation.role, conversation.flow_state) == ("onboarding", "connecting")


async def test_yumes_own_team_chats_as_staff_not_as_a_business_signing_up(db: Database) -> None:
    chat = await open_chat(db, business=YUME)
    out = await chat.says("equipo", "hola")
    assert "¡Hola Equipo!" in texts(out) and "¿Cómo se llama tu negocio?" not in texts(out)


async def test_a_sign_up_left_for_days_goes_on_where_it_was(db: Database) -> None:
    chat = await open_chat(db, business=YUME)
    await _signed_up(chat, SIGN_UP[:4])
    chat.later(days=3)
    out = await chat.says(PROSPECT, "Tinte, 600, 2 horas")
    assert "• Tinte – $600 (2 h)" in texts(out) and "empecemos otra vez" not in texts(out)


async def test_a_sign_up_resumes_from_the_store_when_the_chat_forgot_everything(db: Database) -> None:
    chat = await open_chat(db, business=YUME)
    await _signed_up(chat, SIGN_UP[:4])
    async with db.transaction() as session:
        conversation = (await session.execute(select(Conversation))).scalars().one()
        conversation.flow_state, conversation.flow_data = None, {}
    out = await chat.says(PROSPECT, "hola")
    # The name, the owner and the first service are kept: the first thing still missing is the hours.
    assert "¿Qué días y a qué hora abren?" in texts(out)
    assert await chat.count(ServiceType, ServiceType.name == "Corte de dama") == 1


async def test_after_connecting_the_owner_is_told_so_and_is_the_owner_on_their_own_number(db: Database) -> None:
    chat = await open_chat(db, business=YUME)
    await _signed_up(chat)
    business = await _business(chat)
    async with db.transaction() as session:  # what the Embedded Signup page does when it completes
        stored = await session.get(Organization, business.id)
        assert stored is not None
        stored.status = OrganizationStatus.active
    out = await chat.says(PROSPECT, "ya quedó?")
    assert "¡Estética Lupita ya está conectado ✓!" in texts(out)
    event = InboundEvent(organization_id=business.id, wa_id=PROSPECT, timestamp=chat.clock.now(), text="hola")
    out = await chat.engine.handle(event)
    assert "¡Hola Guadalupe!" in texts(out) and "«agrega a un empleado»" in texts(out)
