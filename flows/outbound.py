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
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flows.identity import address_of, conversation_of, party_key, role_of
from flows.messages import OutboundMessage
from store.conversations import Conversation, Direction, Message, SenderType
from store.models import Customer, OutboxMessage, Staff


@dataclass
class Outgoing:
    """One message for one person (and their conversation, when the caller already holds it)."""

    person: Customer | Staff
    message: OutboundMessage
    conversation: Conversation | None = None


async def record_outbound(
    session: AsyncSession, organization_id: uuid.UUID, outgoing: Sequence[Outgoing], now: datetime
) -> list[Message]:
    """A Message row (in the recipient's conversation) and an OutboxMessage row per message."""
    conversations: dict[uuid.UUID, Conversation] = {}
    rows: list[tuple[Message, OutboxMessage]] = []
    for item in outgoing:
        conversation = item.conversation or conversations.get(item.person.id)
        if conversation is None:
            conversation = await conversation_of(session, organization_id, item.person, lock=False, now=now)
            conversations[item.person.id] = conversation
        conversation.last_outbound_at = now
        body = item.message.model_dump(mode="json")
        message = Message(
            organization_id=organization_id,
            conversation_id=conversation.id,
            direction=Direction.outbound,
            sender_type=SenderType.ai,
            content_type="interactive" if item.message.kind != "text" else "text",
            text=item.message.text,
            payload=body,
            status="pending",
            sent_at=now,
            created_at=now,
        )
        outbox = OutboxMessage(
            organization_id=organization_id,
            conversation_id=conversation.id,
            message_id=message.id,
            to_wa_id=item.message.to,
            body=body,
            next_attempt_at=now,
            created_at=now,
        )
        rows.append((message, outbox))
    # Messages before their outbox rows: without ORM relationships the flush does not order them.
    session.add_all([message for message, _ in rows])
    await session.flush()
    session.add_all([outbox for _, outbox in rows])
    return [message for message, _ in rows]


async def free_conversations(
    session: AsyncSession, organization_id: uuid.UUID, people: Sequence[Customer | Staff], now: datetime
) -> dict[uuid.UUID, Conversation]:
    """The recipients' conversations, locked, by person id; created for people who never wrote.

    A conversation another transaction holds (that person's message is being answered right now)
    is left out instead of waited for: a background job sends to them on its next round. Waiting
    could deadlock with a turn that locked the conversation first and now waits for a row the job holds.
    """
    by_key = {party_key(person): person for person in people}
    if not by_key:
        return {}
    found = (
        await session.execute(
            select(Conversation)
            .where(Conversation.organization_id == organization_id, Conversation.party_key.in_(sorted(by_key)))
            .with_for_update(skip_locked=True)
        )
    ).scalars().all()
    held = {conversation.party_key: conversation for conversation in found}
    missing = [key for key in by_key if key not in held]
    existing: set[str] = set()
    if missing:
        existing = set(
            (
                await session.execute(
                    select(Conversation.party_key).where(
                        Conversation.organization_id == organization_id, Conversation.party_key.in_(missing)
                    )
                )
            ).scalars()
        )
    for key, person in by_key.items():
        if key in held or key in existing:
            continue  # locked by someone else right now (existing but not returned)
        try:
            async with session.begin_nested():
                conversation = Conversation(
                    organization_id=organization_id,
                    party_key=key,
                    customer_id=person.id if isinstance(person, Customer) else None,
                    staff_id=person.id if isinstance(person, Staff) else None,
                    role=role_of(person),
                    wa_id=address_or_none(person),
                    created_at=now,
                    updated_at=now,
                )
                session.add(conversation)
                await session.flush()
        except IntegrityError:
            continue  # they wrote for the first time this very moment: next round
        held[key] = conversation
    return {by_key[key].id: conversation for key, conversation in held.items()}


def address_or_none(person: Customer | Staff) -> str | None:
    """The WhatsApp id to write to, or None for someone we have no way to reach."""
    try:
        return address_of(person)
    except ValueError:
        return None
