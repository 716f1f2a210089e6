"""The sender loop: delivers outbox rows to WhatsApp, in order per person, at Meta's pace.

Rows are written by the engine in the same transaction as the change that caused them; this
loop claims due rows atomically (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the serialized write
transaction on SQLite), one per person at a time so a person's messages arrive in order, and
sends them through the transport at no more than the number's rate (20/s on coexistence
numbers, shared by every process through PostgreSQL). A claimed row carries a lease: if the
process dies mid-send, the row is claimed again after the lease.

A send Meta accepted is never sent again: its answer (the wamid) is recorded at once and apart
from everything else (`_SentRecorder`, retried until the database takes it), and nothing that
goes wrong after a successful call counts as a failed send. What remains is at-least-once by
nature: a process that dies between Meta's answer and that record (a few milliseconds, for the
sends in flight at that moment: at most `concurrency`) leaves rows that are sent again once their
lease (30 s) expires.

Before sending, the 24-hour window is read from the conversation (its last inbound message), so
a message with a template goes out as the template when the window is closed. Errors are handled
as the reference says: throttling and Meta-side failures are retried with exponential backoff,
131047 is resent as the template, anything else fails the row with its reason, and — when the
message mattered (a confirmation, a reminder, …) — the owner is told once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, bindparam, case, exists, literal, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import metrics
from bot.logs import lane_label
from bot.whatsapp.errors import PAIR_RATE_LIMIT, Disposition, GraphApiError
from bot.whatsapp.outgoing import message_payload
from bot.whatsapp.payloads import bounded_id
from bot.whatsapp.ratelimit import rate_limit_for
from bot.whatsapp.templates import TemplateCatalog
from bot.whatsapp.transport import BusinessNumber, Transport
from flows.core.messages import OutboundMessage
from flows.core.outbound import TRACE_BODY_KEY
from flows.core.trace import tracing
from flows.core.replies import delivery_problem_notice
from scheduler.clock import Clock
from store.channel import OutboxMessage, OutboxStatus
from store.conversations import Conversation, Direction, Message, SenderType
from store.database import Database, retry_on_disconnect
from store.organizations import Organization, OrganizationStatus
from store.people import Customer, Staff, StaffRole
from store.phones import InvalidPhone, canonical_from_whatsapp_id, display_phone, masked_phone, whatsapp_id

log = logging.getLogger("yume.whatsapp.outbox")

WINDOW = timedelta(hours=24)
WINDOW_MARGIN = timedelta(minutes=10)  # a message sent at 23:59 may arrive after the window closed
DELIVERY_PROBLEM = "delivery_problem"
# Purposes whose failure the owner need not hear about (notices to staff, courtesy messages).
NOT_WORTH_TELLING = frozenset({"notice", "review_request", "daily_agenda", DELIVERY_PROBLEM})
CHANNEL_KEY = "channel"  # channel-only hints stored beside the OutboundMessage in the row's body
TRACE_KEY = TRACE_BODY_KEY  # what caused the row (flows/core/outbound.py writes it): logged with the send
BUSINESS_TTL_SECONDS = 5.0  # how long a round trusts what it read about a business (number, status)

_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
_MESSAGE = Message.__table__  # type: ignore[attr-defined]
# The Graph answers of many sends, in two statements (executemany) per write.
_RECORD_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_row"))
    .values(status=OutboxStatus.sent, wa_message_id=bindparam("b_wamid"), sent_at=bindparam("b_at"), last_error=None)
)
# PostgreSQL: both in one statement (the rows' answers as arrays; the messages through the rows).
_RECORD_SENT_POSTGRES = text(
    """
    WITH sent AS (
        SELECT * FROM unnest(CAST(:rows AS uuid[]), CAST(:wamids AS varchar[]), CAST(:ats AS timestamptz[]))
            AS answer(row_id, wamid, at)
    ), rows AS (
        UPDATE outboxmessage SET status = 'sent', wa_message_id = sent.wamid, sent_at = sent.at, last_error = NULL
        FROM sent WHERE outboxmessage.id = sent.row_id
        RETURNING outboxmessage.message_id, sent.wamid, sent.at
    )
    UPDATE message SET
        wa_message_id = rows.wamid,
        status = CASE WHEN message.status IS NULL OR message.status IN ('pending', 'sending') THEN 'sent'
                      ELSE message.status END,
        status_at = CASE WHEN message.status IS NULL OR message.status IN ('pending', 'sending') THEN rows.at
                         ELSE message.status_at END
    FROM rows WHERE message.id = rows.message_id
    """
)
# (== rather than IN: an IN list is an "expanding" parameter, which executemany refuses)
_STILL_GOING = or_(_MESSAGE.c.status.is_(None), _MESSAGE.c.status == "pending", _MESSAGE.c.status == "sending")
_RECORD_MESSAGE_SENT = (
    update(_MESSAGE)
    .where(_MESSAGE.c.id == bindparam("b_message"))
    .values(
        wa_message_id=bindparam("b_wamid"),
        status=case((_STILL_GOING, "sent"), else_=_MESSAGE.c.status),
        status_at=case((_STILL_GOING, bindparam("b_at")), else_=_MESSAGE.c.status_at),
    )
)


def _claim_statement(batch_size: int, skip_locked: bool) -> Any:
    """UPDATE … WHERE id IN (due rows, the first of each person, SKIP LOCKED) RETURNING …, built once per sender.

    Due: pending and due, or claimed by a sender whose lease expired (it died mid-send). A person's
    row waits while an earlier one of theirs is pending or being sent: their messages arrive in
    order. `has_next` tells the sender another round will find that person's next message.
    """
    candidate, earlier, later = _OUTBOX.alias("candidate"), _OUTBOX.alias("earlier"), _OUTBOX.alias("later")
    now = bindparam("now", type_=_OUTBOX.c.next_attempt_at.type)
    due = and_(candidate.c.status.in_([OutboxStatus.pending, OutboxStatus.sending]), candidate.c.next_attempt_at <= now)
    waiting_behind = exists().where(
        earlier.c.organization_id == candidate.c.organization_id,
        earlier.c.to_wa_id == candidate.c.to_wa_id,
        earlier.c.status.in_([OutboxStatus.pending, OutboxStatus.sending]),
        earlier.c.created_at < candidate.c.created_at,
    )
    chosen = select(candidate.c.id).where(due, ~waiting_behind).order_by(candidate.c.created_at).limit(batch_size)
    if skip_locked:
        chosen = chosen.with_for_update(skip_locked=True, of=candidate)
    if not skip_locked:
        # SQLite (one process, everything in memory): its RETURNING cannot look at other rows, so
        # every round is followed by another until one finds nothing.
        return (
            update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(chosen))
            .values(
                status=OutboxStatus.sending,
                attempts=_OUTBOX.c.attempts + 1,
                next_attempt_at=bindparam("lease_until", type_=_OUTBOX.c.next_attempt_at.type),
            )
            .returning(*_OUTBOX.c, literal(True).label("has_next"))
        )
    has_next = (
        exists()
        .where(
            later.c.organization_id == _OUTBOX.c.organization_id,
            later.c.to_wa_id == _OUTBOX.c.to_wa_id,
            later.c.status == OutboxStatus.pending,
            later.c.created_at > _OUTBOX.c.created_at,
        )
        .label("has_next")
    )
    return (
        update(_OUTBOX)
        .where(_OUTBOX.c.id.in_(chosen))
        .values(
            status=OutboxStatus.sending,
            attempts=_OUTBOX.c.attempts + 1,
            next_attempt_at=bindparam("lease_until", type_=_OUTBOX.c.next_attempt_at.type),
        )
        .returning(*_OUTBOX.c, has_next)
    )


def window_is_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Whether a free-form message may still be sent (the person wrote in the last 24 hours)."""
    return last_inbound_at is not None and now - last_inbound_at < WINDOW - WINDOW_MARGIN


def backoff(attempts: int, base_seconds: float, cap_seconds: float = 900.0) -> timedelta:
    """Exponential backoff with jitter after `attempts` failed tries (1, 2, 3…)."""
    seconds = min(cap_seconds, base_seconds * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


@dataclass(frozen=True)
class _Business:
    number: BusinessNumber | None
    status: str


class _SentRecorder:
    """Writes what Meta answered (row sent, its wamid) as soon as it is known, apart from the send.

    Answers that arrive while a write is under way go in the next one (many sends, one
    transaction). A write that fails (a database blip) is retried, growing to every 5 s, for as
    long as the process lives: the rows stay claimed meanwhile, so nothing sends them again.
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self._queue: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, row: OutboxMessage, wamid: str, at: datetime) -> None:
        self._queue.append({"b_row": row.id, "b_message": row.message_id, "b_wamid": bounded_id(wamid), "b_at": at})
        if self._task is None or self._task.done():
            # A context of its own: its log lines are not any one send's.
            self._task = asyncio.get_running_loop().create_task(
                self._write_all(), name="outbox recorder", context=contextvars.Context()
            )

    async def idle(self) -> None:
        """Wait until every answer so far is written."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _write_all(self) -> None:
        delay = 0.05
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                await self._write(batch)
                delay = 0.05
            except asyncio.CancelledError:
                self._queue = batch + self._queue
                raise
            except Exception as error:
                self._queue = batch + self._queue
                log.warning("could not record %d sent message(s) yet (%s); retrying in %.2fs", len(batch), error, delay)
                await asyncio.sleep(delay)
                delay = min(5.0, delay * 2)

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        async with self.database.engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # one statement, one round trip, however many
                await connection.execute(
                    _RECORD_SENT_POSTGRES,
                    {
                        "rows": [item["b_row"] for item in batch],
                        "wamids": [item["b_wamid"] for item in batch],
                        "ats": [item["b_at"] for item in batch],
                    },
                )
                return
            await connection.execute(_RECORD_SENT, batch)
            messages = [item for item in batch if item["b_message"] is not None]
            if messages:
                await connection.execute(_RECORD_MESSAGE_SENT, messages)

    @property
    def unwritten(self) -> int:
        return len(self._queue)


class OutboxSender:
    """Claims due outbox rows and sends them; `kick()` after writing rows, `run()` in the background."""

    def __init__(
        self,
        database: Database,
        transport: Transport,
        clock: Clock,
        *,
        templates: TemplateCatalog | None = None,
        rate_per_second: float = 20.0,
        batch_size: int = 50,
        concurrency: int = 8,
        lease: timedelta = timedelta(seconds=30),
        max_attempts: int = 8,
        base_backoff_seconds: float = 2.0,
        poll_interval_seconds: float = 1.0,
    ) -> None:
        self.database = database
        self.transport = transport
        self.clock = clock
        self.templates = templates
        self.rate = rate_limit_for(database, rate_per_second)
        self.batch_size = batch_size
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff_seconds = base_backoff_seconds
        self.poll_interval = poll_interval_seconds
        self._sends = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._closed = False
        self._account_alerts: set[tuple[uuid.UUID, int | None]] = set()
        self._recorder = _SentRecorder(database)
        self._claim_statement = _claim_statement(batch_size, skip_locked=database.dialect == "postgresql")
        self._known: dict[uuid.UUID, tuple[float, _Business]] = {}

    # --- the loop -------------------------------------------------------------------------------

    def kick(self) -> None:
        """There may be new rows: wake the loop now instead of at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver forever: whenever kicked, and every poll interval for retries and other processes."""
        while not self._closed:
            try:
                await retry_on_disconnect(self.drain)  # a dropped connection: again at once, on a fresh one
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox round failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    async def flush(self, timeout: float = 10.0) -> None:
        """Write every Graph answer still in memory (on shutdown)."""
        try:
            await asyncio.wait_for(self._recorder.idle(), timeout)
        except asyncio.TimeoutError:
            log.error(
                "%d sent message(s) could not be recorded: they go out again after their lease", self._recorder.unwritten
            )

    async def drain(self, max_rounds: int = 1000) -> int:
        """Send everything due now (several rounds: a person's next message waits for the previous)."""
        total = 0
        for _ in range(max_rounds):
            self._wake.clear()
            sent, more = await self._round()
            total += sent
            if not more:
                break
        return total

    async def deliver_due(self) -> int:
        """One round: claim due rows and send them; returns how many rows were handled."""
        return (await self._round())[0]

    async def _round(self) -> tuple[int, bool]:
        """One round; also whether another may find work (a claimed person has a next message, or the batch was full)."""
        rows, more = await self._claim()
        if not rows:
            return 0, False
        businesses = await self._businesses({row.organization_id for row in rows})
        await asyncio.gather(*(self._deliver(row, businesses.get(row.organization_id)) for row in rows))
        await self._recorder.idle()  # a person's next message is claimed once this one is recorded
        return len(rows), more or len(rows) >= self.batch_size

    # --- claiming -------------------------------------------------------------------------------

    async def _claim(self) -> tuple[list[OutboxMessage], bool]:
        """Due rows, leased to this sender in one statement; and whether any of those people has a next one."""
        now = self.clock.now()
        async with self.database.engine.begin() as connection:
            result = (await connection.execute(self._claim_statement, {"now": now, "lease_until": now + self.lease})).all()
        rows = [OutboxMessage(**{key: value for key, value in row._mapping.items() if key != "has_next"}) for row in result]
        return sorted(rows, key=lambda row: row.created_at), any(row.has_next for row in result)

    async def _businesses(self, organization_ids: set[uuid.UUID]) -> dict[uuid.UUID, _Business]:
        """Each business's number and status, read at most every few seconds (a round trusts them that long)."""
        now = time.monotonic()
        known = {
            organization_id: business
            for organization_id, (read_at, business) in self._known.items()
            if organization_id in organization_ids and now - read_at < BUSINESS_TTL_SECONDS
        }
        missing = organization_ids - known.keys()
        if missing:
            async with self.database.transaction() as session:
                organizations = (
                    await session.execute(select(Organization).where(Organization.id.in_(missing)))
                ).scalars()
                for organization in organizations:
                    business = _Business(
                        BusinessNumber(
                            organization.id, organization.wa_phone_number_id, organization.access_token_encrypted
                        )
                        if organization.wa_phone_number_id
                        else None,
                        organization.status,
                    )
                    known[organization.id] = business
                    self._known[organization.id] = (now, business)
        return known

    # --- sending one row ------------------------------------------------------------------------

    async def _deliver(self, row: OutboxMessage, business: _Business | None) -> None:
        number = business.number.phone_number_id if business is not None and business.number else None
        cause = row.body.get(TRACE_KEY) if isinstance(row.body.get(TRACE_KEY), str) else None
        # The send is logged with the id of the message it answers (or the job that wrote it).
        with tracing(message_id=cause, organization_id=row.organization_id, lane=lane_label(number, row.to_wa_id)):
            await self._deliver_traced(row, business)

    async def _deliver_traced(self, row: OutboxMessage, business: _Business | None) -> None:
        try:
            await self._deliver_unsafe(row, business)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Recording a failure failed (the database went away): the row stays claimed and its
            # lease brings it back. Never a reason to stop the round.
            log.exception("outbox row %s: could not record what happened; it is tried again after its lease", row.id)

    async def _deliver_unsafe(self, row: OutboxMessage, business: _Business | None) -> None:
        try:
            prepared = await self._prepare(row, business)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug must not leave the row claimed forever or stop the round
            log.exception("outbox row %s could not be prepared", row.id)
            await self._retry_or_fail(row, GraphApiError(f"{type(error).__name__}: {error}", http_status=500))
            return
        if prepared is None:
            return
        number, message, as_template = prepared
        try:
            wamid = await self._send(number, message, as_template)
        except GraphApiError as error:
            if error.disposition == Disposition.template and message.template is not None and not as_template:
                try:  # the window closed after all: the approved template says the same thing
                    wamid = await self._send(number, message, True)
                except GraphApiError as second:
                    await self._handle_error(row, message, second)
                    return
            else:
                await self._handle_error(row, message, error)
                return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # building the body failed: nothing reached Meta
            log.exception("outbox row %s could not be sent", row.id)
            await self._retry_or_fail(row, GraphApiError(f"{type(error).__name__}: {error}", http_status=500), message)
            return
        # Meta has it. From here on nothing may count as a failed send: record the answer, apart.
        self._recorder.add(row, wamid, self.clock.now())
        log.info("sent outbox row %s as %s", row.id, wamid)

    async def _prepare(
        self, row: OutboxMessage, business: _Business | None
    ) -> tuple[BusinessNumber, OutboundMessage, bool] | None:
        """The number, message and form (template or not) to send; None when the row failed instead."""
        if business is None or business.number is None:
            await self._fail(row, None, "the business has no WhatsApp number connected")
            return None
        if business.status in (OrganizationStatus.suspended, OrganizationStatus.churned):
            await self._fail(row, None, f"the business's WhatsApp is disconnected from Yume ({business.status})")
            return None
        try:
            message = OutboundMessage.model_validate(row.body)
        except ValidationError as error:
            await self._fail(row, None, f"not a valid outbound message: {error.error_count()} problems")
            return None
        hints = row.body.get(CHANNEL_KEY) if isinstance(row.body.get(CHANNEL_KEY), dict) else {}
        as_template = message.template is not None and (
            bool(hints.get("force_template")) or not await self._window_open(row)
        )
        if as_template and self.templates is not None and message.template is not None:
            problem = self.templates.problem_with(message.template)
            if problem:
                await self._fail(row, message, problem)
                return None
        return business.number, message, as_template

    async def _send(self, number: BusinessNumber, message: OutboundMessage, as_template: bool) -> str:
        payload = message_payload(message, as_template=as_template)
        async with self._sends:
            await self.rate.acquire(number.phone_number_id)
            wamid = await self.transport.send(number, payload)
        metrics.OUTBOUND_MESSAGES.labels("template" if as_template else "session").inc()
        return wamid

    async def _window_open(self, row: OutboxMessage) -> bool:
        async with self.database.transaction() as session:
            conversation = await session.get(Conversation, row.conversation_id) if row.conversation_id else None
            if conversation is None:
                found = await session.execute(
                    select(Conversation)
                    .where(Conversation.organization_id == row.organization_id, Conversation.wa_id == row.to_wa_id)
                    .limit(1)
                )
                conversation = found.scalars().first()
        return conversation is not None and window_is_open(conversation.last_inbound_at, self.clock.now())

    # --- recording the outcome ------------------------------------------------------------------

    async def _handle_error(self, row: OutboxMessage, message: OutboundMessage, error: GraphApiError) -> None:
        if error.disposition == Disposition.retry:
            await self._retry_or_fail(row, error, message)
            return
        if error.disposition == Disposition.template:
            reason = f"{error.reason()} — outside the 24-hour window and no template for this message"
        else:
            reason = error.reason()
        if error.is_account_problem:
            self._alert_operator(row.organization_id, error)
        await self._fail(row, message, reason, error)

    async def _retry_or_fail(
        self, row: OutboxMessage, error: GraphApiError, message: OutboundMessage | None = None
    ) -> None:
        if row.attempts >= self.max_attempts:
            await self._fail(row, message, f"gave up after {row.attempts} attempts: {error.reason()}", error)
            return
        metrics.OUTBOX_RETRIES.labels(metrics.error_code(error.code)).inc()
        delay = backoff(row.attempts, self.base_backoff_seconds)
        if error.code == PAIR_RATE_LIMIT:
            delay = max(delay, timedelta(seconds=6))  # about one message every 6 s to the same person
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(
                    status=OutboxStatus.pending, next_attempt_at=self.clock.now() + delay, last_error=error.reason()
                )
            )
        log.info("outbox row %s: %s; retrying in %.0fs", row.id, error.reason(), delay.total_seconds())

    async def _fail(
        self, row: OutboxMessage, message: OutboundMessage | None, reason: str, error: GraphApiError | None = None
    ) -> None:
        metrics.OUTBOX_FAILURES.labels(metrics.error_code(error.code if error else None)).inc()
        log.warning("outbox row %s to %s failed for good: %s", row.id, masked_phone(row.to_wa_id), reason)
        async with self.database.transaction() as session:
            await mark_failed(session, row, reason, error.as_dict() if error else {"message": reason}, self.clock.now())
            if message is not None and (error is None or not error.is_account_problem):
                await tell_owner_once(session, row, message, error.code if error else None, self.clock.now())

    def _alert_operator(self, organization_id: uuid.UUID, error: GraphApiError) -> None:
        key = (organization_id, error.code)
        if key not in self._account_alerts:
            self._account_alerts.add(key)
            log.error(
                "OPERATOR: WhatsApp refuses to send for organization %s: %s (the owner must reconnect or fix the account)",
                organization_id,
                error.reason(),
            )


async def mark_failed(
    session: AsyncSession, row: OutboxMessage, reason: str, error: dict[str, Any], now: datetime
) -> None:
    """The row and its message are failed for good, with the reason."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(status=OutboxStatus.failed, last_error=reason[:2000])
    )
    if row.message_id:
        message = await session.get(Message, row.message_id)
        if message is not None:
            message.status, message.status_at, message.error = "failed", now, error


async def tell_owner_once(
    session: AsyncSession, row: OutboxMessage, message: OutboundMessage, error_code: int | None, now: datetime
) -> bool:
    """Queue one notice to the owner that a message that mattered did not arrive.

    Only messages with a purpose (a confirmation, a reminder, a cancellation…) are worth it; never
    a notice about a notice, never one to the owner about themselves, and at most one a day per
    person. Returns whether a notice was queued.
    """
    if not message.purpose or message.purpose in NOT_WORTH_TELLING:
        return False
    owner = (
        (
            await session.execute(
                select(Staff)
                .where(
                    Staff.organization_id == row.organization_id, Staff.role == StaffRole.owner, Staff.active.is_(True)
                )
                .order_by(Staff.created_at)
                .limit(1)
            )
        )
        .scalars()
        .first()
    )
    if owner is None:
        return False
    owner_wa_id = owner.wa_id or whatsapp_id(owner.phone)
    if _same_person(owner_wa_id, row.to_wa_id):
        return False
    recent = await session.execute(
        select(OutboxMessage.body).where(
            OutboxMessage.organization_id == row.organization_id,
            OutboxMessage.to_wa_id == owner_wa_id,
            OutboxMessage.created_at > now - timedelta(hours=24),
        )
    )
    for (body,) in recent.all():
        hints = body.get(CHANNEL_KEY) if isinstance(body, dict) else None
        if body.get("purpose") == DELIVERY_PROBLEM and isinstance(hints, dict) and hints.get("about") == row.to_wa_id:
            return False
    name, phone = await _who(session, row)
    notice = delivery_problem_notice(owner_wa_id, message.purpose, name, phone, error_code)
    owner_conversation = (
        (
            await session.execute(
                select(Conversation)
                .where(Conversation.organization_id == row.organization_id, Conversation.staff_id == owner.id)
                .limit(1)
            )
        )
        .scalars()
        .first()
    )
    message_id = None
    if owner_conversation is not None:
        record = Message(
            organization_id=row.organization_id,
            conversation_id=owner_conversation.id,
            direction=Direction.outbound,
            sender_type=SenderType.system,
            content_type="text",
            text=notice.plain_text(),
            payload=notice.model_dump(mode="json"),
            status="pending",
        )
        session.add(record)
        await session.flush()
        message_id = record.id
    session.add(
        OutboxMessage(
            organization_id=row.organization_id,
            conversation_id=owner_conversation.id if owner_conversation else None,
            message_id=message_id,
            to_wa_id=owner_wa_id,
            body={**notice.model_dump(mode="json"), CHANNEL_KEY: {"about": row.to_wa_id}},
            created_at=now,
            next_attempt_at=now,
        )
    )
    return True


def _same_person(a: str, b: str) -> bool:
    try:
        return canonical_from_whatsapp_id(a) == canonical_from_whatsapp_id(b)
    except InvalidPhone:
        return a == b


async def _who(session: AsyncSession, row: OutboxMessage) -> tuple[str | None, str | None]:
    """The name and display phone of the person a failed message was for."""
    customer = None
    if row.conversation_id:
        conversation = await session.get(Conversation, row.conversation_id)
        if conversation is not None and conversation.customer_id:
            customer = await session.get(Customer, conversation.customer_id)
    try:
        phone = canonical_from_whatsapp_id(row.to_wa_id)
    except InvalidPhone:
        phone = None
    if customer is None and phone:
        customer = (
            (
                await session.execute(
                    select(Customer).where(Customer.organization_id == row.organization_id, Customer.phone == phone)
                )
            )
            .scalars()
            .first()
        )
    name = customer.name if customer is not None else None
    return name, display_phone(phone) if phone else None
