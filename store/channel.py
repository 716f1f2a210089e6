"""The WhatsApp channel's durable queues: an inbox of received events and an outbox to send.

An inbox event is pending (`processed_at` and `failed_at` empty), processed (`processed_at`: done,
`last_error` says why when it was skipped), or set aside (`failed_at`, with the error in
`last_error`): it could not be processed and waits for an operator (`yume inbox failed|retry`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from store.types import JSONType, UTCDateTime, utcnow


class InboxEvent(SQLModel, table=True):
    """A webhook event, stored before Meta gets its 200 and processed after."""

    __table_args__ = (Index("ix_inboxevent_unprocessed", "processed_at", "received_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # The WhatsApp message id (or status id + status): a second delivery of the same event is a no-op.
    event_key: str = Field(sa_type=String(300), unique=True)
    kind: str = Field(sa_type=String(40))
    phone_number_id: str | None = Field(default=None, sa_type=String(64))
    organization_id: uuid.UUID | None = Field(default=None, foreign_key="organization.id", ondelete="SET NULL")
    sender: str | None = Field(default=None, sa_type=String(128))  # orders events per conversation
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    wa_timestamp: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set aside: processing failed for good (or can never work); the lane moved on without it.
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)


def inbox_pending() -> Any:
    """The condition for an inbox event still to be processed (neither done nor set aside)."""
    return and_(InboxEvent.processed_at.is_(None), InboxEvent.failed_at.is_(None))


async def mark_processed(session: AsyncSession, event_id: uuid.UUID, now: datetime, note: str | None = None) -> bool:
    """Mark one inbox event processed inside the caller's transaction; False if it already was.

    The conversation engine calls this in the transaction that records the turn, so the turn and
    the mark commit together: this UPDATE is the one duplicate check an inbound message gets (a
    second worker waits for the first one's commit on PostgreSQL, then finds nothing to update).
    """
    result = await session.execute(_MARK_PROCESSED, {"event_id": event_id, "processed_at": now, "last_error": note})
    return bool(result.rowcount)


# Built once: every inbound message runs it.
_INBOX = InboxEvent.__table__  # type: ignore[attr-defined]
_MARK_PROCESSED = update(_INBOX).where(
    _INBOX.c.id == bindparam("event_id"), _INBOX.c.processed_at.is_(None), _INBOX.c.failed_at.is_(None)
)


async def set_aside_events(session: AsyncSession, limit: int = 100) -> list[InboxEvent]:
    """Events set aside (oldest first): what `yume inbox failed` lists."""
    rows = await session.execute(
        select(InboxEvent)
        .where(InboxEvent.failed_at.is_not(None), InboxEvent.processed_at.is_(None))
        .order_by(InboxEvent.failed_at, InboxEvent.received_at)
        .limit(limit)
    )
    return list(rows.scalars())


async def requeue(session: AsyncSession, event_ids: Sequence[uuid.UUID] | None) -> int:
    """Put set-aside events back in line (all of them when `event_ids` is None); how many."""
    condition = and_(InboxEvent.failed_at.is_not(None), InboxEvent.processed_at.is_(None))
    if event_ids is not None:
        condition = and_(condition, InboxEvent.id.in_(list(event_ids)))
    result = await session.execute(
        update(InboxEvent)
        .where(condition)
        .values(failed_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


class SendPace(SQLModel, table=True):
    """When a business number may send next: the per-number rate shared by every process."""

    phone_number_id: str = Field(sa_type=String(64), primary_key=True)
    next_free_at: datetime = Field(sa_type=UTCDateTime)


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(SQLModel, table=True):
    """A message to send, written in the same transaction as the change that caused it."""

    __table_args__ = (Index("ix_outboxmessage_due", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    conversation_id: uuid.UUID | None = Field(default=None, foreign_key="conversation.id", ondelete="SET NULL")
    message_id: uuid.UUID | None = Field(default=None, foreign_key="message.id", ondelete="SET NULL")
    to_wa_id: str = Field(sa_type=String(128))
    # The channel-neutral message (text, buttons, list or template), as flows rendered it.
    body: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: str = Field(default=OutboxStatus.pending, sa_type=String(20))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    wa_message_id: str | None = Field(default=None, sa_type=String(255))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
