"""Conversations and their messages (read only), and handing a taken-over chat back to Yume."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.api.fields import Page, ResponseModel
from bot.api.routing import Call, NoBody, NoQuery, RouteTable
from bot.api.tenancy import owned
from scheduler.errors import InvalidTransition
from store.models import Conversation, ConversationStatus, Message

routes = RouteTable("conversations")


class ConversationFilter(Page):
    status: ConversationStatus | None = None
    customer: uuid.UUID | None = None
    staff: uuid.UUID | None = None


class ConversationOut(ResponseModel):
    id: uuid.UUID
    role: str  # customer | staff | owner | onboarding
    customer_id: uuid.UUID | None
    staff_id: uuid.UUID | None
    status: ConversationStatus
    flow_state: str | None
    handed_off_at: datetime | None
    handoff_reason: str | None
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ConversationList(ResponseModel):
    items: list[ConversationOut]
    limit: int
    offset: int


class MessageOut(ResponseModel):
    id: uuid.UUID
    direction: str  # inbound | outbound
    sender_type: str  # customer | staff | ai | owner_app | system
    content_type: str
    text: str | None
    payload: dict[str, Any] | None  # the interactive part (buttons, list, reply ids)
    wa_message_id: str | None
    status: str | None  # delivery state of outbound messages
    status_at: datetime | None
    error: dict[str, Any] | None
    sent_at: datetime
    created_at: datetime


class MessageList(ResponseModel):
    items: list[MessageOut]  # oldest first
    limit: int
    offset: int


@routes.get("/organizations/{organization_id}/conversations", query=ConversationFilter, response=ConversationList)
async def list_conversations(call: Call[Any, ConversationFilter]) -> ConversationList:
    """Conversations, most recently active first; filter by status, customer or staff member."""
    search = call.query
    query = select(Conversation).where(Conversation.organization_id == call.org.id)
    if search.status is not None:
        query = query.where(Conversation.status == search.status)
    if search.customer is not None:
        query = query.where(Conversation.customer_id == search.customer)
    if search.staff is not None:
        query = query.where(Conversation.staff_id == search.staff)
    query = query.order_by(Conversation.updated_at.desc(), Conversation.id).limit(search.limit).offset(search.offset)
    rows = (await call.session.execute(query)).scalars()
    return ConversationList(
        items=[conversation_out(row, call) for row in rows], limit=search.limit, offset=search.offset
    )


@routes.get("/organizations/{organization_id}/conversations/{conversation_id}", response=ConversationOut)
async def get_conversation(call: Call[Any, NoQuery]) -> ConversationOut:
    """One conversation."""
    return conversation_out(await _conversation(call), call)


@routes.get(
    "/organizations/{organization_id}/conversations/{conversation_id}/messages", query=Page, response=MessageList
)
async def list_messages(call: Call[Any, Page]) -> MessageList:
    """The conversation's messages, oldest first."""
    conversation = await _conversation(call)
    rows = (
        await call.session.execute(
            select(Message)
            .where(Message.organization_id == call.org.id, Message.conversation_id == conversation.id)
            .order_by(Message.created_at, Message.id)
            .limit(call.query.limit)
            .offset(call.query.offset)
        )
    ).scalars()
    return MessageList(items=[message_out(row, call) for row in rows], limit=call.query.limit, offset=call.query.offset)


@routes.post(
    "/organizations/{organization_id}/conversations/{conversation_id}/hand-back", body=NoBody, response=ConversationOut
)
async def hand_back(call: Call[NoBody, NoQuery]) -> ConversationOut:
    """Give a taken-over conversation back to Yume: it answers that person again."""
    conversation = await _conversation(call)
    if conversation.status != ConversationStatus.handed_off:
        raise InvalidTransition(
            f"only a handed-off conversation can be handed back; this one is {conversation.status}",
            status=conversation.status,
        )
    conversation.status = ConversationStatus.active
    conversation.handed_off_at = None
    conversation.handoff_reason = None
    conversation.version += 1  # a writer holding the old version must not undo this
    conversation.updated_at = call.now
    return conversation_out(conversation, call)


async def _conversation(call: Call[Any, Any]) -> Conversation:
    return await owned(call.session, Conversation, call.ids["conversation_id"], call.org.id, "conversation")


def _local(moment: datetime | None, call: Call[Any, Any]) -> datetime | None:
    return moment.astimezone(call.tz) if moment is not None else None


def conversation_out(conversation: Conversation, call: Call[Any, Any]) -> ConversationOut:
    """The API's view of a conversation (the flow's collected slots stay internal)."""
    return ConversationOut(
        id=conversation.id,
        role=conversation.role,
        customer_id=conversation.customer_id,
        staff_id=conversation.staff_id,
        status=ConversationStatus(conversation.status),
        flow_state=conversation.flow_state,
        handed_off_at=_local(conversation.handed_off_at, call),
        handoff_reason=conversation.handoff_reason,
        last_inbound_at=_local(conversation.last_inbound_at, call),
        last_outbound_at=_local(conversation.last_outbound_at, call),
        created_at=conversation.created_at.astimezone(call.tz),
        updated_at=conversation.updated_at.astimezone(call.tz),
    )


def message_out(message: Message, call: Call[Any, Any]) -> MessageOut:
    """The API's view of a message."""
    return MessageOut(
        id=message.id,
        direction=message.direction,
        sender_type=message.sender_type,
        content_type=message.content_type,
        text=message.text,
        payload=message.payload,
        wa_message_id=message.wa_message_id,
        status=message.status,
        status_at=_local(message.status_at, call),
        error=message.error,
        sent_at=message.sent_at.astimezone(call.tz),
        created_at=message.created_at.astimezone(call.tz),
    )
