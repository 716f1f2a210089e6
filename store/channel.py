"""The WhatsApp channel's durable queues: an inbox of received events and an outbox to send."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text
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
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)


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
