"""Pruning the channel's queues: inbox events and outbox rows Yume no longer needs.

Kept: at least `KEEP` (8 days) of processed inbox events — Meta retries a delivery for up to 7
days, and the stored `event_key` is what turns a late retry into a no-op — and of sent or failed
outbox rows (a status webhook about a message can come days later). Events set aside wait
`KEEP_SET_ASIDE` (30 days) for an operator. Pending events and rows are never pruned, and
messages, conversations and appointments are not the channel's to prune: they stay.

A registered background job (flows/jobs/registry.py), so every process runs it with the other sweeps
(APScheduler, every YUME_JOBS_INTERVAL_SECONDS, failures logged and counted like the rest) rather
than in the channel's own loops, which exist for sub-second work. Deleting is idempotent and
batched (short transactions; on PostgreSQL rows another process is deleting are skipped).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select

from flows.jobs.registry import register_job
from flows.core.messages import OutboundMessage
from scheduler.clock import Clock
from store.channel import InboxEvent, OutboxMessage, OutboxStatus
from store.database import Database

log = logging.getLogger("yume.whatsapp.prune")

KEEP = timedelta(days=8)  # ≥ 7 days: Meta's retry horizon
KEEP_SET_ASIDE = timedelta(days=30)
BATCH = 5000


@dataclass
class Pruned:
    inbox: int = 0
    outbox: int = 0


async def prune_channel(database: Database, now: datetime, batch: int = BATCH) -> Pruned:
    """Delete what the channel no longer needs (see the module docstring); how many rows went."""
    done = InboxEvent.processed_at < now - KEEP  # by the index on (processed_at, received_at)
    set_aside = and_(
        InboxEvent.processed_at.is_(None), InboxEvent.failed_at.is_not(None), InboxEvent.failed_at < now - KEEP_SET_ASIDE
    )
    # A final row's next_attempt_at is its last attempt (by the index on (status, next_attempt_at)).
    final = and_(
        OutboxMessage.status.in_([OutboxStatus.sent, OutboxStatus.failed]), OutboxMessage.next_attempt_at < now - KEEP
    )
    pruned = Pruned()
    for condition in (done, set_aside):
        pruned.inbox += await _delete_in_batches(database, InboxEvent, condition, batch)
    pruned.outbox = await _delete_in_batches(database, OutboxMessage, final, batch)
    if pruned.inbox or pruned.outbox:
        log.info("pruned %d inbox events and %d outbox rows older than %s", pruned.inbox, pruned.outbox, KEEP)
    return pruned


async def _delete_in_batches(database: Database, model: Any, condition: Any, batch: int) -> int:
    total = 0
    while True:
        chosen = select(model.id).where(condition).limit(batch)
        if database.dialect == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        async with database.transaction() as session:
            result = await session.execute(
                delete(model).where(model.id.in_(chosen)).execution_options(synchronize_session=False)
            )
        deleted = int(result.rowcount or 0)
        total += deleted
        if deleted < batch:
            return total


@register_job("prune_channel")
async def prune_channel_job(database: Database, clock: Clock) -> list[OutboundMessage]:
    """The background job: prune at `clock.now()`; sends nothing."""
    await prune_channel(database, clock.now())
    return []
