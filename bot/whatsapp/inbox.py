"""The inbox: every webhook event stored before Meta gets its 200, then processed exactly once.

Storing (`store_events`) happens inside the webhook request: one transaction, duplicates ignored
through the unique `event_key`. Processing (`InboxProcessor`) happens after the ack, per lane
(one person on one business number), oldest WhatsApp timestamp first, with the lane held so that
no two workers — in this process or another one on the same PostgreSQL — ever process the same
person's events at once. A crash between the ack and processing loses nothing: the start-up
sweep and the periodic sweep pick up whatever is still unprocessed.

Exactly once: the engine records the inbound message (unique WhatsApp id) in the same
transaction as its state change and replies; before handing an event to the engine the processor
checks for that record, so an event processed just before a crash is not processed twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot import metrics
from bot.logs import lane_label
from bot.whatsapp import coexistence, statuses
from bot.whatsapp.lanes import Lane, LaneLocks, lane_locks_for
from bot.whatsapp.outcome import Outcome
from bot.whatsapp.payloads import ORDER_FREE_KINDS, WaContact, WaEcho, WaMessage, WebhookEvent
from bot.whatsapp.translate import EditOf, RevokeOf, to_inbound, to_owner_echo
from bot.whatsapp.transport import BusinessNumber, Transport
from flows.events import InboundEvent, OwnerEcho
from flows.messages import OutboundMessage
from flows.trace import tracing
from scheduler.clock import Clock
from store.channel import InboxEvent
from store.conversations import Conversation, ConversationStatus, Message
from store.database import Database
from store.organizations import Organization

log = logging.getLogger("yume.whatsapp.inbox")

MAX_ATTEMPTS = 8  # then the event is set aside (processed, with the error) so the lane moves on
SILENT_KINDS = frozenset({"reaction"})  # answered with deliberate silence: no typing indicator


class ConversationEngine(Protocol):
    """What the channel needs from `flows`: one inbound event in, replies out (already in the outbox)."""

    async def handle(self, event: InboundEvent) -> list[OutboundMessage]: ...

    async def handle_echo(self, echo: OwnerEcho) -> None: ...


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
    """Persist `events` in one transaction; already-stored events (same `event_key`) are skipped."""
    if not events:
        return StoreResult(0)
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
    return StoreResult(len(values), {Lane(event.phone_number_id, event.sender) for event in events})


@dataclass
class _BusinessInfo:
    number: BusinessNumber | None
    fetched_at: datetime


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
    ) -> None:
        self.database = database
        self.engine = engine
        self.transport = transport
        self.clock = clock
        self.on_outbound = on_outbound or (lambda: None)
        self.lane_locks = lane_locks or lane_locks_for(database)
        self.mark_read = mark_read and transport is not None
        self._slots = asyncio.Semaphore(max_concurrent_lanes)
        self._running: dict[Lane, asyncio.Task[None]] = {}
        self._again: set[Lane] = set()
        self._businesses: dict[uuid.UUID, _BusinessInfo] = {}
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
        try:
            while True:
                self._again.discard(lane)
                try:
                    async with self._slots:
                        await self.drain(lane)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("inbox lane %s failed; the sweep will retry it", lane.name)
                    return
                if lane not in self._again:
                    return
        finally:
            self._running.pop(lane, None)

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no lane is being processed in this process (tests, `yume chat`, shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._running:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"inbox lanes still running: {[lane.name for lane in self._running]}")
            await asyncio.wait(list(self._running.values()), timeout=remaining)

    async def close(self) -> None:
        """Stop taking work and let running lanes finish (they are short)."""
        self._closed = True
        try:
            await self.wait_idle(timeout=10.0)
        except TimeoutError:
            for task in self._running.values():
                task.cancel()
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def sweep(self, limit: int = 500) -> int:
        """Kick every lane with unprocessed events (start-up and periodic); returns how many."""
        async with self.database.transaction() as session:
            rows = await session.execute(
                select(InboxEvent.phone_number_id, InboxEvent.sender)
                .where(InboxEvent.processed_at.is_(None))
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

        When another worker holds the lane, this returns at once: that worker re-checks the lane
        after letting go, so nothing stored meanwhile is left behind.
        """
        processed = 0
        while True:
            async with self.lane_locks.hold(lane) as mine:
                if not mine:
                    return processed
                done, blocked = await self._drain_held(lane)
                processed += done
            if blocked:
                return processed  # an event failed: the sweep retries the lane later, in order
            # Re-check after letting go: an event stored while we held the lane, whose own worker
            # found the lane busy, is ours to process.
            if not await self._has_ready(lane):
                return processed

    async def _has_ready(self, lane: Lane) -> bool:
        async with self.database.transaction() as session:
            row = await session.execute(
                select(InboxEvent.id)
                .where(_lane_filter(lane), InboxEvent.processed_at.is_(None), InboxEvent.attempts == 0)
                .limit(1)
            )
            return row.first() is not None

    async def _pending(self, lane: Lane) -> list[InboxEvent]:
        async with self.database.transaction() as session:
            rows = await session.execute(
                select(InboxEvent)
                .where(_lane_filter(lane), InboxEvent.processed_at.is_(None))
                .order_by(
                    func.coalesce(InboxEvent.wa_timestamp, InboxEvent.received_at),
                    InboxEvent.received_at,
                    InboxEvent.event_key,
                )
                .limit(200)
            )
            return list(rows.scalars())

    async def _drain_held(self, lane: Lane) -> tuple[int, bool]:
        """Process what is pending; returns (events done, whether a failure holds up the lane)."""
        done = 0
        while True:
            pending = await self._pending(lane)
            if not pending:
                return done, False
            progressed = False
            blocked = False
            for row in pending:
                # Every log line of this event — inbox, engine, NLU — carries its id, business and lane.
                with tracing(
                    message_id=traced_id(row.event_key),
                    organization_id=row.organization_id,
                    lane=lane_label(row.phone_number_id, row.sender),
                ):
                    outcome = await self._process_safely(row, pending)
                    await self._record(row, outcome)
                if outcome.done:
                    done += 1
                    progressed = True
                elif not outcome.order_free:
                    blocked = True  # keep the order: later events wait for this one
                    break
            if blocked or not progressed:
                return done, blocked

    async def _process_safely(self, row: InboxEvent, batch: list[InboxEvent]) -> Outcome:
        try:
            return await self._process(row, batch)
        except asyncio.CancelledError:
            raise
        except ValidationError as error:
            log.warning("inbox event %s has a shape Yume cannot read: %s", row.event_key, error)
            return Outcome(done=True, note=f"unreadable payload: {error.error_count()} problems")
        except Exception as error:
            log.exception("inbox event %s failed (attempt %d)", row.event_key, row.attempts + 1)
            return Outcome(
                done=False, error=f"{type(error).__name__}: {error}", order_free=row.kind in ORDER_FREE_KINDS
            )

    async def _record(self, row: InboxEvent, outcome: Outcome) -> None:
        now = self.clock.now()
        values: dict[str, Any] = {}
        if outcome.done:
            values = {"processed_at": now, "last_error": f"skipped: {outcome.note}" if outcome.note else None}
        else:
            attempts = row.attempts + 1
            values = {"attempts": attempts, "last_error": outcome.error}
            if attempts >= MAX_ATTEMPTS and not outcome.deferred:
                values["processed_at"] = now
                values["last_error"] = f"gave up after {attempts} attempts: {outcome.error}"
                log.error("inbox event %s set aside after %d attempts: %s", row.event_key, attempts, outcome.error)
        async with self.database.transaction() as session:
            await session.execute(update(InboxEvent).where(InboxEvent.id == row.id).values(**values))
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
        if message.id and _superseded_in(batch, row, message.id):
            return Outcome(done=True, note="edited or deleted before Yume acted on it")
        translated = to_inbound(message, contact, organization_id, row.received_at)
        if isinstance(translated, RevokeOf):
            await self._retire(translated.original_message_id, row, "deleted by the sender")
            return Outcome(done=True, note="a deleted message (nothing to answer)")
        event = translated
        if isinstance(translated, EditOf):
            if translated.original_message_id and await self._acted_on(translated.original_message_id):
                return Outcome(done=True, note="an edit of a message Yume already acted on")
            await self._retire(translated.original_message_id, row, "replaced by its edit")
            event = translated.event
        if await self._already_recorded(event.message_id):
            return Outcome(done=True, note="already handled (recorded before a restart)")
        await self._acknowledge(organization_id, event)
        metrics.INBOUND_MESSAGES.labels(event.kind).inc()
        started = time.perf_counter()
        await self.engine.handle(event)
        elapsed = time.perf_counter() - started
        metrics.TURN_SECONDS.observe(elapsed)
        log.info("%s message handled in %.0f ms", event.kind, elapsed * 1000)
        self.on_outbound()
        return Outcome(done=True)

    async def _echo(self, row: InboxEvent, organization_id: uuid.UUID, payload: dict[str, Any]) -> Outcome:
        echo = WaEcho.model_validate(payload.get("echo") or {})
        contact = WaContact.model_validate(payload["contact"]) if payload.get("contact") else None
        owner_echo = to_owner_echo(echo, contact, organization_id, row.received_at)
        if await self._already_recorded(owner_echo.message_id):
            return Outcome(done=True, note="already handled (recorded before a restart)")
        await self.engine.handle_echo(owner_echo)
        self.on_outbound()
        return Outcome(done=True)

    # --- helpers --------------------------------------------------------------------------------

    async def _organization_for(self, phone_number_id: str | None) -> uuid.UUID | None:
        if not phone_number_id:
            return None
        async with self.database.transaction() as session:
            found = await session.execute(
                select(Organization.id).where(Organization.wa_phone_number_id == phone_number_id)
            )
            return found.scalar_one_or_none()

    async def _already_recorded(self, wa_message_id: str) -> bool:
        async with self.database.transaction() as session:
            found = await session.execute(select(Message.id).where(Message.wa_message_id == wa_message_id).limit(1))
            return found.first() is not None

    async def _acted_on(self, wa_message_id: str) -> bool:
        """Whether Yume already processed the message with this id (or recorded it)."""
        if await self._already_recorded(wa_message_id):
            return True
        async with self.database.transaction() as session:
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

    async def _acknowledge(self, organization_id: uuid.UUID, event: InboundEvent) -> None:
        """Blue ticks and "escribiendo…" while the engine works (not when the owner has the chat)."""
        if not self.mark_read or self.transport is None or event.message_id.startswith("local."):
            return
        number = await self._business_number(organization_id)
        if number is None or await self._handed_off(organization_id, event.wa_id):
            return
        try:
            await asyncio.wait_for(
                self.transport.mark_read(number, event.message_id, event.kind not in SILENT_KINDS), timeout=3
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a read receipt is a courtesy: never hold up the reply for it
            log.info("could not mark %s read: %s", event.message_id, error)

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
        async with self.database.transaction() as session:
            found = await session.execute(
                select(Conversation.status)
                .where(Conversation.organization_id == organization_id, Conversation.wa_id == wa_id)
                .limit(1)
            )
            return found.scalar_one_or_none() == ConversationStatus.handed_off


def traced_id(event_key: str) -> str:
    """The WhatsApp message id in an inbox key ("msg:wamid.X", "status:wamid.X:read"), else the key."""
    kind, _, rest = event_key.partition(":")
    if kind in ("msg", "echo", "status") and rest:
        return rest.split(":", 1)[0]
    return event_key


def _lane_filter(lane: Lane) -> Any:
    number = (
        InboxEvent.phone_number_id == lane.phone_number_id
        if lane.phone_number_id is not None
        else InboxEvent.phone_number_id.is_(None)
    )
    sender = InboxEvent.sender == lane.sender if lane.sender is not None else InboxEvent.sender.is_(None)
    return and_(number, sender)


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
            if (
                message.get("type") == kind
                and isinstance(target, dict)
                and target.get("original_message_id") == message_id
            ):
                return True
    return False
