"""No message is dropped silently: it is answered, or set aside with its error for an operator.

Each case is something a sender (or a bug) can put in a real delivery that used to end with the
inbox row marked processed and nothing else: no message row, no reply, no error. Real engine,
both databases (PostgreSQL enforces the column lengths SQLite ignores).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.whatsapp.inbox import MAX_ATTEMPTS, SET_ASIDE
from bot.whatsapp.transport import DevTransport
from store.channel import InboxEvent, requeue, set_aside_events
from store.conversations import Direction, Message
from store.models import Customer
from tests.whatsapp.support import post_webhook, seed_business, text_message

T0 = 1_767_000_000


def _message(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["entry"][0]["changes"][0]["value"]["messages"][0]


async def _rows(db) -> list[InboxEvent]:
    async with db.transaction() as session:
        return list((await session.execute(select(InboxEvent).order_by(InboxEvent.received_at))).scalars())


async def _inbound(db) -> list[Message]:
    async with db.transaction() as session:
        return list((await session.execute(select(Message).where(Message.direction == Direction.inbound))).scalars())


@pytest.fixture
async def channel(db, make_channel):
    await seed_business(db)
    transport = DevTransport()
    client, channel = await make_channel(transport=transport)
    return client, channel, transport


def _replies_to(transport: DevTransport, wa_id: str) -> list[dict[str, Any]]:
    return [message.payload for message in transport.messages if message.to == wa_id]


async def test_a_message_type_longer_than_its_column_is_answered_as_unsupported(db, channel) -> None:
    client, channel, transport = channel
    payload = text_message("x", message_id="wamid.long-type")
    message = _message(payload)
    message["type"] = "interactive_carousel_v2_beta"  # 28 characters: Message.content_type holds 20
    del message["text"]
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    assert _replies_to(transport, "5215512345678"), "the person got an answer"
    [stored] = await _inbound(db)
    assert stored.content_type == "interactive_carousel"  # bounded at the edge
    [row] = await _rows(db)
    assert row.processed_at is not None and row.failed_at is None


async def test_a_message_id_longer_than_its_column_is_answered_once(db, channel) -> None:
    client, channel, transport = channel
    payload = text_message("¿Cuánto cuesta el corte?", message_id="wamid." + "A" * 300)
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    assert len(_replies_to(transport, "5215512345678")) == 1
    assert (await post_webhook(client, payload)).status == 200  # Meta delivers it again
    await channel.settle()
    assert len(_replies_to(transport, "5215512345678")) == 1, "a duplicate is still a duplicate"
    [stored] = await _inbound(db)
    assert len(stored.wa_message_id) <= 255
    assert [row.processed_at is not None for row in await _rows(db)] == [True]


async def test_a_sender_id_too_long_to_be_whatsapps_is_set_aside_with_the_reason(db, channel) -> None:
    client, channel, transport = channel
    payload = text_message("hola", message_id="wamid.long-from", wa_id="5215512345678" * 3)  # 39 digits
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    assert list(transport.messages) == []  # there is no one Yume could answer
    [row] = await _rows(db)
    assert row.processed_at is None and row.failed_at is not None, "set aside, never marked done"
    assert row.last_error.startswith(f"{SET_ASIDE}: no usable sender id (from 39 characters")
    async with db.transaction() as session:
        assert [event.id for event in await set_aside_events(session)] == [row.id]


async def test_a_bsuid_another_customer_holds_does_not_stop_the_answer(db, channel) -> None:
    client, channel, transport = channel
    juan = text_message("Hola", message_id="wamid.b0", wa_id="5215598765432")  # a customer with no BSUID yet
    other = text_message("Hola", message_id="wamid.b1", wa_id="5215511112222", timestamp=T0 + 1)
    other["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] = "MX.777"
    for payload in (juan, other):
        assert (await post_webhook(client, payload)).status == 200
        await channel.settle()
    answered = len(_replies_to(transport, "5215598765432"))
    # Juan's number now arrives with the BSUID the other customer holds (a phone that changed hands).
    again = text_message("¿Cuánto cuesta el corte?", message_id="wamid.b2", wa_id="5215598765432", timestamp=T0 + 2)
    again["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] = "MX.777"
    assert (await post_webhook(client, again)).status == 200
    await channel.settle()
    assert len(_replies_to(transport, "5215598765432")) > answered, "Juan got an answer"
    assert all(row.processed_at is not None and row.failed_at is None for row in await _rows(db))
    async with db.transaction() as session:
        holders = (await session.execute(select(Customer.phone).where(Customer.bsuid == "MX.777"))).scalars().all()
    assert holders == ["+525511112222"], "the BSUID stays with the customer who had it"


async def test_an_edit_of_a_message_with_an_absurdly_long_id_is_answered_at_once(db, channel) -> None:
    client, channel, transport = channel
    edit = text_message("ignored", message_id="wamid.edit-long", timestamp=T0 + 5)
    message = _message(edit)
    message.update(
        type="edit",
        edit={"original_message_id": "wamid." + "B" * 400, "message": {"type": "text", "text": {"body": "hola"}}},
    )
    del message["text"]
    assert (await post_webhook(client, edit)).status == 200
    await channel.settle()
    assert _replies_to(transport, "5215512345678"), "the edited text got its answer"
    rows = await _rows(db)
    assert all(row.attempts == 0 and row.failed_at is None for row in rows), [(r.event_key, r.last_error) for r in rows]
    assert all(len(row.event_key) <= 300 for row in rows)


async def test_a_turn_whose_apology_cannot_be_recorded_either_is_kept_retried_and_set_aside(
    db, channel, monkeypatch
) -> None:
    client, channel, transport = channel

    async def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the outbox table is gone")

    monkeypatch.setattr("flows.engine.record_outbound", broken)  # the turn and its apology both write through it
    payload = text_message("Hola, quiero una cita", message_id="wamid.lost")
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    [row] = await _rows(db)
    assert row.processed_at is None and row.failed_at is None and row.attempts == 1
    assert "the outbox table is gone" in row.last_error
    for _ in range(MAX_ATTEMPTS - 1):
        await channel.inbox.sweep()
        await channel.settle()
    [row] = await _rows(db)
    assert row.processed_at is None and row.failed_at is not None and row.attempts == MAX_ATTEMPTS
    assert row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts: TurnNotRecorded")
    assert await _inbound(db) == [] and list(transport.messages) == []

    monkeypatch.undo()  # the operator fixed the cause and replays it
    async with db.transaction() as session:
        assert await requeue(session, [row.id]) == 1
    await channel.inbox.sweep()
    await channel.settle()
    [row] = await _rows(db)
    assert row.processed_at is not None and row.failed_at is None
    assert [message.wa_message_id for message in await _inbound(db)] == ["wamid.lost"]
    assert _replies_to(transport, "5215512345678"), "answered after the replay"


async def test_a_message_recorded_by_an_older_version_before_a_crash_is_not_answered_twice(db, channel) -> None:
    client, channel, transport = channel
    payload = text_message("¿A qué hora abren?", message_id="wamid.upgrade")
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    answered = len(transport.messages)
    # Before this version the inbox marked rows in a transaction of its own, after the engine's:
    # a crash in between left the message recorded and its row pending.
    async with db.transaction() as session:
        row = (await session.execute(select(InboxEvent))).scalar_one()
        row.processed_at = None
    await channel.inbox.sweep()
    await channel.settle()
    assert len(transport.messages) == answered, "no second answer"
    [row] = await _rows(db)
    assert row.processed_at is not None


async def test_every_reason_to_set_aside_is_listed_and_all_can_be_replayed(db, channel) -> None:
    client, channel, _ = channel
    for index in range(3):
        payload = text_message("hola", message_id=f"wamid.noone-{index}", timestamp=T0 + index)
        del _message(payload)["from"]
        payload["entry"][0]["changes"][0]["value"]["contacts"] = []
        assert (await post_webhook(client, copy.deepcopy(payload))).status == 200
    await channel.settle()
    async with db.transaction() as session:
        aside = await set_aside_events(session)
        assert [json.loads(json.dumps(row.payload))["message"]["id"] for row in aside] == [
            "wamid.noone-0",
            "wamid.noone-1",
            "wamid.noone-2",
        ]
        assert await requeue(session, None) == 3
        assert await set_aside_events(session) == []
