"""Delivery statuses: stored per message, never downgraded, and a failure is acted on."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from bot.whatsapp.payloads import split_envelope
from bot.whatsapp.statuses import moves_forward
from flows.core.messages import OutboundMessage, TemplateCall
from store.channel import InboxEvent, OutboxMessage, OutboxStatus
from store.conversations import Message
from tests.whatsapp.conftest import config_for
from tests.whatsapp.support import (
    RecordingEngine,
    connect_business,
    corpus,
    customer_conversation,
    queue_message,
    seed_business,
)

CUSTOMER = "5215598765432"
OWNER = "525512345678"


def status_payload(state: str, wamid: str, *, error_code: int | None = None, timestamp: int = 1_767_000_100) -> dict:
    """The corpus's status webhook for `state`, about message `wamid`."""
    payload = copy.deepcopy(corpus()[f"message_status/{'failed' if state == 'failed' else state}"])
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(id=wamid, recipient_id=CUSTOMER, timestamp=str(timestamp))
    if error_code is not None:
        status["errors"] = [
            {"code": error_code, "title": "Re-engagement message" if error_code == 131047 else "Message undeliverable"}
        ]
    return payload


async def _sent_message(db, channel, organization_id, message: OutboundMessage, last_inbound_at) -> tuple:
    conversation = await customer_conversation(db, organization_id, CUSTOMER, last_inbound_at=last_inbound_at)
    row_id, message_id = await queue_message(db, organization_id, message, conversation_id=conversation.id)
    await channel.outbox.drain()
    async with db.transaction() as session:
        row = await session.get(OutboxMessage, row_id)
    assert row.status == OutboxStatus.sent
    return row, message_id


async def _message(db, message_id) -> Message:
    async with db.transaction() as session:
        return await session.get(Message, message_id)


async def _deliver(channel, payload) -> None:
    await channel.ingest(split_envelope(payload), datetime.now(timezone.utc))
    await channel.settle()


def test_a_status_only_moves_a_message_forward() -> None:
    assert moves_forward(None, "sent") and moves_forward("sent", "delivered") and moves_forward("delivered", "read")
    assert moves_forward("sent", "read") and moves_forward("read", "played")
    assert (
        not moves_forward("read", "delivered")
        and not moves_forward("delivered", "sent")
        and not moves_forward("read", "failed")
    )
    assert moves_forward("sent", "failed") and not moves_forward("delivered", "failed")
    assert not moves_forward("sent", "deleted")  # an unknown state is not news


async def test_read_beats_delivered_whatever_order_they_arrive_in(db, make_channel, fake_graph) -> None:
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    _, channel = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    row, message_id = await _sent_message(
        db, channel, loaded.organization_id, OutboundMessage(to=CUSTOMER, text="hola"), datetime.now(timezone.utc)
    )
    for state in ("read", "delivered", "sent"):
        await _deliver(channel, status_payload(state, row.wa_message_id))
    assert (await _message(db, message_id)).status == "read"
    await _deliver(channel, status_payload("played", row.wa_message_id))
    assert (await _message(db, message_id)).status == "played"


async def test_a_failed_confirmation_is_marked_failed_and_the_owner_told(db, make_channel, fake_graph) -> None:
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    _, channel = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    confirmation = OutboundMessage(to=CUSTOMER, text="Tu cita quedó confirmada", purpose="confirmation")
    row, message_id = await _sent_message(db, channel, loaded.organization_id, confirmation, datetime.now(timezone.utc))
    await _deliver(channel, status_payload("failed", row.wa_message_id, error_code=131026))
    recorded = await _message(db, message_id)
    assert recorded.status == "failed" and recorded.error["code"] == 131026
    async with db.transaction() as session:
        failed = await session.get(OutboxMessage, row.id)
        notices = list((await session.execute(select(OutboxMessage).where(OutboxMessage.to_wa_id == OWNER))).scalars())
    assert failed.status == OutboxStatus.failed and failed.last_error.startswith("131026")
    assert [notice.body["purpose"] for notice in notices] == ["delivery_problem"]
    assert notices[0].status == OutboxStatus.sent
    await _deliver(channel, status_payload("failed", row.wa_message_id, error_code=131026, timestamp=1_767_000_200))
    async with db.transaction() as session:
        assert (
            len(list((await session.execute(select(OutboxMessage).where(OutboxMessage.to_wa_id == OWNER))).scalars()))
            == 1
        )


async def test_a_message_that_failed_for_the_closed_window_is_resent_as_its_template(
    db, make_channel, fake_graph
) -> None:
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    _, channel = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    reminder = OutboundMessage(
        to=CUSTOMER,
        text="Te recuerdo tu cita",
        purpose="reminder",
        template=TemplateCall(
            name="appointment_reminder", body_params=["Juan", "Barbería", "mañana", "4:00 PM", "Corte"]
        ),
    )
    row, message_id = await _sent_message(
        db, channel, loaded.organization_id, reminder, datetime.now(timezone.utc) - timedelta(hours=23, minutes=40)
    )
    assert fake_graph.messages()[-1]["type"] == "text"
    await _deliver(channel, status_payload("failed", row.wa_message_id, error_code=131047))
    assert fake_graph.messages()[-1]["type"] == "template"
    async with db.transaction() as session:
        resent = (await session.execute(select(OutboxMessage).where(OutboxMessage.id != row.id))).scalar_one()
    assert resent.status == OutboxStatus.sent and resent.body["channel"]["force_template"] is True
    recorded = await _message(db, message_id)
    assert (recorded.status, recorded.wa_message_id) == ("sent", resent.wa_message_id)


async def test_a_status_that_overtakes_the_outbox_waits_for_the_message_id(db, make_channel, fake_graph) -> None:
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    _, channel = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    row, message_id = await _sent_message(
        db, channel, loaded.organization_id, OutboundMessage(to=CUSTOMER, text="hola"), datetime.now(timezone.utc)
    )
    async with db.transaction() as session:  # as if the outbox had not committed the id yet
        await session.execute(update(Message).where(Message.id == message_id).values(wa_message_id=None))
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(wa_message_id=None))
    await _deliver(channel, status_payload("delivered", row.wa_message_id))
    async with db.transaction() as session:
        waiting = (await session.execute(select(InboxEvent).where(InboxEvent.kind == "status"))).scalar_one()
        assert waiting.processed_at is None
        await session.execute(update(Message).where(Message.id == message_id).values(wa_message_id=row.wa_message_id))
    await channel.inbox.sweep()
    await channel.settle()
    assert (await _message(db, message_id)).status == "delivered"
