"""Pruning the channel's queues: a week of retries still dedupes, nothing pending or kept is lost."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.whatsapp.inbox import store_events
from bot.whatsapp.payloads import split_envelope
from bot.whatsapp.prune import prune_channel
from flows.jobs.registry import JOBS
from flows.core.messages import OutboundMessage
from scheduler.clock import FrozenClock
from store.channel import InboxEvent, OutboxMessage, OutboxStatus
from store.conversations import Message
from tests.whatsapp.support import customer_conversation, queue_message, seed_business, text_message

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def _ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


async def _inbox_row(db, key: str, received: datetime, processed: datetime | None, failed: datetime | None = None) -> None:
    async with db.transaction() as session:
        session.add(
            InboxEvent(
                id=uuid.uuid4(), event_key=key, kind="message", payload={}, received_at=received,
                processed_at=processed, failed_at=failed,
            )
        )


async def _keys(db) -> set[str]:
    async with db.transaction() as session:
        return set((await session.execute(select(InboxEvent.event_key))).scalars())


async def test_old_processed_events_and_final_outbox_rows_go_and_everything_else_stays(db) -> None:
    loaded = await seed_business(db)
    await _inbox_row(db, "msg:ten-days-done", _ago(days=10), _ago(days=10))
    await _inbox_row(db, "msg:six-days-done", _ago(days=6), _ago(days=6))
    await _inbox_row(db, "msg:pending-for-weeks", _ago(days=20), None)
    await _inbox_row(db, "msg:set-aside-ten-days", _ago(days=10), None, _ago(days=10))
    await _inbox_row(db, "msg:set-aside-forty-days", _ago(days=40), None, _ago(days=40))
    conversation = await customer_conversation(db, loaded.organization_id, "5215598765432", last_inbound_at=_ago(days=12))
    rows = {}
    for name, status, at in (
        ("sent-ten-days", OutboxStatus.sent, _ago(days=10)),
        ("failed-nine-days", OutboxStatus.failed, _ago(days=9)),
        ("sent-three-days", OutboxStatus.sent, _ago(days=3)),
        ("pending-twenty-days", OutboxStatus.pending, _ago(days=20)),
    ):
        row_id, _ = await queue_message(
            db, loaded.organization_id, OutboundMessage(to="5215598765432", text=name),
            conversation_id=conversation.id, created_at=at,
        )
        async with db.transaction() as session:
            row = await session.get(OutboxMessage, row_id)
            row.status, row.next_attempt_at = status, at
        rows[name] = row_id
    async with db.transaction() as session:
        messages_before = (await session.execute(select(func.count()).select_from(Message))).scalar()

    pruned = await prune_channel(db, NOW, batch=1)  # batches of one: the loop, not just one statement
    assert (pruned.inbox, pruned.outbox) == (2, 2)
    assert await _keys(db) == {"msg:six-days-done", "msg:pending-for-weeks", "msg:set-aside-ten-days"}
    async with db.transaction() as session:
        kept = set((await session.execute(select(OutboxMessage.id))).scalars())
        messages_after = (await session.execute(select(func.count()).select_from(Message))).scalar()
    assert kept == {rows["sent-three-days"], rows["pending-twenty-days"]}
    assert messages_after == messages_before, "messages are not the channel's to prune"
    assert await prune_channel(db, NOW) == type(pruned)(0, 0), "a second run finds nothing"


async def test_a_retry_within_metas_horizon_is_still_a_duplicate_after_pruning(db) -> None:
    await seed_business(db)
    payload = text_message("hola", message_id="wamid.week-old")
    await store_events(db, split_envelope(payload), _ago(days=7))
    async with db.transaction() as session:
        row = (await session.execute(select(InboxEvent))).scalar_one()
        row.processed_at = _ago(days=7)
    await JOBS["prune_channel"](db, FrozenClock(NOW))  # the registered job, as the scheduler runs it
    result = await store_events(db, split_envelope(payload), NOW)  # Meta's last retry, 7 days later
    async with db.transaction() as session:
        [row] = (await session.execute(select(InboxEvent))).scalars().all()
    assert row.processed_at is not None, "the retry was a no-op: nothing to process again"
    assert result.events == 1
