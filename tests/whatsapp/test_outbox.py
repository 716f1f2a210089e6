"""The outbox against the fake Graph API: retries with backoff, template fallback, permanent failures."""

from __future__ import annotations

import asyncio
import random
import re
import time
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlalchemy import event, select, update

from bot.whatsapp.client import CloudApiClient
from bot.whatsapp.outbox import OutboxSender
from bot.whatsapp.ratelimit import PerNumberRateLimit
from bot.whatsapp.templates import TemplateCatalog
from bot.whatsapp.transport import CloudTransport
from flows.core.messages import Button, OutboundMessage, TemplateCall
from flows.core.outbound import Outgoing, record_outbound
from scheduler.clock import FrozenClock
from store.channel import OutboxMessage, OutboxStatus
from store.conversations import Message
from store.models import Organization, OrganizationStatus
from store.people import Customer
from tests.whatsapp.support import SECRET_KEY, connect_business, customer_conversation, queue_message, seed_business

NOW = datetime(2026, 1, 14, 18, 0, tzinfo=timezone.utc)
CUSTOMER = "5215598765432"
OWNER = "525512345678"  # Carlos, the owner of the example business
REMINDER = TemplateCall(
    name="appointment_reminder",
    body_params=["Juan", "Barbería Don Carlos", "mañana", "4:00 PM", "Corte"],
    quick_replies=["confirm:1", "cancel:1", "move:1"],
)
CONFIRMATION = TemplateCall(
    name="appointment_confirmation",
    body_params=["Juan", "Barbería Don Carlos", "jueves 15 de enero", "4:00 PM", "Corte de cabello ($150)"],
)


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
async def business(db):
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    return loaded.organization_id


def sender_for(db, fake_graph, http, clock, **options) -> OutboxSender:
    transport = CloudTransport(CloudApiClient(http, fake_graph.url), SECRET_KEY)
    options.setdefault("rate_per_second", 1000)
    return OutboxSender(db, transport, clock, templates=TemplateCatalog.load(), **options)


async def _row(db, row_id) -> OutboxMessage:
    async with db.transaction() as session:
        return await session.get(OutboxMessage, row_id)


async def _rows_to(db, wa_id) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.to_wa_id == wa_id).order_by(OutboxMessage.created_at)
                )
            ).scalars()
        )


async def test_a_reply_is_sent_to_the_id_received_and_recorded_with_its_wamid(
    db, fake_graph, http, clock, business
) -> None:
    conversation = await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW - timedelta(minutes=1))
    message = OutboundMessage(to=CUSTOMER, text="¿Qué día te acomoda?", buttons=[Button(id="day:1", title="Mañana")])
    row_id, message_id = await queue_message(db, business, message, conversation_id=conversation.id, created_at=NOW)
    assert await sender_for(db, fake_graph, http, clock).drain() == 1
    [sent] = fake_graph.messages()
    assert sent["to"] == CUSTOMER and sent["type"] == "interactive"
    assert fake_graph.calls("messages")[0].authorization == "Bearer EAAG-test-token"
    row = await _row(db, row_id)
    assert (row.status, row.attempts, row.wa_message_id) == (OutboxStatus.sent, 1, "wamid.FAKE00000001")
    async with db.transaction() as session:
        recorded = await session.get(Message, message_id)
    assert (recorded.wa_message_id, recorded.status) == ("wamid.FAKE00000001", "sent")


async def test_throttling_and_meta_failures_are_retried_with_growing_backoff(
    db, fake_graph, http, clock, business
) -> None:
    await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW)
    row_id, _ = await queue_message(db, business, OutboundMessage(to=CUSTOMER, text="Listo"), created_at=NOW)
    fake_graph.fail(130429, times=1)
    fake_graph.fail(131000, http_status=500, times=1)
    sender = sender_for(db, fake_graph, http, clock)
    await sender.drain()
    first = await _row(db, row_id)
    assert (first.status, first.attempts) == (OutboxStatus.pending, 1)
    assert timedelta(seconds=1.5) <= first.next_attempt_at - NOW <= timedelta(seconds=2.5)
    assert first.last_error.startswith("130429")
    assert await sender.drain() == 0  # not due yet
    clock.advance(timedelta(seconds=3))
    await sender.drain()
    second = await _row(db, row_id)
    assert (second.status, second.attempts) == (OutboxStatus.pending, 2)
    assert timedelta(seconds=3) <= second.next_attempt_at - clock.now() <= timedelta(seconds=5)
    clock.advance(timedelta(seconds=6))
    await sender.drain()
    assert (await _row(db, row_id)).status == OutboxStatus.sent
    assert len(fake_graph.calls("messages")) == 3 and len(fake_graph.messages()) == 1


async def test_a_pair_rate_limit_waits_at_least_six_seconds(db, fake_graph, http, clock, business) -> None:
    await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW)
    row_id, _ = await queue_message(db, business, OutboundMessage(to=CUSTOMER, text="Listo"), created_at=NOW)
    fake_graph.fail(131056)
    await sender_for(db, fake_graph, http, clock).drain()
    assert (await _row(db, row_id)).next_attempt_at - NOW >= timedelta(seconds=6)


async def test_an_error_that_never_clears_fails_after_the_last_attempt(db, fake_graph, http, clock, business) -> None:
    await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW)
    row_id, _ = await queue_message(db, business, OutboundMessage(to=CUSTOMER, text="Listo"), created_at=NOW)
    fake_graph.fail(131016, http_status=503, times=None)
    sender = sender_for(db, fake_graph, http, clock, max_attempts=3)
    for _ in range(5):
        await sender.drain()
        clock.advance(timedelta(minutes=20))
    row = await _row(db, row_id)
    assert (row.status, row.attempts) == (OutboxStatus.failed, 3)
    assert row.last_error.startswith("gave up after 3 attempts: 131016")
    assert len(fake_graph.calls("messages")) == 3


async def test_outside_the_window_the_template_is_chosen_up_front(db, fake_graph, http, clock, business) -> None:
    conversation = await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW - timedelta(hours=30))
    reminder = OutboundMessage(to=CUSTOMER, text="Te recuerdo tu cita de mañana", template=REMINDER, purpose="reminder")
    row_id, _ = await queue_message(db, business, reminder, conversation_id=conversation.id, created_at=NOW)
    await sender_for(db, fake_graph, http, clock).drain()
    [sent] = fake_graph.messages()
    assert sent["type"] == "template" and sent["template"]["name"] == "appointment_reminder"
    assert len(fake_graph.calls("messages")) == 1, "no free-form attempt first"
    assert (await _row(db, row_id)).status == OutboxStatus.sent


async def test_inside_the_window_the_free_form_message_is_sent_even_when_a_template_exists(
    db, fake_graph, http, clock, business
) -> None:
    conversation = await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW - timedelta(hours=2))
    reminder = OutboundMessage(to=CUSTOMER, text="Te recuerdo tu cita de mañana", template=REMINDER, purpose="reminder")
    await queue_message(db, business, reminder, conversation_id=conversation.id, created_at=NOW)
    await sender_for(db, fake_graph, http, clock).drain()
    assert [message["type"] for message in fake_graph.messages()] == ["text"]


async def test_131047_is_answered_by_resending_the_approved_template(db, fake_graph, http, clock, business) -> None:
    conversation = await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW - timedelta(hours=1))
    confirmation = OutboundMessage(
        to=CUSTOMER, text="Tu cita quedó confirmada", template=CONFIRMATION, purpose="confirmation"
    )
    row_id, _ = await queue_message(db, business, confirmation, conversation_id=conversation.id, created_at=NOW)
    fake_graph.fail(131047, message_type="text")  # Meta knows better: the window closed
    await sender_for(db, fake_graph, http, clock).drain()
    assert [call.body["type"] for call in fake_graph.calls("messages")] == ["text", "template"]
    row = await _row(db, row_id)
    assert row.status == OutboxStatus.sent and row.wa_message_id


async def test_a_permanent_error_fails_with_the_reason_and_the_owner_is_told_once(
    db, fake_graph, http, clock, business
) -> None:
    conversation = await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW - timedelta(minutes=5))
    confirmation = OutboundMessage(to=CUSTOMER, text="Tu cita quedó confirmada", purpose="confirmation")
    first_id, message_id = await queue_message(
        db, business, confirmation, conversation_id=conversation.id, created_at=NOW - timedelta(seconds=1)
    )
    second_id, _ = await queue_message(db, business, confirmation, conversation_id=conversation.id, created_at=NOW)
    fake_graph.fail(131026, times=None, to=CUSTOMER, details="Receiver is incapable of receiving this message")
    sender = sender_for(db, fake_graph, http, clock)
    await sender.drain()
    first, second = await _row(db, first_id), await _row(db, second_id)
    assert (first.status, first.attempts) == (OutboxStatus.failed, 1)
    assert first.last_error == "131026 Message undeliverable (Receiver is incapable of receiving this message)"
    assert second.status == OutboxStatus.failed
    async with db.transaction() as session:
        recorded = await session.get(Message, message_id)
    assert recorded.status == "failed" and recorded.error["code"] == 131026
    [notice] = await _rows_to(db, OWNER)  # one notice, not one per failed message
    assert notice.body["purpose"] == "delivery_problem"
    assert "Juan Pérez" in notice.body["text"] and "confirmación" in notice.body["text"]
    assert notice.status == OutboxStatus.sent  # the owner's window is closed: sent as the template
    owner_messages = [m for m in fake_graph.messages() if m["to"] == OWNER]
    assert owner_messages[0]["type"] == "template" and owner_messages[0]["template"]["name"] == "delivery_problem"
    assert len([c for c in fake_graph.calls("messages") if c.body.get("to") == CUSTOMER]) == 2, "never retried"


async def test_131047_without_a_template_fails_instead_of_looping(db, fake_graph, http, clock, business) -> None:
    conversation = await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW - timedelta(minutes=5))
    row_id, _ = await queue_message(
        db, business, OutboundMessage(to=CUSTOMER, text="¿Sigues ahí?"), conversation_id=conversation.id, created_at=NOW
    )
    fake_graph.fail(131047, times=None)
    await sender_for(db, fake_graph, http, clock).drain()
    row = await _row(db, row_id)
    assert row.status == OutboxStatus.failed and "no template" in row.last_error
    assert await _rows_to(db, OWNER) == []  # nothing that mattered: the owner is not bothered


async def test_an_account_problem_is_not_retried_nor_sent_to_the_owner(
    db, fake_graph, http, clock, business, caplog
) -> None:
    await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW)
    row_id, _ = await queue_message(
        db, business, OutboundMessage(to=CUSTOMER, text="Listo", purpose="confirmation"), created_at=NOW
    )
    fake_graph.fail(190, http_status=401, times=None)
    await sender_for(db, fake_graph, http, clock).drain()
    row = await _row(db, row_id)
    assert row.status == OutboxStatus.failed and row.last_error.startswith("190")
    assert await _rows_to(db, OWNER) == []
    assert "OPERATOR" in caplog.text


async def test_a_persons_messages_leave_in_order_even_when_the_first_is_retried(
    db, fake_graph, http, clock, business
) -> None:
    await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW)
    for index in range(3):
        await queue_message(
            db,
            business,
            OutboundMessage(to=CUSTOMER, text=f"mensaje {index}"),
            created_at=NOW - timedelta(milliseconds=9 - index),
        )
    await queue_message(db, business, OutboundMessage(to="5215511110000", text="otra persona"), created_at=NOW)
    fake_graph.fail(130429, times=1, to=CUSTOMER)
    sender = sender_for(db, fake_graph, http, clock)
    await sender.drain()
    assert [m["text"]["body"] for m in fake_graph.messages()] == ["otra persona"]  # the rest wait behind "mensaje 0"
    clock.advance(timedelta(seconds=5))
    await sender.drain()
    assert [m["text"]["body"] for m in fake_graph.messages()] == ["otra persona", "mensaje 0", "mensaje 1", "mensaje 2"]


async def test_a_disconnected_business_sends_nothing(db, fake_graph, http, clock, business) -> None:
    async with db.transaction() as session:
        await session.execute(update(Organization).values(status=OrganizationStatus.suspended))
    row_id, _ = await queue_message(db, business, OutboundMessage(to=CUSTOMER, text="Listo"), created_at=NOW)
    await sender_for(db, fake_graph, http, clock).drain()
    row = await _row(db, row_id)
    assert row.status == OutboxStatus.failed and "disconnected" in row.last_error
    assert fake_graph.requests == []


async def test_a_row_whose_sender_died_mid_send_is_claimed_again_after_its_lease(
    db, fake_graph, http, clock, business
) -> None:
    row_id, _ = await queue_message(db, business, OutboundMessage(to=CUSTOMER, text="Listo"), created_at=NOW)
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.sending, attempts=1, next_attempt_at=NOW + timedelta(minutes=2)
            )
        )
    sender = sender_for(db, fake_graph, http, clock)
    assert await sender.drain() == 0
    clock.advance(timedelta(minutes=3))
    assert await sender.drain() == 1
    assert (await _row(db, row_id)).status == OutboxStatus.sent


async def test_a_template_call_that_does_not_match_its_definition_fails_before_reaching_meta(
    db, fake_graph, http, clock, business
) -> None:
    wrong = TemplateCall(name="appointment_reminder", body_params=["Juan"])
    row_id, _ = await queue_message(
        db, business, OutboundMessage(to=CUSTOMER, text="Recordatorio", template=wrong), created_at=NOW
    )
    await sender_for(db, fake_graph, http, clock).drain()
    row = await _row(db, row_id)
    assert row.status == OutboxStatus.failed and "takes 5 body parameters, got 1" in row.last_error
    assert fake_graph.requests == []


async def test_two_senders_never_send_the_same_row(db, fake_graph, http, clock, business) -> None:
    for index in range(30):
        await queue_message(db, business, OutboundMessage(to=f"52155000{index:05d}", text="hola"), created_at=NOW)
    first, second = (
        sender_for(db, fake_graph, http, clock, batch_size=7),
        sender_for(db, fake_graph, http, clock, batch_size=7),
    )
    await asyncio.gather(first.drain(), second.drain())
    assert sorted(m["to"] for m in fake_graph.messages()) == sorted(f"52155000{index:05d}" for index in range(30))


async def test_the_rate_limit_spaces_the_sends_of_one_number() -> None:
    limit = PerNumberRateLimit(per_second=50)
    started = time.monotonic()
    await asyncio.gather(*(limit.acquire("1122334455667") for _ in range(11)))
    assert time.monotonic() - started >= 0.19  # 10 intervals of 20 ms
    started = time.monotonic()
    await limit.acquire("another-number")
    assert time.monotonic() - started < 0.05


async def test_sends_waiting_together_share_one_reservation_yet_leave_an_interval_apart(db) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the shared pace lives in PostgreSQL; SQLite is single-process by design")
    from bot.whatsapp.ratelimit import SharedRateLimit

    limit = SharedRateLimit(db, per_second=50)
    loop = asyncio.get_running_loop()
    left: list[float] = []

    async def send() -> None:
        await limit.acquire("1122334455667")
        left.append(loop.time())

    started = loop.time()
    await asyncio.gather(*(send() for _ in range(11)))
    left.sort()
    # The n-th send never leaves before its slot: n intervals (21 ms at 95% of 50/s) after the first.
    assert all(at - started >= index * limit.interval * 0.99 for index, at in enumerate(left)), [
        round(at - started, 3) for at in left
    ]
    await limit.acquire("1122334455667")  # the next round queues behind the eleventh slot
    assert loop.time() - started >= 11 * limit.interval * 0.99


async def test_the_sender_keeps_to_twenty_messages_a_second_per_number(db, fake_graph, http, clock, business) -> None:
    for index in range(11):
        await queue_message(db, business, OutboundMessage(to=f"52155000{index:05d}", text="hola"), created_at=NOW)
    started = time.monotonic()
    await sender_for(db, fake_graph, http, clock, rate_per_second=20).drain()
    assert time.monotonic() - started >= 0.45
    assert len(fake_graph.messages()) == 11


async def test_the_messages_of_one_turn_reach_the_person_in_the_order_they_were_said(
    db, fake_graph, http, clock, business
) -> None:
    conversation = await customer_conversation(db, business, CUSTOMER, last_inbound_at=NOW)
    said = ["Esa hora ya pasó.", "¿De qué hora a qué hora bloqueo?", "Por ejemplo: «de 2 a 4»."]
    async with db.transaction() as session:
        customer = await session.get(Customer, conversation.customer_id)
        # One turn: every row written with the same `now`, as the engine does.
        await record_outbound(session, [Outgoing(customer, OutboundMessage(to=CUSTOMER, text=text)) for text in said], NOW)
    await sender_for(db, fake_graph, http, clock).drain()
    assert [m["text"]["body"] for m in fake_graph.messages()] == said


async def test_a_send_meta_accepted_is_never_sent_again_when_recording_it_fails(
    db, fake_graph, http, clock, business
) -> None:
    recipients = [f"52155100{index:05d}" for index in range(40)]
    for to in recipients:
        conversation = await customer_conversation(db, business, to, last_inbound_at=NOW, name=None)
        await queue_message(db, business, OutboundMessage(to=to, text="¡Listo!"), conversation_id=conversation.id, created_at=NOW)
    rng = random.Random(1313)
    blips = 0
    recorded = [0]

    def database_blip(_conn, _cursor, statement: str, *_args) -> None:
        nonlocal blips
        # The statement that records Meta's answer (row sent, its wamid) fails now and then.
        if re.search(r"UPDATE outboxmessage SET status\s*=.*wa_message_id\s*=", statement, re.S | re.I):
            recorded[0] += 1
            if recorded[0] % 3 == 1 or rng.random() < 0.4:  # the first recording always fails: never zero blips
                blips += 1
                raise ConnectionResetError("the database connection dropped")

    event.listen(db.engine.sync_engine, "before_cursor_execute", database_blip)
    try:
        sender = sender_for(db, fake_graph, http, clock)
        for _ in range(5):
            await sender.drain()
            clock.advance(timedelta(minutes=1))  # past any backoff (and any lease)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", database_blip)
    assert blips > 0
    sent_to = sorted(message["to"] for message in fake_graph.messages())
    assert sent_to == sorted(recipients), "every recipient got exactly one copy"
    rows = await _rows_to_all(db)
    assert all(row.status == OutboxStatus.sent and row.wa_message_id for row in rows)


async def _rows_to_all(db) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list((await session.execute(select(OutboxMessage))).scalars())
