"""Chats: one conversation per person per business, with its flow state and its messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import JSONType, UTCDateTime, utcnow


class ConversationStatus(StrEnum):
    active = "active"
    handed_off = "handed_off"  # a human has it; Yume stays silent until handed back
    closed = "closed"


class Conversation(SQLModel, table=True):
    """The chat with one person: who they are to the business, and where the flow stands."""

    __table_args__ = (UniqueConstraint("organization_id", "party_key", name="uq_conversation_party"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    # "customer:<uuid>" or "staff:<uuid>" (or "prospect:<phone>" while onboarding).
    party_key: str = Field(sa_type=String(100))
    customer_id: uuid.UUID | None = Field(default=None, foreign_key="customer.id", ondelete="CASCADE")
    staff_id: uuid.UUID | None = Field(default=None, foreign_key="staff.id", ondelete="CASCADE")
    role: str = Field(sa_type=String(20))  # customer | staff | owner | onboarding
    wa_id: str | None = Field(default=None, sa_type=String(128))  # the id we reply to, exactly as received
    flow_state: str | None = Field(default=None, sa_type=String(64))
    flow_data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: str = Field(default=ConversationStatus.active, sa_type=String(20))
    handed_off_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handoff_reason: str | None = Field(default=None, sa_type=String(200))
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_outbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0  # bumped on every write, so a stale writer can be told apart
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class SenderType(StrEnum):
    customer = "customer"
    staff = "staff"
    ai = "ai"  # Yume
    owner_app = "owner_app"  # the owner typing in the WhatsApp Business App (an echo)
    system = "system"


class Message(SQLModel, table=True):
    """One message in a conversation, either way, with its WhatsApp id and delivery state."""

    __table_args__ = (Index("ix_message_conversation_created", "conversation_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    conversation_id: uuid.UUID = Field(foreign_key="conversation.id", ondelete="CASCADE")
    direction: str = Field(sa_type=String(10))
    sender_type: str = Field(sa_type=String(20))
    content_type: str = Field(default="text", sa_type=String(20))
    text: str | None = Field(default=None, sa_type=Text)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    wa_message_id: str | None = Field(default=None, sa_type=String(255), unique=True)
    status: str | None = Field(default=None, sa_type=String(20))
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
