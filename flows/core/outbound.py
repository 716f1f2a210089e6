"""Writing what Yume sends: per message, a Message row in the recipient's conversation and an outbox row.

The engine (replies and notices) and the background jobs (reminders, agendas, review requests)
both write through `record_outbound`, inside the transaction of the change that caused the
message, so a message is queued exactly when its cause is committed. The channel's sender
delivers the outbox rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.identity import address_of, conversation_of, party_key, role_of
from flows.core.messages import OutboundMessage
from flows.core.trace import current as current_trace
from store.channel import OutboxStatus
from store.conversations import Conversation, ConversationStatus, Direction, Message, SenderType
from store.models import Customer, OutboxMessage, Staff


@dataclass
class Outgoing:
    """One message for one person (and their conversation, when the caller already holds it)."""

    person: Customer | Staff
    message: OutboundMessage
    conversation: Conversation | None = None


# The outbox row remembers what caused it (the inbound message id, or "job:<name>"), so its send is
# logged with the same id as the turn that wrote it (flows/core/trace.py).
TRACE_BODY_KEY = "cause"


async def record_outbound(
    session: AsyncSession, outgoing: Sequence[Outgoing], now: datetime, inbound: Sequence[dict[str, Any]] = ()
) -> None:
    """A Message row (in the recipient's conversation) and an OutboxMessage row per message.

    `inbound`: Message rows of the turn's own message (`inbound_row`), written in the same statement.
    """
    cause = current_trace().message_id
    conversations: dict[uuid.UUID, Conversation] = {}
    messages: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    for position, item in enumerate(outgoing):
        # Messages of one turn must leave in the order they were said: the outbox sends a person's
        # next message only after the previous one, judged by created_at, so no two may tie.
        written_at = now + timedelta(microseconds=position)
        organization_id = item.person.organization_id
        conversation = item.conversation or conversations.get(item.person.id)
        if conversation is None:
            conversation = await conversation_of(session, organization_id, item.person, lock=False, now=now)
            conversations[item.person.id] = conversation
        conversation.last_outbound_at = now
        body = item.message.model_dump(mode="json")
        message_id = uuid.uuid4()
        messages.append(
            {
                "id": message_id,
                "organization_id": organization_id,
                "conversation_id": conversation.id,
                "direction": Direction.outbound,
                "sender_type": SenderType.ai,
                "content_type": "interactive" if item.message.kind != "text" else "text",
                "text": item.message.text,
                "payload": body,
                "wa_message_id": None,
                "status": "pending",
                "sent_at": written_at,
                "created_at": written_at,
            }
        )
        outbox.append(
            {
                "id": uuid.uuid4(),
                "organization_id": organization_id,
                "conversation_id": conversation.id,
                "message_id": message_id,
                "to_wa_id": item.message.to,
                "body": {**body, TRACE_BODY_KEY: cause} if cause else body,
                "status": OutboxStatus.pending,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": written_at,
            }
        )
    if not messages and not inbound:
        return
    await session.flush()  # conversations created above exist before their messages
    # Core inserts, many rows per statement: the reminder sweep writes thousands after an outage.
    await session.execute(insert(Message.__table__), [*inbound, *messages])  # type: ignore[attr-defined]
    if outbox:
        await session.execute(insert(OutboxMessage.__table__), outbox)  # type: ignore[attr-defined]


def inbound_row(
    conversation: Conversation,
    *,
    sender_type: str,
    content_type: str,
    text: str | None,
    payload: dict[str, Any] | None,
    wa_message_id: str | None,
    sent_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    """A received message as a Message row for `record_outbound` (the same columns as its own rows)."""
    return {
        "id": uuid.uuid4(),
        "organization_id": conversation.organization_id,
        "conversation_id": conversation.id,
        "direction": Direction.inbound,
        "sender_type": sender_type,
        "content_type": content_type,
        "text": text,
        "payload": payload,
        "wa_message_id": wa_message_id,
        "status": None,
        "sent_at": sent_at,
        "created_at": now,
    }


async def free_conversations(
    session: AsyncSession, people: Sequence[Customer | Staff], now: datetime
) -> dict[uuid.UUID, Conversation]:
    """The recipients' conversations, locked, by person id; created for people who never wrote.

    A conversation another transaction holds (that person's message is being answered right now)
    is left out instead of waited for: a background job sends to them on its next round. Waiting
    could deadlock with a turn that locked the conversation first and now waits for a row the job holds.
    """
    by_key = {(person.organization_id, party_key(person)): person for person in people}
    if not by_key:
        return {}
    keys = sorted(by_key, key=lambda key: (str(key[0]), key[1]))
    where_key = tuple_(Conversation.organization_id, Conversation.party_key).in_(keys)
    found_keys = await session.execute(select(Conversation.organization_id, Conversation.party_key).where(where_key))
    existing = {(organization_id, key) for organization_id, key in found_keys.all()}
    missing = [key for key in keys if key not in existing]
    if missing:
        # All at once; one that appeared meanwhile (their first message, this very moment) is kept as it is.
        rows = [_new_conversation(by_key[key], now) for key in missing]
        dialect = session.get_bind().dialect.name
        insert_new = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(insert_new(Conversation.__table__).on_conflict_do_nothing(), rows)  # type: ignore[attr-defined]
    found = (await session.execute(select(Conversation).where(where_key).with_for_update(skip_locked=True))).scalars().all()
    return {by_key[(conversation.organization_id, conversation.party_key)].id: conversation for conversation in found}


def _new_conversation(person: Customer | Staff, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "organization_id": person.organization_id,
        "party_key": party_key(person),
        "customer_id": person.id if isinstance(person, Customer) else None,
        "staff_id": person.id if isinstance(person, Staff) else None,
        "role": role_of(person),
        "wa_id": address_or_none(person),
        "flow_data": {},
        "status": ConversationStatus.active,
        "version": 0,
        "created_at": now,
        "updated_at": now,
    }


def address_or_none(person: Customer | Staff) -> str | None:
    """The WhatsApp id to write to, or None for someone we have no way to reach."""
    try:
        return address_of(person)
    except ValueError:
        return None
