"""Coexistence: owner echoes hand the chat off, the phone's contacts name customers, history is
imported once in any order, and account updates follow the connection."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update

from bot.whatsapp.transport import DevTransport
from store.conversations import Conversation, ConversationStatus, Direction, Message, SenderType
from store.models import Customer, NameSource, Organization, OrganizationStatus
from tests.whatsapp.support import RecordingEngine, corpus, envelope, post_webhook, seed_business, text_message

CUSTOMER = "5215598765432"  # how the customer's messages arrive (with the Mexican mobile 1)
ECHO_VARIANT = "525598765432"  # how the owner's echoes may name the same person


def echo_payload(to: str, text: str, message_id: str, timestamp: int) -> dict[str, Any]:
    """The corpus's echo, addressed to a real customer."""
    payload = copy.deepcopy(corpus()["message_echoes/text"])
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = "1122334455667"
    value["contacts"] = [{"profile": {"name": "Juan"}, "wa_id": to}]
    value["message_echoes"][0].update(to=to, id=message_id, timestamp=str(timestamp), text={"body": text})
    value["message_echoes"][0].pop("to_user_id", None)
    return payload


def sync_payload(*contacts: tuple[str, str | None, str]) -> dict[str, Any]:
    items = [
        {
            "type": "contact",
            "contact": {"full_name": name, "first_name": (name or "").split(" ")[0] or None, "phone_number": phone},
            "action": action,
            "metadata": {"timestamp": "1767000000"},
        }
        for phone, name, action in contacts
    ]
    return envelope("smb_app_state_sync", {"state_sync": items})


def history_payload(chunk_order: int, messages: list[tuple[str, str, int, str]], phase: int = 0) -> dict[str, Any]:
    """One history chunk with one thread for the customer: (id, from, timestamp, text) per message."""
    thread = {
        "id": CUSTOMER,
        "messages": [
            {
                "from": sender,
                "to": CUSTOMER if sender != CUSTOMER else "525512345678",
                "id": message_id,
                "timestamp": str(ts),
                "type": "text",
                "text": {"body": text},
                "history_context": {"status": "READ"},
            }
            for message_id, sender, ts, text in messages
        ],
    }
    chunk = {
        "metadata": {"phase": phase, "chunk_order": chunk_order, "progress": 50 * chunk_order},
        "threads": [thread],
    }
    payload = envelope("history", {"history": [chunk]})
    payload["entry"][0]["changes"][0]["value"]["metadata"]["display_phone_number"] = "525512345678"
    return payload


async def _customers(db) -> dict[str, Customer]:
    async with db.transaction() as session:
        return {customer.phone: customer for customer in (await session.execute(select(Customer))).scalars()}


async def test_an_owner_echo_records_the_message_hands_off_and_silences_yume(db, make_channel) -> None:
    await seed_business(db)
    transport = DevTransport()
    client, channel = await make_channel(transport=transport)
    assert (
        await post_webhook(client, text_message("Hola, ¿tienen lugar hoy?", wa_id=CUSTOMER, message_id="wamid.in1"))
    ).status == 200
    await channel.settle()
    assert [m.to for m in transport.messages] == [CUSTOMER], "Yume answers at first"

    echo = echo_payload(ECHO_VARIANT, "Hola Juan, soy Carlos. Te atiendo yo 👋", "wamid.echo1", 1_767_000_010)
    assert (await post_webhook(client, echo)).status == 200
    await channel.settle()
    assert (
        await post_webhook(
            client, text_message("Perfecto, gracias", wa_id=CUSTOMER, message_id="wamid.in2", timestamp=1_767_000_020)
        )
    ).status == 200
    await channel.settle()
    assert len(transport.messages) == 1, "after the echo Yume stays silent with this customer"
    async with db.transaction() as session:
        conversation = (
            await session.execute(select(Conversation).where(Conversation.customer_id.is_not(None)))
        ).scalar_one()
        echoed = (await session.execute(select(Message).where(Message.wa_message_id == "wamid.echo1"))).scalar_one()
        later = (await session.execute(select(Message).where(Message.wa_message_id == "wamid.in2"))).scalar_one()
    assert conversation.status == ConversationStatus.handed_off
    assert (echoed.sender_type, echoed.text, echoed.conversation_id) == (
        SenderType.owner_app,
        "Hola Juan, soy Carlos. Te atiendo yo 👋",
        conversation.id,
    )
    assert later.conversation_id == conversation.id, "the customer's later message is stored for the owner to see"


async def test_the_phones_contacts_create_and_name_customers_but_never_overwrite_their_own_name(
    db, make_channel
) -> None:
    loaded = await seed_business(db)  # Miguel Sánchez gave his own name
    async with db.transaction() as session:
        session.add(
            Customer(
                organization_id=loaded.organization_id,
                phone="+525511112222",
                name="JP 🔥",
                name_source=NameSource.whatsapp_profile,
            )
        )
    client, channel = await make_channel(engine=RecordingEngine(db))
    payload = sync_payload(
        ("+52 1 55 3333 4444", "Ana López", "add"),  # new: created with the phone book's name
        ("5215543218765", "Miguel Barba Martes", "add"),  # the customer's own name stays
        ("525511112222", "Juan Pablo Ríos", "add"),  # a WhatsApp profile name gives way to the phone book
        ("55 2020 3030", "Pedro (barbero)", "add"),  # staff are not customers
        ("5215577778888", "Se fue", "remove"),
    )
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    customers = await _customers(db)
    assert (customers["+525533334444"].name, customers["+525533334444"].name_source) == (
        "Ana López",
        NameSource.contacts,
    )
    assert (customers["+525543218765"].name, customers["+525543218765"].name_source) == (
        "Miguel Sánchez",
        NameSource.customer,
    )
    assert (customers["+525511112222"].name, customers["+525511112222"].name_source) == (
        "Juan Pablo Ríos",
        NameSource.contacts,
    )
    assert "+525520203030" not in customers and "+525577778888" not in customers


async def test_history_chunks_import_once_in_any_order_without_opening_the_window(db, make_channel) -> None:
    await seed_business(db)
    client, channel = await make_channel(engine=RecordingEngine(db))
    first = history_payload(
        1,
        [
            ("wamid.h1", CUSTOMER, 1_760_000_000, "¿Tienen cita el sábado?"),
            ("wamid.h2", "525512345678", 1_760_000_060, "Sí, a las 11"),
        ],
    )
    second = history_payload(
        2,
        [
            ("wamid.h2", "525512345678", 1_760_000_060, "Sí, a las 11"),
            ("wamid.h3", CUSTOMER, 1_760_000_120, "Va, gracias"),
        ],
    )
    declined = envelope(
        "history", {"history": [{"metadata": {"phase": 0}, "errors": [{"code": 2593109, "title": "declined"}]}]}
    )
    for payload in (second, first, second, declined):  # later chunk first, a re-delivery, and a refusal
        assert (await post_webhook(client, payload)).status == 200
        await channel.settle()
    async with db.transaction() as session:
        messages = list((await session.execute(select(Message).order_by(Message.created_at))).scalars())
        conversation = (await session.execute(select(Conversation))).scalar_one()
    assert [(m.wa_message_id, m.direction, m.sender_type, m.text) for m in messages] == [
        ("wamid.h1", Direction.inbound, SenderType.customer, "¿Tienen cita el sábado?"),
        ("wamid.h2", Direction.outbound, SenderType.owner_app, "Sí, a las 11"),
        ("wamid.h3", Direction.inbound, SenderType.customer, "Va, gracias"),
    ]
    assert messages[0].created_at == datetime.fromtimestamp(1_760_000_000, tz=timezone.utc)
    assert conversation.last_inbound_at is None, "past chats never open the 24-hour window"
    assert "+525598765432" in await _customers(db)


async def test_account_updates_follow_the_connection_of_the_number(db, make_channel) -> None:
    loaded = await seed_business(db, waba_id="980198427658004")  # the account in the corpus's disconnection
    client, channel = await make_channel(engine=RecordingEngine(db))

    async def status_after(case: str) -> str:
        assert (await post_webhook(client, corpus()[f"account_update/{case}"])).status == 200
        await channel.settle()
        async with db.transaction() as session:
            return (await session.get(Organization, loaded.organization_id)).status

    assert await status_after("partner_removed_wa_app_disconnection") == OrganizationStatus.suspended
    async with db.transaction() as session:
        await session.execute(update(Organization).values(waba_id="102290129340398"))  # the account of the other cases
    assert await status_after("account_reconnected") == OrganizationStatus.active
    assert await status_after("account_restriction") == OrganizationStatus.active  # logged, nothing to change
    assert await status_after("account_offboarded") == OrganizationStatus.suspended
