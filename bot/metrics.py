"""Prometheus metrics at `/metrics`: what Yume did in this process, and what the database holds.

Two kinds of series, and they aggregate differently across processes:

- **Counters and histograms are per process** (`yume_inbound_messages_total`, `yume_turn_seconds`, …):
  each process counts what it did itself; Prometheus scrapes every process and `sum()` adds them.
- **Gauges read from the database** (`yume_inbox_backlog`, `yume_outbox_messages`, the oldest ages)
  are queried at scrape time, so every process reports the same truth about the shared queues;
  aggregate them with `max()`, never `sum()` (N processes would multiply the backlog by N).
- `yume_loop_up` is per process: whether this process's inbox sweep, outbox sender and job
  scheduler are running (the same test `/ready` makes).

The call sites are one line each (`metrics.TURN_SECONDS.observe(…)`), so the channel's modules stay
about the channel. docs/operations.md says what to watch and alert on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from nlu.context import NluContext
from nlu.engine import Understander
from nlu.stats import NluStats
from nlu.understanding import Understanding
from store.agenda import Appointment
from store.channel import InboxEvent, OutboxMessage, OutboxStatus
from store.database import Database

from bot.health import loops_running
from bot.state import CLOCK, DATABASE

METRICS_PATH = "/metrics"
SCRAPE_TIMEOUT_SECONDS = 3.0

# --- per process: counters and histograms (the default registry, with process_* and python_*) -----

INBOUND_MESSAGES = Counter(
    "yume_inbound_messages", "Inbound WhatsApp messages handed to the conversation engine, by type", ["kind"]
)
WEBHOOK_EVENTS = Counter("yume_webhook_events", "Webhook events received (before de-duplication), by kind", ["kind"])
OUTBOUND_MESSAGES = Counter(
    "yume_outbound_messages", "Messages WhatsApp accepted from this process, as a free-form message or a template", ["form"]
)
OUTBOX_RETRIES = Counter("yume_outbox_retries", "Sends to be retried later, by Graph API error code", ["code"])
OUTBOX_FAILURES = Counter("yume_outbox_failures", "Outbox rows failed for good, by Graph API error code", ["code"])
TURN_SECONDS = Histogram(
    "yume_turn_seconds",
    "One inbound message through the engine: NLU, flow, booking, replies written (seconds)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16),
)
NLU_DECISIONS = Counter(
    "yume_nlu_decisions",
    "Who understood a message: claude, the rules' fast path, rules (no Claude configured) or fallback",
    ["engine", "decision"],
)
NLU_FALLBACKS = Counter("yume_nlu_fallbacks", "Messages the rules answered because Claude could not, by reason", ["reason"])
CLAUDE_SECONDS = Histogram(
    "yume_claude_seconds",
    "Time spent asking Claude for one message (the call and at most one retry), answered or not",
    buckets=(0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12),
)
CLAUDE_ERRORS = Counter("yume_claude_errors", "Messages Claude could not answer, by reason", ["reason"])
WEBHOOK_ACK_SECONDS = Histogram(
    "yume_webhook_ack_seconds",
    "From the webhook request to Meta's answer (events stored), by status",
    ["status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BOOKINGS = Counter("yume_bookings", "Appointments booked (committed), by source", ["source"])
JOB_RUNS = Counter("yume_job_runs", "Background job runs finished, failed ones included", ["job"])
JOB_FAILURES = Counter("yume_job_failures", "Background job runs that failed", ["job"])

# The labels every scrape should show even before the first event (a series that is absent cannot
# be alerted on; rate() of a missing series is nothing, not zero).
for _kind in ("text", "interactive", "audio", "image", "reaction", "unsupported"):
    INBOUND_MESSAGES.labels(_kind)
for _form in ("session", "template"):
    OUTBOUND_MESSAGES.labels(_form)
for _source in ("whatsapp", "walk_in", "manual", "web"):
    BOOKINGS.labels(_source)
WEBHOOK_ACK_SECONDS.labels("200")


def error_code(code: int | None) -> str:
    """The label of a Graph API error code ("none" for local failures: no number, bad payload, …)."""
    return str(code) if code is not None else "none"


# --- the NLU, measured from outside (nlu/ stays free of Prometheus) --------------------------------


class MeteredUnderstander:
    """An understander that counts who answered each message and how long Claude took."""

    def __init__(self, inner: Understander) -> None:
        self.inner = inner
        self.name = inner.name
        self.offline: bool = getattr(inner, "offline", False)

    @property
    def stats(self) -> NluStats:
        return self.inner.stats

    async def understand(self, text: str, context: NluContext) -> Understanding:
        started = time.perf_counter()
        understanding = await self.inner.understand(text, context)
        elapsed = time.perf_counter() - started
        reason = understanding.fallback_reason
        if getattr(understanding, "fast_path", False):
            decision = "fast_path"
        elif reason == "no_key" or (reason is None and understanding.engine != "claude"):
            decision = "rules"
        elif reason is not None:
            decision = "fallback"
        else:
            decision = "claude"
        NLU_DECISIONS.labels(self.name, decision).inc()
        if decision in ("claude", "fallback"):
            CLAUDE_SECONDS.observe(elapsed)
        if decision == "fallback" and reason is not None:
            NLU_FALLBACKS.labels(reason).inc()
            CLAUDE_ERRORS.labels(reason).inc()
        return understanding


def metered(understander: Understander) -> Understander:
    """`understander` with its decisions counted (idempotent)."""
    return understander if isinstance(understander, MeteredUnderstander) else MeteredUnderstander(understander)


# --- bookings: counted when the transaction that wrote them commits --------------------------------

_PENDING_BOOKINGS = "yume_metrics_new_bookings"


@event.listens_for(Session, "after_flush")
def _bookings_flushed(session: Session, _context: Any) -> None:
    new = [row.source for row in session.new if isinstance(row, Appointment)]
    if new:
        session.info.setdefault(_PENDING_BOOKINGS, []).extend(new)


@event.listens_for(Session, "after_commit")
def _bookings_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: the booking is real only when the outer transaction commits
    for source in session.info.pop(_PENDING_BOOKINGS, []):
        BOOKINGS.labels(str(source)).inc()


@event.listens_for(Session, "after_soft_rollback")
def _bookings_rolled_back(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING_BOOKINGS, None)  # a rolled-back booking never happened


# --- per app: the database's gauges, read at scrape time ---------------------------------------------


class DatabaseGauges:
    """Backlogs of the shared queues, read from the database on every scrape (the same in every process)."""

    def __init__(self, database: Database, now: Callable[[], datetime]) -> None:
        self.database = database
        self.now = now
        self.registry = CollectorRegistry(auto_describe=True)
        self.up = Gauge("yume_database_up", "Whether the last scrape could read the database", registry=self.registry)
        self.inbox_backlog = Gauge(
            "yume_inbox_backlog", "Webhook events stored and not processed yet (all processes)", registry=self.registry
        )
        self.inbox_oldest = Gauge(
            "yume_inbox_oldest_seconds", "Age of the oldest unprocessed webhook event (0 when none)", registry=self.registry
        )
        self.outbox = Gauge(
            "yume_outbox_messages",
            "Outbox rows waiting (pending), being sent (sending) or failed for good (failed)",
            ["status"],
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "yume_outbox_oldest_pending_seconds",
            "Age of the oldest outbox row not sent yet (0 when none)",
            registry=self.registry,
        )
        self.loops = Gauge(
            "yume_loop_up", "Whether this process's background loop is running", ["loop"], registry=self.registry
        )

    async def refresh(self, loops: dict[str, bool]) -> None:
        """Read the queues (bounded by a timeout: a slow database must not hang the scrape)."""
        for name, running in loops.items():
            self.loops.labels(name).set(1 if running else 0)
        try:
            await asyncio.wait_for(self._read(), SCRAPE_TIMEOUT_SECONDS)
            self.up.set(1)
        except Exception:  # an unreachable database is itself the news: yume_database_up 0
            self.up.set(0)

    async def _read(self) -> None:
        now = self.now()
        async with self.database.transaction() as session:
            backlog, oldest = (
                await session.execute(
                    select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.processed_at.is_(None))
                )
            ).one()
            statuses = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count())
                        .where(OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending, OutboxStatus.failed]))
                        .group_by(OutboxMessage.status)
                    )
                ).all()
            )
            oldest_pending = (
                await session.execute(
                    select(func.min(OutboxMessage.created_at)).where(
                        OutboxMessage.status.in_([OutboxStatus.pending, OutboxStatus.sending])
                    )
                )
            ).scalar_one()
        self.inbox_backlog.set(backlog)
        self.inbox_oldest.set(_age(now, oldest))
        for status in (OutboxStatus.pending, OutboxStatus.sending, OutboxStatus.failed):
            self.outbox.labels(str(status)).set(statuses.get(status, 0))
        self.outbox_oldest.set(_age(now, oldest_pending))


def _age(now: datetime, then: datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then is not None else 0.0


# --- the app feature ---------------------------------------------------------------------------------

GAUGES = web.AppKey("metrics_gauges", DatabaseGauges)


@web.middleware
async def time_webhook_acks(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Measure how long Meta waits for its answer (the webhook POST only)."""
    if request.method != "POST" or not request.path.startswith("/api/v1/webhooks/"):
        return await handler(request)
    started = time.perf_counter()
    status = "500"
    try:
        response = await handler(request)
        status = str(response.status)
        return response
    except web.HTTPException as error:
        status = str(error.status)
        raise
    finally:
        WEBHOOK_ACK_SECONDS.labels(status).observe(time.perf_counter() - started)


def register(app: web.Application) -> None:
    """Add GET /metrics and the webhook timing middleware."""

    app[GAUGES] = DatabaseGauges(app[DATABASE], app[CLOCK].now)
    app.middlewares.append(time_webhook_acks)

    async def scrape(request: web.Request) -> web.Response:
        gauges = request.app[GAUGES]
        await gauges.refresh(loops_running(request.app))
        body = generate_latest(REGISTRY) + generate_latest(gauges.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get(METRICS_PATH, scrape, name="metrics")
