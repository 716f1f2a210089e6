"""A person takes a conversation over, and gives it back.

While a conversation is handed off, Yume stores what the customer writes and says nothing. It
ends when the owner hands it back (the admin API calls `hand_back`, or the owner writes «listo»
to Yume), or after `takeover_quiet_hours` without a new owner message (`expire_takeovers`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.conversations import Conversation, ConversationStatus
from store.models import Organization


def hand_off(conversation: Conversation, now: datetime, reason: str) -> None:
    """Silence Yume in this conversation from now on (an owner echo, a request for a person)."""
    conversation.status = ConversationStatus.handed_off
    conversation.handed_off_at = now
    conversation.handoff_reason = reason


def hand_back(conversation: Conversation, now: datetime) -> None:
    """Yume answers this conversation again, starting fresh."""
    conversation.status = ConversationStatus.active
    conversation.handed_off_at = None
    conversation.handoff_reason = None
    conversation.flow_state = None
    conversation.flow_data = {}
    conversation.updated_at = now
    conversation.version += 1


async def handed_off_conversations(session: AsyncSession, organization_id: uuid.UUID) -> list[Conversation]:
    """The business's handed-off conversations, the most recently taken first."""
    rows = await session.execute(
        select(Conversation)
        .where(Conversation.organization_id == organization_id, Conversation.status == ConversationStatus.handed_off)
        .order_by(Conversation.handed_off_at.desc(), Conversation.id)
    )
    return list(rows.scalars().all())


def quiet_period_over(conversation: Conversation, quiet_hours: int, now: datetime) -> bool:
    """True when nobody has written from the phone app for `quiet_hours` since the hand-off."""
    if conversation.status != ConversationStatus.handed_off or conversation.handed_off_at is None:
        return False
    return now >= conversation.handed_off_at + timedelta(hours=quiet_hours)


async def expire_takeovers(session: AsyncSession, now: datetime) -> int:
    """Hand back every conversation whose quiet period is over; returns how many."""
    rows = await session.execute(
        select(Conversation, Organization)
        .join(Organization, Organization.id == Conversation.organization_id)
        .where(Conversation.status == ConversationStatus.handed_off)
        .with_for_update(of=Conversation, skip_locked=True)
    )
    count = 0
    for conversation, organization in rows.all():
        if quiet_period_over(conversation, organization.business_settings().takeover_quiet_hours, now):
            hand_back(conversation, now)
            count += 1
    return count
