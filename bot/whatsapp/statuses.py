"""Delivery statuses of the messages Yume sent: stored per message, never downgraded, acted on.

Meta documents no ordering: "read" may arrive before "delivered", and "delivered" may never
arrive. A status only ever moves a message forward (read beats delivered beats sent). A `failed`
status is acted on: outside the 24-hour window (131047) the message is resent as its approved
template; any other failure marks it failed with the reason and, when it mattered, tells the
owner once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.whatsapp.errors import ACCOUNT_CODES, WINDOW_CLOSED
from bot.whatsapp.outbox import CHANNEL_KEY, mark_failed, tell_owner_once
from bot.whatsapp.outcome import Outcome
from bot.whatsapp.payloads import WaStatus, bounded_id, parse_timestamp
from flows.core.messages import OutboundMessage
from scheduler.clock import Clock
from store.channel import OutboxMessage, OutboxStatus
from store.conversations import Direction, Message
from store.database import Database

log = logging.getLogger("yume.whatsapp.statuses")

# How far along a message is; a status is stored only when it moves the message forward.
RANK: dict[str, float] = {"pending": 0, "sending": 0, "sent": 1, "failed": 1.5, "delivered": 2, "read": 3, "played": 4}
# A status can arrive a moment before the outbox has stored the message id it is about.
WAIT_FOR_MESSAGE = timedelta(minutes=2)


def moves_forward(current: str | None, new: str) -> bool:
    """Whether `new` is news for a message whose stored status is `current` (never a downgrade)."""
    if new not in RANK:
        return False
    return RANK[new] > RANK.get(current or "pending", 0)


async def apply_status(
    database: Database,
    payload: dict[str, Any],
    clock: Clock,
    *,
    received_at: datetime,
    on_outbound: Callable[[], None] = lambda: None,
) -> Outcome:
    """Store one status webhook and act on a failure."""
    status = WaStatus.model_validate(payload.get("status") or {})
    if not status.id or not status.status:
        return Outcome.ok("a status without a message id or state")
    now = clock.now()
    at = parse_timestamp(status.timestamp) or now
    wamid = bounded_id(status.id)  # as the outbox recorded it
    queued_again = False
    async with database.transaction() as session:
        message = (
            (
                await session.execute(
                    select(Message).where(Message.wa_message_id == wamid, Message.direction == Direction.outbound)
                )
            )
            .scalars()
            .first()
        )
        row = (
            (await session.execute(select(OutboxMessage).where(OutboxMessage.wa_message_id == wamid)))
            .scalars()
            .first()
        )
        if message is None and row is None:
            if now - received_at < WAIT_FOR_MESSAGE:
                return Outcome.later("waiting for the outbox to record the message this status is about")
            return Outcome.ok("a status for a message Yume has no record of")
        error = status.errors[0] if status.errors else None
        if message is not None and moves_forward(message.status, status.status):
            message.status, message.status_at = status.status, at
            if status.status == "failed":
                message.error = error.model_dump(mode="json") if error else {"message": "failed"}
        if (
            status.status == "failed"
            and row is not None
            and row.status == OutboxStatus.sent
            and not _later_than_failed(message)
        ):
            queued_again = await _act_on_failure(
                session, row, error.code if error else None, error.describe() if error else "failed", now
            )
    if queued_again:
        on_outbound()
    return Outcome.ok()


def _later_than_failed(message: Message | None) -> bool:
    return message is not None and RANK.get(message.status or "", 0) > RANK["failed"]


async def _act_on_failure(session: Any, row: OutboxMessage, code: int | None, reason: str, now: datetime) -> bool:
    """A message Meta accepted and then could not deliver. Returns whether it was queued again."""
    body = row.body if isinstance(row.body, dict) else {}
    try:
        message = OutboundMessage.model_validate(body)
    except Exception:
        message = None
    hints = body.get(CHANNEL_KEY) if isinstance(body.get(CHANNEL_KEY), dict) else {}
    if (
        code == WINDOW_CLOSED
        and message is not None
        and message.template is not None
        and not hints.get("force_template")
    ):
        # The window had closed after all: send the approved template instead, once.
        session.add(
            OutboxMessage(
                organization_id=row.organization_id,
                conversation_id=row.conversation_id,
                message_id=row.message_id,
                to_wa_id=row.to_wa_id,
                body={**body, CHANNEL_KEY: {**hints, "force_template": True, "resend_of": str(row.id)}},
                created_at=now,
                next_attempt_at=now,
            )
        )
        await mark_failed(
            session,
            row,
            f"{reason} — resent as template {message.template.name}",
            {"code": code, "message": reason},
            now,
        )
        if row.message_id:
            linked = await session.get(Message, row.message_id)
            if linked is not None:
                linked.status, linked.error = "pending", None
        return True
    await mark_failed(session, row, reason, {"code": code, "message": reason}, now)
    if code in ACCOUNT_CODES:
        log.error("OPERATOR: WhatsApp could not deliver for organization %s: %s", row.organization_id, reason)
        return False
    if message is not None:
        return await tell_owner_once(session, row, message, code, now)
    return False
