"""The outbound writer shared by the engine and the jobs, and how jobs find their recipients' chats."""

from __future__ import annotations

import pytest

from flows.core.messages import OutboundMessage
from flows.core.outbound import Outgoing, free_conversations, record_outbound
from store.database import Database
from store.models import Conversation, Customer, Message, OutboxMessage, Staff
from tests.flows.conversation import open_chat


async def test_each_message_gets_a_message_row_in_the_recipients_chat_and_an_outbox_row(db: Database) -> None:
    chat = await open_chat(db)
    now = chat.clock.now()
    async with db.transaction() as session:
        juan = await session.get(Customer, chat.loaded.customers["juan"])
        pedro = await session.get(Staff, chat.loaded.staff["pedro"])
        assert juan is not None and pedro is not None
        await record_outbound(
            session,
            [
                Outgoing(juan, OutboundMessage(to="525598765432", text="Hola Juan", purpose="reminder")),
                Outgoing(pedro, OutboundMessage(to="525520203030", text="Tu agenda")),
                Outgoing(juan, OutboundMessage(to="525598765432", text="¿Nos confirmas?")),
            ],
            now,
        )
    conversations = {c.party_key.split(":")[0]: c for c in await chat.rows(Conversation)}
    assert set(conversations) == {"customer", "staff"}  # created on the way, one per person
    assert all(c.last_outbound_at == now for c in conversations.values())
    messages = await chat.rows(Message)
    outbox = await chat.rows(OutboxMessage)
    assert sorted(m.text for m in messages) == ["Hola Juan", "Tu agenda", "¿Nos confirmas?"]
    assert {o.message_id for o in outbox} == {m.id for m in messages}
    assert {(m.conversation_id, m.direction, m.sender_type, m.status) for m in messages if m.text != "Tu agenda"} == {
        (conversations["customer"].id, "outbound", "ai", "pending")
    }
    [reminder] = [o for o in outbox if o.body["purpose"] == "reminder"]
    assert reminder.to_wa_id == "525598765432" and reminder.status == "pending" and reminder.next_attempt_at == now


async def test_a_job_leaves_out_a_chat_someone_is_answering_right_now(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: nobody else can hold the chat")
    chat = await open_chat(db)
    await chat.says("juan", "hola")
    async with db.transaction() as turn:  # an engine turn holds Juan's chat…
        [held] = (await turn.execute(Conversation.__table__.select().with_for_update())).all()  # type: ignore[attr-defined]
        async with db.transaction() as job:  # …while a job looks for it
            juan = await job.get(Customer, chat.loaded.customers["juan"])
            pedro = await job.get(Staff, chat.loaded.staff["pedro"])
            assert juan is not None and pedro is not None
            free = await free_conversations(job, [juan, pedro], chat.clock.now())
    assert set(free) == {pedro.id} and held.id not in {c.id for c in free.values()}
