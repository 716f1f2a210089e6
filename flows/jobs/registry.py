"""Background jobs that move conversations along with time, and the registry that runs them.

A job is `async def job(database, clock) -> list[OutboundMessage]`: it looks at what is due at
`clock.now()`, does it in its own transaction(s), and returns what it sent (also written to the
outbox). Jobs must be idempotent: running one twice, or in two processes, changes nothing more.

Registered here, in this order: `expire_stale_flows`, `expire_takeovers` (housekeeping),
`reminders` (flows/jobs/reminders.py), `morning_agenda` (flows/jobs/morning_agenda.py) and
`review_requests` (flows/jobs/review_requests.py). Another module can add one:

    from flows.jobs.registry import register_job

    @register_job("name")
    async def job(database: Database, clock: Clock) -> list[OutboundMessage]: ...

`run_due_jobs` runs every registered job in registration order; fixture replay calls it on each
`wait:` turn, and the APScheduler feature (bot/jobs.py) runs each job by name on an interval.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from flows.core.handoff import expire_takeovers
from flows.core.messages import OutboundMessage
from flows.jobs.morning_agenda import send_morning_agendas
from flows.jobs.reminders import send_due_reminders
from flows.jobs.review_requests import send_review_requests
from flows.roles import flow_is_stale, restart_flow
from scheduler.clock import Clock
from store.conversations import Conversation, ConversationStatus
from store.database import Database
from store.models import Organization

log = logging.getLogger("yume.flows.jobs.registry")

Job = Callable[[Database, Clock], Awaitable[list[OutboundMessage]]]
JOBS: dict[str, Job] = {}


def register_job(name: str) -> Callable[[Job], Job]:
    """Add a job to the registry under `name` (a second registration replaces the first)."""

    def add(job: Job) -> Job:
        JOBS[name] = job
        return job

    return add


async def run_due_jobs(database: Database, clock: Clock) -> list[OutboundMessage]:
    """Run every registered job once; what they sent, in order. A failing job does not stop the others."""
    sent: list[OutboundMessage] = []
    for name, job in list(JOBS.items()):
        try:
            sent.extend(await job(database, clock))
        except Exception:
            log.exception("job %s failed", name)
    return sent


@register_job("expire_stale_flows")
async def expire_stale_flows(database: Database, clock: Clock) -> list[OutboundMessage]:
    """Requests left half-way longer than `stale_flow_minutes` go back to rest (silently).

    The next message from that person starts with a polite "let's start again".
    """
    now = clock.now()
    async with database.transaction() as session:
        rows = await session.execute(
            select(Conversation, Organization)
            .join(Organization, Organization.id == Conversation.organization_id)
            .where(Conversation.status == ConversationStatus.active, Conversation.flow_state.is_not(None))
            .with_for_update(of=Conversation, skip_locked=True)
        )
        for conversation, organization in rows.all():
            if flow_is_stale(conversation, organization.business_settings().stale_flow_minutes, now):
                restart_flow(conversation, expired=True)
                conversation.updated_at = now
                conversation.version += 1
    return []


@register_job("expire_takeovers")
async def end_quiet_takeovers(database: Database, clock: Clock) -> list[OutboundMessage]:
    """Chats the owner took over and left quiet for `takeover_quiet_hours` come back to Yume."""
    async with database.transaction() as session:
        await expire_takeovers(session, clock.now())
    return []


# After the housekeeping: a chat put to rest just now can take a reminder's answers as its options.
register_job("reminders")(send_due_reminders)
register_job("morning_agenda")(send_morning_agendas)
register_job("review_requests")(send_review_requests)
