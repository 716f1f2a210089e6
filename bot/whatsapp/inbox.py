"""The inbox: every webhook event stored before Meta gets its 200, then processed exactly once.

Storing (`store_events`) happens inside the webhook request: one transaction, duplicates ignored
through the unique `event_key`. Processing (`InboxProcessor`) happens after the ack, per lane
(one person on one business number), oldest WhatsApp timestamp first, with the lane held so that
no two workers — in this process or another one on the same PostgreSQL — ever process the same
person's events at once. A crash between the ack and processing loses nothing: the start-up
sweep and the periodic sweep pick up whatever is still unprocessed.

Exactly once: the engine marks the inbox row processed in the transaction that records the turn
(`handle(event, inbox_event_id)`), so a crash either loses the whole turn (the event is processed
again) or none of it (the event is done). An event that cannot be processed is retried, the
person's later events waiting behind it, and after `MAX_ATTEMPTS` set aside with its error
(`failed_at`) so the lane moves on; `yume inbox failed` lists those and `yume inbox retry` puts
them back in line.

Order: WhatsApp's timestamp, not arrival. A person's message is held for `lane_hold_seconds` after
it arrived (the typing indicator already showing), so an older message delivered a moment later
is still answered first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import String, and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, DataError, IntegrityError, ProgrammingError, StatementError

from bot import metrics
from bot.logs import lane_label
from bot.whatsapp import coexistence, statuses
from bot.whatsapp.lanes import Lane, LaneLocks, lane_locks_for
from bot.whatsapp.outcome import Outcome
from bot.whatsapp.payloads import (
    ORDER_FREE_KINDS,
    WaContact,
    WaEcho,
    WaMessage,
    WebhookEvent,
    bounded_id,
    digest,
    person_lane,
    storable_text,
)
from bot.whatsapp.translate import EditOf, RevokeOf, Unusable, to_inbound, to_owner_echo
from bot.whatsapp.transport import BusinessNumber, Transport
from flows.core.events import InboundEvent, OwnerEcho
from flows.core.messages import OutboundMessage
from flows.core.trace import tracing
from scheduler.clock import Clock
from store.channel import InboxEvent, inbox_pending
from store.conversations import Conversation, ConversationStatus, Message
from store.database import Database, retry_on_disconnect
from store.models import Customer
from store.organizations import Organization

log = logging.getLogger("yume.whatsapp.inbox")

MAX_ATTEMPTS = 8  # then the event is set aside (failed_at, with the error) so the lane moves on
SILENT_KINDS = frozenset({"reaction"})  # answered with deliberate silence: no typing indicator
SET_ASIDE = "cannot be processed"  # the start of last_error for an event that can never work as it is
PENDING_BATCH = 200  # a lane's events read per pass
BUSY_RETRY_SECONDS = 0.004  # another process holds a lane this one was kicked for: look again this soon,
BUSY_RETRY_MAX_SECONDS = 0.1  # then twice as long each time, up to this
BUSY_PATIENCE_SECONDS = 30.0  # then leave it to the periodic sweep (a process that hangs holding it)
MAX_READ_RECEIPTS_IN_FLIGHT = 32  # a courtesy: beyond this many at once, skip rather than queue


class ConversationEngine(Protocol):
    """What the channel needs from `flows`: one inbound event in, replies out (already in the outbox).

    `inbox_event_id` is the inbox row the event came from: the engine marks it processed
    (`store.channel.mark_processed`) in the transaction that records the turn, and raises when
    nothing could be recorded (the inbox then retries the event).
    """

    async def handle(self, event: InboundEvent, inbox_event_id: uuid.UUID | None = None) -> list[OutboundMessage]: ...

    async def handle_echo(self, echo: OwnerEcho, inbox_event_id: uuid.UUID | None = None) -> bool: ...


@dataclass
class StoreResult:
    """What one webhook delivery added to the inbox."""

    events: int
    lanes: set[Lane] = field(default_factory=set)


class NumberDirectory:
    """Which organization a business number (or account) belongs to, remembered for a minute.

    The webhook asks on every delivery; the answer changes only when a business connects or
    leaves. Unknown numbers are never remembered (a business that just connected is found at once).
    """

    def __init__(self, ttl_seconds: float = 60.0) -> None:
        self.ttl = ttl_seconds
        self._known: dict[tuple[str, str], tuple[uuid.UUID, float]] = {}

    async def lookup(self, connection: Any, numbers: set[str], wabas: set[str]) -> dict[tuple[str, str], uuid.UUID]:
        now = time.monotonic()
        wanted = {("number", number) for number in numbers} | {("waba", waba) for waba in wabas}
        found = {key: org for key, (org, at) in self._known.items() if key in wanted and now - at < self.ttl}
        missing_numbers = {value for kind, value in wanted - found.keys() if kind == "number"}
        missing_wabas = {value for kind, value in wanted - found.keys() if kind == "waba"}
        if missing_numbers:
            rows = await connection.execute(
                select(Organization.wa_phone_number_id, Organization.id).where(
                    Organization.wa_phone_number_id.in_(missing_numbers)
                )
            )
            found.update({("number", number): org_id for number, org_id in rows.all()})
        if missing_wabas:
            rows = await connection.execute(
                select(Organization.waba_id, Organization.id).where(Organization.waba_id.in_(missing_wabas))
            )
            found.update({("waba", waba): org_id for waba, org_id in rows.all()})
        for key, org_id in found.items():
            self._known.setdefault(key, (org_id, now))
        return found


_INSERT_IGNORING_DUPLICATES = {
    name: dialect.insert(InboxEvent.__table__).on_conflict_do_nothing(index_elements=["event_key"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


async def store_events(
    database: Database, events: list[WebhookEvent], received_at: datetime, directory: NumberDirectory | None = None
) -> StoreResult:
    """Persist `events` in one transaction; already-stored events (same `event_key`) are skipped.

    An event the database refuses as it is (a value its JSON cannot hold, whatever slipped past
    the edge) is stored as an `unknown` event with the reason and an excerpt instead: a signed,
    parseable delivery is never refused (Meta would retry it for a week). Only an outage raises.
    """
    if not events:
        return StoreResult(0)
    try:
        await retry_on_disconnect(lambda: _insert(database, events, received_at, directory))
    except Exception as error:
        if not _refused_data(error):
            raise
        log.warning("a delivery of %d events was refused as it is (%s); storing them one by one", len(events), error)
        for index, event in enumerate(events):
            try:
                await _insert(database, [event], received_at + timedelta(microseconds=index), directory)
            except Exception as single:
                if not _refused_data(single):
                    raise
                log.warning("webhook event %s cannot be stored as it is: %s", event.event_key, single)
                await _insert(database, [_unstorable(event, single)], received_at + timedelta(microseconds=index), directory)
    return StoreResult(len({event.event_key for event in events}), {Lane(event.phone_number_id, event.sender) for event in events})


def _refused_data(error: BaseException) -> bool:
    """The database (or the driver) refused the values, as opposed to being unreachable."""
    if isinstance(error, (DataError, IntegrityError, ProgrammingError)):
        return True
    if isinstance(error, DBAPIError):
        # asyncpg's errors reach SQLAlchemy unclassified: read the SQLSTATE class instead
        # (22 data exception, 23 integrity, 42 syntax; 08 connection, 57 shutdown, 53 resources are outages).
        sqlstate = str(getattr(error.orig, "sqlstate", "") or "")
        return sqlstate[:2] in ("22", "23", "42")
    if isinstance(error, StatementError):
        return True  # binding the parameters failed (a JSON value the serializer refuses)
    return isinstance(error, (ValueError, TypeError, OverflowError, RecursionError))


def _unstorable(event: WebhookEvent, error: BaseException) -> WebhookEvent:
    excerpt = storable_text(json.dumps(event.payload, default=repr, ensure_ascii=True)[:4000])
    return WebhookEvent(
        event_key=f"unstorable:{digest(event.event_key)}",
        kind="unknown",
        payload={"unstorable": f"{type(error).__name__}: {error}"[:1000], "event_key": event.event_key, "excerpt": excerpt},
        phone_number_id=event.phone_number_id,
        waba_id=event.waba_id,
        sender=event.sender,
        wa_timestamp=event.wa_timestamp,
    )


async def _insert(
    database: Database, events: list[WebhookEvent], received_at: datetime, directory: NumberDirectory | None
) -> None:
    # A Core connection, not an ORM session: this runs in every webhook request, before the 200.
    async with database.engine.begin() as connection:
        numbers = {event.phone_number_id for event in events if event.phone_number_id}
        wabas = {event.waba_id for event in events if event.waba_id and not event.phone_number_id}
        owners = await (directory or NumberDirectory(ttl_seconds=0)).lookup(connection, numbers, wabas)
        values: dict[str, dict[str, Any]] = {}
        for index, event in enumerate(events):
            organization_id = owners.get(("number", event.phone_number_id or "")) or owners.get(
                ("waba", event.waba_id or "")
            )
            values.setdefault(
                event.event_key,
                {
                    "id": uuid.uuid4(),
                    "event_key": event.event_key,
                    "kind": event.kind,
                    "phone_number_id": event.phone_number_id,
                    "organization_id": organization_id,
                    "sender": event.sender,
                    "payload": event.payload,
                    "wa_timestamp": event.wa_timestamp,
                    # A microsecond apart: events of one delivery with the same WhatsApp second keep their order.
                    "received_at": received_at + timedelta(microseconds=index),
                    "processed_at": None,
                    "failed_at": None,
                    "attempts": 0,
                    "last_error": None,
                },
            )
            if event.phone_number_id and organization_id is None:
                log.warning(
                    "webhook event %s for unknown phone_number_id %s: stored, not answered",
                    event.event_key,
                    event.phone_number_id,
                )
        # One statement compiled once, executed for every row (no per-delivery SQL compilation).
        await connection.execute(_INSERT_IGNORING_DUPLICATES[database.dialect], list(values.values()))


@dataclass
class _BusinessInfo:
    number: BusinessNumber | None
    fetched_at: datetime


@dataclass
class _Drained:
    """How one pass over a held lane ended."""

    done: int = 0
    blocked: bool = False  # an event failed: later ones wait (order before progress)
    wait: float | None = None  # seconds until the oldest pending message may be processed (the hold)
    busy: bool = False  # another worker (another process) holds the lane: try again shortly
    read: int = 0  # pending events this pass read


class InboxProcessor:
    """Processes stored events lane by lane; `kick` after storing, `sweep` on start and periodically."""

    def __init__(
        self,
        database: Database,
        engine: ConversationEngine,
        transport: Transport | None,
        clock: Clock,
        *,
        on_outbound: Callable[[], None] | None = None,
        lane_locks: LaneLocks | None = None,
        max_concurrent_lanes: int = 8,
        mark_read: bool = True,
        lane_hold_seconds: float = 0.0,
    ) -> None:
        self.database = database
        self.engine = engine
        self.transport = transport
        self.clock = clock
        self.on_outbound = on_outbound or (lambda: None)
        self.lane_locks = lane_locks or lane_locks_for(database)
        self.mark_read = mark_read and transport is not None
        self.lane_hold = max(0.0, lane_hold_seconds)
        self._slots = asyncio.Semaphore(max_concurrent_lanes)
        self._running: dict[Lane, asyncio.Task[None]] = {}
        self._again: set[Lane] = set()
        self._businesses: dict[uuid.UUID, _BusinessInfo] = {}
        self._first_seen: dict[uuid.UUID, float] = {}  # held events: when this process first saw them
        self._acknowledged: set[str] = set()  # message ids whose read receipt is out (or skipped)
        self._chat_status: dict[uuid.UUID, str | None] = {}  # pending events: their sender's chat status
        self._receipts: set[asyncio.Task[None]] = set()
        self._closed = False

    # --- scheduling -----------------------------------------------------------------------------

    def kick(self, lanes: Iterable[Lane]) -> None:
        """Process these lanes soon (in the background); a lane already running goes round again."""
        if self._closed:
            return
        for lane in lanes:
            if lane in self._running:
                self._again.add(lane)
                continue
            task = asyncio.get_running_loop().create_task(self._run_lane(lane), name=f"inbox {lane.name}")
            self._running[lane] = task

    async def _run_lane(self, lane: Lane) -> None:
        busy_since: float | None = None
        busy_pause = BUSY_RETRY_SECONDS
        try:
            while True:
                self._again.discard(lane)
                try:
                    async with self._slots:
                        # A connection the database dropped (a restart) is recycled: go again at once.
                        drained = await retry_on_disconnect(lambda: self._drain(lane))
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("inbox lane %s failed; the sweep will retry it", lane.name)
                    return
                if drained.wait is not None:
                    # The hold: neither the lane nor a worker slot is kept meanwhile.
                    await asyncio.sleep(drained.wait)
                    continue
                if drained.busy:
                    busy_since = busy_since or time.monotonic()
                    if time.monotonic() - busy_since < BUSY_PATIENCE_SECONDS:
                        # Another process holds the lane (usually for the last milliseconds of a
                        # turn): its worker does not look for what was stored meanwhile, so this
                        # one comes back for it, soon and then less often (the sweep, should that
                        # process hang).
                        await asyncio.sleep(busy_pause)
                        busy_pause = min(busy_pause * 2, BUSY_RETRY_MAX_SECONDS)
                        continue
                busy_since, busy_pause = None, BUSY_RETRY_SECONDS
                if lane not in self._again:
                    return
        finally:
            self._running.pop(lane, None)

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no lane (nor read receipt) is being processed in this process (tests, `yume chat`, shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._running or self._receipts:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"inbox lanes still running: {[lane.name for lane in self._running]}")
            await asyncio.wait([*self._running.values(), *self._receipts], timeout=remaining)

    async def close(self) -> None:
        """Stop taking work and let running lanes finish (they are short)."""
        self._closed = True
        try:
            await self.wait_idle(timeout=10.0)
        except TimeoutError:
            for task in self._running.values():
                task.cancel()
            await asyncio.gather(*self._running.values(), return_exceptions=True)
        for receipt in list(self._receipts):
            receipt.cancel()
        await asyncio.gather(*self._receipts, return_exceptions=True)

    async def sweep(self, limit: int = 500) -> int:
        """Kick every lane with unprocessed events (start-up and periodic); returns how many."""
        async with self.database.transaction() as session:
            rows = await session.execute(
                select(InboxEvent.phone_number_id, InboxEvent.sender)
                .where(inbox_pending())
                .group_by(InboxEvent.phone_number_id, InboxEvent.sender)
                .limit(limit)
            )
            lanes = [Lane(number, sender) for number, sender in rows.all()]
        self.kick(lanes)
        return len(lanes)

    async def run_periodic_sweep(self, interval_seconds: float) -> None:
        """Sweep forever (a background task started with the app)."""
        while not self._closed:
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("inbox sweep failed")
            await asyncio.sleep(interval_seconds)

    # --- one lane -------------------------------------------------------------------------------

    async def drain(self, lane: Lane) -> int:
        """Process the lane's pending events in order while holding it; returns how many were done.

        When another worker holds the lane, this returns at once (`busy`): a lane worker of this
        process comes back shortly, so nothing stored meanwhile is left behind. Messages still in
        their hold are left for later (`kick` the lane, or the sweep, processes them).
        """
        return (await self._drain(lane)).done

    async def _drain(self, lane: Lane) -> _Drained:
        processed = 0
        marked_here: set[uuid.UUID] = set()
        while True:
            async with self.lane_locks.hold(lane, _PENDING, _lane_parameters(lane)) as holding:
                if not holding.got:
                    return _Drained(processed, busy=True)
                drained = await self._drain_held(lane, marked_here, holding.rows)
                processed += drained.done
            if drained.blocked or drained.wait is not None:
                # An event failed (the sweep retries the lane later, in order), or the oldest
                # message is still in its hold (the caller comes back when it is over).
                return _Drained(processed, drained.blocked, drained.wait)
            # An event stored while we held the lane: in this process it kicked the lane again
            # (`_again`); from another process, that one's worker found the lane busy and comes
            # back. Only a pass cut short by the batch limit goes round again at once.
            if drained.read < PENDING_BATCH:
                return _Drained(processed)

    async def _pending(self, lane: Lane, rows: list[dict[str, Any]] | None = None) -> list[InboxEvent]:
        """The lane's pending events in order (`rows`: as the lane lock already read them)."""
        if rows is None:
            async with self.database.engine.connect() as connection:
                rows = [dict(row._mapping) for row in (await connection.execute(_PENDING, _lane_parameters(lane))).all()]
        pending = []
        for values in rows:
            # Read with the events (one query less per message): whether the owner has this chat.
            self._chat_status[values["id"]] = values.pop("chat_status")
            pending.append(InboxEvent(**values))
        return sorted(pending, key=lambda row: (row.wa_timestamp or row.received_at, row.received_at, row.event_key))

    async def _drain_held(self, lane: Lane, marked_here: set[uuid.UUID], rows: list[dict[str, Any]] | None) -> _Drained:
        """Process what is pending and ready, oldest WhatsApp timestamp first (one pass)."""
        pending = await self._pending(lane, rows)
        drained = _Drained(read=len(pending))
        for row in pending:
            if row.id in marked_here:
                # The engine said it marked this row, yet it is still pending: never run it twice.
                log.error("inbox event %s was handled but not marked processed; marking it now", row.event_key)
                await self._record(row, Outcome.ok("handled, but the handler did not mark it"))
                continue
            wait = self._hold_left(row)
            if wait is not None:
                await self._acknowledge_row(row)  # the typing indicator shows during the hold
                drained.wait = wait
                return drained
            # Every log line of this event — inbox, engine, NLU — carries its id, business and lane.
            with tracing(
                message_id=traced_id(row.event_key),
                organization_id=row.organization_id,
                lane=lane_label(row.phone_number_id, row.sender),
            ):
                outcome = await self._process_safely(row, pending)
                await self._record(row, outcome)
            if outcome.marked:
                marked_here.add(row.id)
            if outcome.done:
                drained.done += 1
            elif not outcome.order_free:
                drained.blocked = True  # keep the order: later events wait for this one
                return drained
        return drained

    def _hold_left(self, row: InboxEvent) -> float | None:
        """Seconds this person's message must still wait for an older one that may be on its way.

        A message may be processed `lane_hold_seconds` after it arrived (by the clock), and at the
        latest that long after this process first saw it (a frozen or jumping clock never holds a
        lane longer). Events whose order does not matter are never held.
        """
        if self.lane_hold <= 0 or row.kind in ORDER_FREE_KINDS:
            return None
        first_seen = self._first_seen.setdefault(row.id, time.monotonic())
        left_by_clock = (row.received_at + timedelta(seconds=self.lane_hold) - self.clock.now()).total_seconds()
        left_here = first_seen + self.lane_hold - time.monotonic()
        left = min(left_by_clock, left_here)
        if left <= 0:
            self._first_seen.pop(row.id, None)
            return None
        return left

    async def _process_safely(self, row: InboxEvent, batch: list[InboxEvent]) -> Outcome:
        try:
            return await retry_on_disconnect(lambda: self._process(row, batch))
        except asyncio.CancelledError:
            raise
        except ValidationError as error:
            log.warning("inbox event %s has a shape Yume cannot read: %s", row.event_key, error)
            if row.kind in ("message", "echo"):  # someone wrote and would get no answer: an operator should see it
                return Outcome.set_aside(f"unreadable {row.kind}: {error.error_count()} problems: {error}"[:2000])
            return Outcome(done=True, note=f"unreadable payload: {error.error_count()} problems")
        except Exception as error:
            log.exception("inbox event %s failed (attempt %d)", row.event_key, row.attempts + 1)
            return Outcome(
                done=False, error=f"{type(error).__name__}: {error}"[:2000], order_free=row.kind in ORDER_FREE_KINDS
            )

    async def _record(self, row: InboxEvent, outcome: Outcome) -> None:
        if outcome.marked:
            return  # the handler marked it in its own transaction
        now = self.clock.now()
        values: dict[str, Any]
        if outcome.done:
            values = {"processed_at": now, "last_error": f"skipped: {outcome.note}" if outcome.note else None}
        elif outcome.hopeless:
            values = {"failed_at": now, "last_error": f"{SET_ASIDE}: {outcome.error}"}
            log.error("inbox event %s set aside: %s", row.event_key, outcome.error)
        else:
            attempts = row.attempts + 1
            values = {"attempts": attempts, "last_error": outcome.error}
            if attempts >= MAX_ATTEMPTS and not outcome.deferred:
                values["failed_at"] = now
                values["last_error"] = f"gave up after {attempts} attempts: {outcome.error}"
                log.error("inbox event %s set aside after %d attempts: %s", row.event_key, attempts, outcome.error)
        async with self.database.engine.begin() as connection:
            # Never over a row that is done or set aside (a handler that failed after marking it).
            await connection.execute(
                update(_INBOX).where(_INBOX.c.id == row.id, _INBOX.c.processed_at.is_(None), _INBOX.c.failed_at.is_(None)),
                values,
            )
        row.attempts = values.get("attempts", row.attempts)

    # --- one event ------------------------------------------------------------------------------

    async def _process(self, row: InboxEvent, batch: list[InboxEvent]) -> Outcome:
        organization_id = row.organization_id or await self._organization_for(row.phone_number_id)
        payload = row.payload or {}
        if row.kind == "message":
            if organization_id is None:
                return Outcome(done=True, note=f"unknown phone_number_id {row.phone_number_id}")
            return await self._message(row, organization_id, payload, batch)
        if row.kind == "echo":
            if organization_id is None:
                return Outcome(done=True, note=f"unknown phone_number_id {row.phone_number_id}")
            return await self._echo(row, organization_id, payload)
        if row.kind == "status":
            return await statuses.apply_status(
                self.database, payload, self.clock, received_at=row.received_at, on_outbound=self.on_outbound
            )
        if row.kind == "state_sync":
            if organization_id is None:
                return Outcome(done=True, note=f"unknown phone_number_id {row.phone_number_id}")
            return await coexistence.apply_state_sync(self.database, organization_id, payload, self.clock)
        if row.kind == "history":
            if organization_id is None:
                return Outcome(done=True, note=f"unknown phone_number_id {row.phone_number_id}")
            return await coexistence.import_history(self.database, organization_id, payload, self.clock)
        if row.kind == "account_update":
            return await coexistence.apply_account_update(self.database, payload, self.clock)
        if row.kind == "error":
            log.warning("WhatsApp reported an error for %s: %s", row.phone_number_id, payload.get("error"))
            return Outcome(done=True, note="error reported by WhatsApp (logged)")
        log.info("inbox event %s: nothing to do (%s)", row.event_key, row.kind)
        return Outcome(done=True, note=f"nothing to do for a {row.kind} event")

    async def _message(
        self, row: InboxEvent, organization_id: uuid.UUID, payload: dict[str, Any], batch: list[InboxEvent]
    ) -> Outcome:
        message = WaMessage.model_validate(payload.get("message") or {})
        contact = WaContact.model_validate(payload["contact"]) if payload.get("contact") else None
        if message.id and _superseded_in(batch, row, bounded_id(message.id)):
            return Outcome(done=True, note="edited or deleted before Yume acted on it")
        translated = to_inbound(message, contact, organization_id, row.received_at)
        if isinstance(translated, Unusable):
            return Outcome.set_aside(translated.reason)
        if isinstance(translated, RevokeOf):
            await self._retire(translated.original_message_id, row, "deleted by the sender")
            return Outcome(done=True, note="a deleted message (nothing to answer)")
        event = translated
        if isinstance(translated, EditOf):
            if translated.original_message_id and await self._acted_on(translated.original_message_id):
                return Outcome(done=True, note="an edit of a message Yume already acted on")
            await self._retire(translated.original_message_id, row, "replaced by its edit")
            event = translated.event
        self._acknowledge_soon(organization_id, event.message_id, event.wa_id, event.kind, self._status_of(row, event.wa_id))
        metrics.INBOUND_MESSAGES.labels(event.kind).inc()
        started = time.perf_counter()
        await self.engine.handle(event, row.id)
        elapsed = time.perf_counter() - started
        metrics.TURN_SECONDS.observe(elapsed)
        log.info("%s message handled in %.0f ms", event.kind, elapsed * 1000)
        self.on_outbound()
        return Outcome(done=True, marked=True)

    async def _echo(self, row: InboxEvent, organization_id: uuid.UUID, payload: dict[str, Any]) -> Outcome:
        echo = WaEcho.model_validate(payload.get("echo") or {})
        contact = WaContact.model_validate(payload["contact"]) if payload.get("contact") else None
        owner_echo = to_owner_echo(echo, contact, organization_id, row.received_at)
        if isinstance(owner_echo, Unusable):
            return Outcome.set_aside(owner_echo.reason)
        if not await self.engine.handle_echo(owner_echo, row.id):
            return Outcome(done=False, error="the engine could not record the owner's message")
        self.on_outbound()
        return Outcome(done=True, marked=True)

    # --- helpers --------------------------------------------------------------------------------

    async def _organization_for(self, phone_number_id: str | None) -> uuid.UUID | None:
        if not phone_number_id:
            return None
        async with self.database.transaction() as session:
            found = await session.execute(
                select(Organization.id).where(Organization.wa_phone_number_id == phone_number_id)
            )
            return found.scalar_one_or_none()

    async def _acted_on(self, wa_message_id: str) -> bool:
        """Whether Yume already processed the message with this id (or recorded it)."""
        async with self.database.transaction() as session:
            found = await session.execute(select(Message.id).where(Message.wa_message_id == wa_message_id).limit(1))
            if found.first() is not None:
                return True
            found = await session.execute(
                select(InboxEvent.processed_at, InboxEvent.last_error).where(
                    InboxEvent.event_key == f"msg:{wa_message_id}"
                )
            )
            row = found.first()
        return row is not None and row.processed_at is not None and not (row.last_error or "").startswith("skipped:")

    async def _retire(self, wa_message_id: str | None, by: InboxEvent, why: str) -> None:
        """Make sure the original of an edit or deletion is never acted on, even if it arrives later."""
        if not wa_message_id:
            return
        now = self.clock.now()
        key = f"msg:{wa_message_id}"
        async with self.database.transaction() as session:
            await session.execute(
                update(InboxEvent)
                .where(InboxEvent.event_key == key, InboxEvent.processed_at.is_(None))
                .values(processed_at=now, last_error=f"skipped: {why}")
            )
            dialect = postgresql if self.database.dialect == "postgresql" else sqlite
            await session.execute(
                dialect.insert(InboxEvent)
                .values(
                    id=uuid.uuid4(),
                    event_key=key,
                    kind="message",
                    phone_number_id=by.phone_number_id,
                    organization_id=by.organization_id,
                    sender=by.sender,
                    payload={"retired_by": by.event_key},
                    wa_timestamp=by.wa_timestamp,
                    received_at=now,
                    processed_at=now,
                    attempts=0,
                    last_error=f"skipped: {why}",
                )
                .on_conflict_do_nothing(index_elements=["event_key"])
            )

    # --- read receipts: beside the turn, never before it ----------------------------------------

    async def _acknowledge_row(self, row: InboxEvent) -> None:
        """The read receipt of a message that is still in its hold."""
        if not self.mark_read or row.kind != "message":
            return
        organization_id = row.organization_id or await self._organization_for(row.phone_number_id)
        if organization_id is None:
            return
        try:
            message = WaMessage.model_validate((row.payload or {}).get("message") or {})
        except ValidationError:
            return
        if message.id and message.type not in ("edit", "revoke"):
            self._acknowledge_soon(
                organization_id, bounded_id(message.id), message.from_, message.type or "", self._status_of(row, message.from_)
            )

    def _status_of(self, row: InboxEvent, wa_id: str | None) -> str | None | bool:
        """The chat status read with the pending event when it is this WhatsApp id's (else False: unknown)."""
        status = self._chat_status.pop(row.id, False)
        if len(self._chat_status) > 10_000:
            self._chat_status.clear()  # only a memory bound: an unknown status is read again
        return status if wa_id and row.sender == person_lane(wa_id, None) else False

    def _acknowledge_soon(
        self, organization_id: uuid.UUID, message_id: str, wa_id: str | None, kind: str, status: str | None | bool = False
    ) -> None:
        """Blue ticks and "escribiendo…" while the engine works, sent beside the turn (not awaited).

        Not when the owner has the chat (they read it on the phone), not for reactions' typing.
        """
        if not self.mark_read or self.transport is None or message_id.startswith("local."):
            return
        if message_id in self._acknowledged:
            return
        self._acknowledged.add(message_id)
        if len(self._acknowledged) > 10_000:
            self._acknowledged.clear()  # only a memory bound: a second receipt is harmless
        if len(self._receipts) >= MAX_READ_RECEIPTS_IN_FLIGHT:
            log.info("skipping the read receipt of %s: %d already in flight", message_id, len(self._receipts))
            return
        task = asyncio.get_running_loop().create_task(
            self._acknowledge(organization_id, message_id, wa_id, kind, status), name="inbox read receipt"
        )
        self._receipts.add(task)
        task.add_done_callback(self._receipts.discard)

    async def _acknowledge(
        self, organization_id: uuid.UUID, message_id: str, wa_id: str | None, kind: str, status: str | None | bool
    ) -> None:
        """`status`: the chat's, when read with the event (None: no chat yet); False: read it now."""
        try:
            number = await self._business_number(organization_id)
            if number is None:
                return
            handed_off = (
                await self._handed_off(organization_id, wa_id)
                if status is False
                else status == ConversationStatus.handed_off
            )
            if handed_off:
                return
            assert self.transport is not None
            await asyncio.wait_for(self.transport.mark_read(number, message_id, kind not in SILENT_KINDS), timeout=3)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a read receipt is a courtesy: never anything more
            log.info("could not mark %s read: %s", message_id, error)

    async def _business_number(self, organization_id: uuid.UUID) -> BusinessNumber | None:
        now = self.clock.now()
        cached = self._businesses.get(organization_id)
        if cached is not None and now - cached.fetched_at < timedelta(seconds=60):
            return cached.number
        async with self.database.transaction() as session:
            organization = await session.get(Organization, organization_id)
        number = None
        if organization is not None and organization.wa_phone_number_id:
            number = BusinessNumber(
                organization.id, organization.wa_phone_number_id, organization.access_token_encrypted
            )
        self._businesses[organization_id] = _BusinessInfo(number, now)
        return number

    async def _handed_off(self, organization_id: uuid.UUID, wa_id: str | None) -> bool:
        if not wa_id:
            return False
        async with self.database.engine.connect() as connection:
            found = await connection.execute(_CHAT_STATUS, {"organization_id": organization_id, "wa_id": wa_id})
            return found.scalar_one_or_none() == ConversationStatus.handed_off


def traced_id(event_key: str) -> str:
    """The WhatsApp message id in an inbox key ("msg:wamid.X", "status:wamid.X:read"), else the key."""
    kind, _, rest = event_key.partition(":")
    if kind in ("msg", "echo", "status") and rest:
        return rest.split(":", 1)[0]
    return event_key


# The statements every event goes through, built once (building a statement costs more CPU than
# running it). A lane may lack a number or a sender: IS NOT DISTINCT FROM matches NULL too.
_INBOX = InboxEvent.__table__  # type: ignore[attr-defined]
_IN_LANE = and_(
    _INBOX.c.phone_number_id.is_not_distinct_from(bindparam("number", type_=String)),
    _INBOX.c.sender.is_not_distinct_from(bindparam("sender", type_=String)),
    _INBOX.c.processed_at.is_(None),
    _INBOX.c.failed_at.is_(None),
)
_CONVERSATION = Conversation.__table__  # type: ignore[attr-defined]
_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_PENDING = (
    select(
        _INBOX,
        # A person's lane is their canonical phone: the chat of the customer with that phone.
        select(_CONVERSATION.c.status)
        .join(_CUSTOMER, _CUSTOMER.c.id == _CONVERSATION.c.customer_id)
        .where(_CUSTOMER.c.organization_id == _INBOX.c.organization_id, _CUSTOMER.c.phone == _INBOX.c.sender)
        .limit(1)
        .scalar_subquery()
        .label("chat_status"),
    )
    .where(_IN_LANE)
    .order_by(func.coalesce(_INBOX.c.wa_timestamp, _INBOX.c.received_at), _INBOX.c.received_at, _INBOX.c.event_key)
    .limit(PENDING_BATCH)
)
_CHAT_STATUS = (
    select(Conversation.__table__.c.status)  # type: ignore[attr-defined]
    .where(
        Conversation.__table__.c.organization_id == bindparam("organization_id"),  # type: ignore[attr-defined]
        Conversation.__table__.c.wa_id == bindparam("wa_id"),  # type: ignore[attr-defined]
    )
    .limit(1)
)


def _lane_parameters(lane: Lane) -> dict[str, str | None]:
    return {"number": lane.phone_number_id, "sender": lane.sender}


def _superseded_in(batch: list[InboxEvent], row: InboxEvent, message_id: str) -> bool:
    """Whether a later event in the same pending batch edits or deletes this message."""
    for other in batch:
        if other.id == row.id or other.processed_at is not None:
            continue
        message = (other.payload or {}).get("message")
        if not isinstance(message, dict):
            continue
        for kind in ("edit", "revoke"):
            target = message.get(kind)
            original = target.get("original_message_id") if isinstance(target, dict) else None
            if message.get("type") == kind and isinstance(original, str) and bounded_id(original) == message_id:
                return True
    return False
