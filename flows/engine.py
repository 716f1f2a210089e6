"""The conversation engine: one inbound event in, the replies and notifications out.

    engine = Engine(database, understander, clock)
    outbound = await engine.handle(event)      # InboundEvent → list[OutboundMessage]
    await engine.handle_echo(echo)             # the owner wrote from the phone app: hand off

From the WhatsApp inbox, `handle(event, inbox_event_id)` marks that inbox row processed in the
transaction that records the turn (`store.channel.mark_processed`): the turn and the mark commit
together, and that UPDATE is the message's one duplicate check. Without an inbox row (replay, the
terminal chat) the Message's WhatsApp id is checked instead. If the turn fails and even its apology
cannot be recorded, `handle` raises `TurnNotRecorded`: the inbox keeps the event and retries it.

A turn: look at the conversation without locking it (who writes, where the flow stands), let the
NLU read the message (with Claude the slow, network-bound part, outside any write lock; the
offline NLU reads it inside the turn's transaction, saving a transaction per message), then in ONE
transaction: identify or create the sender, lock the conversation (FOR UPDATE on PostgreSQL;
SQLite write transactions are already serialized), re-check that nobody moved it meanwhile
(otherwise read again), drive the role's machine, apply the scheduling operations, and persist the
flow state, the Message rows (in and out) and the OutboxMessage rows. Anything unexpected rolls
the whole turn back and the person gets a short apology instead of a traceback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import replies
from flows.core.business import UNREAD, BusinessFacts, FactsCache, load_facts
from flows.core.chat import Chat, Heard, Turn
from flows.core.drafts import FlowData
from flows.core.events import InboundEvent, OwnerEcho
from flows.core.handoff import hand_back, hand_off, quiet_period_over
from flows.core.identity import (
    Party,
    Sender,
    address_of,
    conversation_of,
    find_party,
    read_customers,
    lock_party,
    sender_for,
)
from flows.core.messages import OutboundMessage
from flows.core.options import Option
from flows.core.outbound import Outgoing, inbound_row, record_outbound
from flows.core.replies import Reply
from flows.roles import chat_for, flow_is_stale, restart_flow
from nlu.context import NluContext
from nlu.engine import Understander
from nlu.understanding import Intent, Role
from scheduler.clock import Clock, SystemClock
from store.channel import mark_processed
from store.conversations import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    SenderType,
)
from store.database import Database, retry_on_disconnect
from store.models import Customer

log = logging.getLogger("yume.flows.engine")

MAX_ATTEMPTS = 3
# Where the Embedded Signup page is served when the deployment does not say (YUME_BASE_URL):
# the address `yume serve` listens on by default.
DEFAULT_BASE_URL = "http://127.0.0.1:8080"
# Option ids the flows understand when tapped (anything else is read by the NLU from its title).
KNOWN_OPTION_KINDS = {
    "slot", "day", "svc", "appt", "name", "yes", "no", "another", "move", "cancel", "allday", "confirm",
    "cust", "nophone", "svcs", "staff", "done",
}


@dataclass
class _Snapshot:
    """What the turn looked like before the NLU read the message."""

    known: bool
    role: str
    version: int
    context: NluContext
    duplicate: bool = False
    business: BusinessFacts | None = None  # reused by the turn: the catalog does not change in between
    party: Party | None = None  # who writes and their conversation, as read (the turn locks that conversation)


class _ConversationMoved(Exception):
    """Another process answered this conversation while we were reading the message."""


class TurnNotRecorded(RuntimeError):
    """A turn failed and not even its apology could be recorded: nothing of the message was kept."""


@dataclass
class EngineStats:
    """Counters for replay summaries and health checks."""

    inbound: int = 0
    outbound: int = 0
    failures: int = 0


class Engine:
    """Turns inbound WhatsApp events into replies, bookings and notifications."""

    def __init__(
        self,
        database: Database,
        understander: Understander,
        clock: Clock | None = None,
        listeners: Sequence[object] = (),
        base_url: str | None = None,
    ) -> None:
        self.database = database
        self.understander = understander
        self.clock: Clock = clock or SystemClock()
        self.listeners = list(listeners)
        # The public address of this deployment: links Yume sends (a new business's /connect/…).
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.stats = EngineStats()
        self.facts = FactsCache()  # this process's copy of each business's facts, checked every turn

    # =========================================================================================
    # Inbound messages
    # =========================================================================================

    async def handle(self, event: InboundEvent, inbox_event_id: uuid.UUID | None = None) -> list[OutboundMessage]:
        """Answer one inbound event; returns every message to send (to the sender and to others).

        With `inbox_event_id`, that inbox row is marked processed in the turn's own transaction.
        """
        self.stats.inbound += 1
        try:
            # A connection the database dropped (a restart) is recycled: the turn goes again at once.
            outbound = await retry_on_disconnect(lambda: self._handle(event, inbox_event_id))
        except Exception as error:
            self.stats.failures += 1
            log.exception("turn failed for %s (message %s)", event.wa_id or event.bsuid, event.message_id)
            outbound = await self._apologize(event, inbox_event_id, error)
        self.stats.outbound += len(outbound)
        return outbound

    async def _handle(self, event: InboundEvent, inbox_event_id: uuid.UUID | None) -> list[OutboundMessage]:
        check_duplicate = inbox_event_id is None
        # An offline NLU answers in a millisecond: the message is read inside the turn's one
        # transaction. A network-bound one (Claude) reads it before, outside any lock.
        offline = bool(getattr(self.understander, "offline", False))
        for attempt in range(1, MAX_ATTEMPTS + 1):
            last = attempt == MAX_ATTEMPTS
            try:
                if offline:
                    async with self.database.transaction() as session:
                        snapshot = await self._snapshot(session, event, check_duplicate, lock=True)
                        if snapshot.duplicate:
                            return []
                        heard = await self._hear(event, snapshot.context)
                        return await self._turn(session, event, snapshot, heard, inbox_event_id, last_attempt=last)
                async with self.database.transaction() as session:
                    snapshot = await self._snapshot(session, event, check_duplicate)
                if snapshot.duplicate:
                    return []
                heard = await self._hear(event, snapshot.context)
                async with self.database.transaction() as session:
                    return await self._turn(session, event, snapshot, heard, inbox_event_id, last_attempt=last)
            except _ConversationMoved:
                continue
            except IntegrityError:
                # Two first messages from the same new person raced to create them: read again.
                if last:
                    raise
                continue
        raise RuntimeError("unreachable: the last attempt never raises _ConversationMoved")

    async def _snapshot(
        self, session: AsyncSession, event: InboundEvent, check_duplicate: bool = True, lock: bool = False
    ) -> _Snapshot:
        """Who writes and where their flow stands; `lock`: the conversation locked (the snapshot is in the turn's transaction)."""
        now = self.clock.now()
        if check_duplicate and await _already_processed(session, event.message_id):
            return _Snapshot(known=True, role="customer", version=0, context=NluContext(now=now), duplicate=True)
        # The customers the message may come from and the facts version: one statement.
        customers = await read_customers(
            session, event.organization_id, wa_id=event.wa_id, phone=event.phone, bsuid=event.bsuid, lock=lock
        )
        business = await self.facts.load(session, event.organization_id, customers.facts_version if customers else UNREAD)
        party = await find_party(
            session,
            event.organization_id,
            business.staff,
            wa_id=event.wa_id,
            phone=event.phone,
            bsuid=event.bsuid,
            lock=lock,
            customers=customers,
        )
        conversation = party.conversation if party else None
        role = role_in(business, party.sender.role if party else "customer")
        return _Snapshot(
            known=party is not None,
            role=role,
            version=conversation.version if conversation else 0,
            context=self._nlu_context(business, role, conversation, now),
            business=business,
            party=party,
        )

    def _nlu_context(
        self, business: BusinessFacts, role: str, conversation: Conversation | None, now: datetime
    ) -> NluContext:
        step, expecting, options = None, None, []
        settings = business.calendar.settings
        if conversation is not None and not flow_is_stale(conversation, settings.stale_flow_minutes, now):
            data = FlowData.restore(conversation.flow_data, lambda raw: None)
            step = conversation.flow_state
            expecting = data.expecting
            options = [option.title for option in data.offered]
        return NluContext(
            now=now, catalog=business.catalog, role=NLU_ROLES[role], step=step, expecting=expecting, options=options
        )

    async def _hear(self, event: InboundEvent, context: NluContext) -> Heard:
        """What the message says: a tapped option as it is, text through the NLU, media as media."""
        if event.kind == "reply" and event.reply_id:
            option = Option(id=event.reply_id, title=event.reply_title or "")
            if option.kind in KNOWN_OPTION_KINDS:
                intent = Intent.AFFIRM if option.id == "yes" else Intent.DENY if option.id == "no" else Intent.INFORM
                return Heard(intent=intent, text=event.reply_title, option=option)
            text = event.reply_title or ""
            understood = await self.understander.understand(text, context.model_copy(update={"interactive": True}))
            return Heard(intent=understood.intent, slots=understood.slots, text=text, engine=understood.engine)
        if event.kind == "text" and event.text and event.text.strip():
            understood = await self.understander.understand(event.text, context)
            return Heard(intent=understood.intent, slots=understood.slots, text=event.text, engine=understood.engine)
        # Audio, images, stickers, locations, reactions… (or an empty text): nothing to read.
        media = "unsupported" if event.kind == "text" else (event.media_type or event.kind)
        return Heard(intent=Intent.OTHER, text=event.text, media=media)

    async def _turn(
        self,
        session: AsyncSession,
        event: InboundEvent,
        snapshot: _Snapshot,
        heard: Heard,
        inbox_event_id: uuid.UUID | None,
        last_attempt: bool,
    ) -> list[OutboundMessage]:
        now = self.clock.now()
        business = snapshot.business or await load_facts(session, event.organization_id)
        # Whom the snapshot found, read again with their conversation locked (one statement);
        # someone new (or gone meanwhile) is found or created the long way.
        locked = (
            await lock_party(
                session,
                event.organization_id,
                snapshot.party,
                wa_id=event.wa_id,
                bsuid=event.bsuid,
                profile_name=event.profile_name,
            )
            if snapshot.party is not None
            else None
        )
        if locked is not None:
            sender, conversation = locked
        else:
            sender = await sender_for(
                session,
                event.organization_id,
                wa_id=event.wa_id,
                phone=event.phone,
                bsuid=event.bsuid,
                profile_name=event.profile_name,
                now=now,
            )
            conversation = await conversation_of(session, event.organization_id, sender.person, lock=True, now=now)
        role = role_in(business, sender.role)
        if conversation.version != snapshot.version or role != snapshot.role:
            if not last_attempt:
                raise _ConversationMoved
            # Out of retries: read the message again while holding the lock.
            context = self._nlu_context(business, role, conversation, now)
            heard = await self._hear(event, context)
        if inbox_event_id is not None:
            if not await mark_processed(session, inbox_event_id, now):
                return []  # another worker answered it (the lanes should make this impossible)
        elif await _already_processed(session, event.message_id):
            return []

        outgoing: list[Outgoing] = []
        if conversation.status == ConversationStatus.handed_off:
            if not quiet_period_over(conversation, business.calendar.settings.takeover_quiet_hours, now):
                self._record_inbound(session, conversation, sender, event, now)
                self._touch(conversation, now, inbound=True)
                return []  # a person has this chat: Yume stays silent
            hand_back(conversation, now)

        conversation.role = role
        conversation.wa_id = event.wa_id or conversation.wa_id
        chat_class = chat_for(role)
        if not chat_class.knows_state(conversation.flow_state):
            restart_flow(conversation, expired=False)  # the person's role changed since
        welcome_back = FlowData.restore(conversation.flow_data, lambda raw: None).expired
        if flow_is_stale(conversation, business.calendar.settings.stale_flow_minutes, now):
            welcome_back = True
        if welcome_back:
            restart_flow(conversation, expired=False)

        turn = Turn(session, business, conversation, sender.person, now, heard, self.base_url)
        chat = chat_class.for_turn(turn) if isinstance(chat_class, type) and issubclass(chat_class, Chat) else chat_class(turn)
        if heard.media:
            chat.media_received(heard.media)
        else:
            await chat.run(self.listeners)

        conversation.flow_state = chat.flow_state
        conversation.flow_data = chat.stored_data()
        said = list(chat.replies)
        if welcome_back and said:
            said.insert(0, Reply(text=replies.welcome_back()))
        reply_to = event.wa_id or address_of(sender.person)  # exactly the id they wrote from
        outgoing += [Outgoing(sender.person, reply.addressed(reply_to), conversation) for reply in said]
        for notice in chat.notices:
            outgoing.append(Outgoing(notice.to, notice.reply.addressed(address_of(notice.to))))
        if isinstance(chat, Chat):
            chat.release()  # everything needed from it is read
        # The conversation's changes, the message received and every message out: one UPDATE and
        # one INSERT per table (the received message is written with the replies, not before).
        self._touch(conversation, now, inbound=True, outbound=bool(said))
        await record_outbound(session, outgoing, now, inbound=[self._inbound_row(conversation, sender, event, now)])
        return [item.message for item in outgoing]

    # =========================================================================================
    # The owner writes from the phone app
    # =========================================================================================

    async def handle_echo(self, echo: OwnerEcho, inbox_event_id: uuid.UUID | None = None) -> bool:
        """Record the owner's message and hand that customer's chat to the owner; True when done.

        With `inbox_event_id`, that inbox row is marked processed in the same transaction.
        """
        try:
            async with self.database.transaction() as session:
                return await self._echo(session, echo, inbox_event_id)
        except Exception:
            self.stats.failures += 1
            log.exception("owner echo failed (message %s)", echo.message_id)
            return False

    async def _echo(self, session: AsyncSession, echo: OwnerEcho, inbox_event_id: uuid.UUID | None) -> bool:
        now = self.clock.now()
        if inbox_event_id is not None:
            if not await mark_processed(session, inbox_event_id, now):
                return True
        if await _already_processed(session, echo.message_id):
            return True
        sender = await sender_for(
            session, echo.organization_id, wa_id=echo.to_wa_id, phone=echo.to_phone, bsuid=None, profile_name=None, now=now
        )
        conversation = await conversation_of(session, echo.organization_id, sender.person, lock=True, now=now)
        session.add(
            Message(
                organization_id=echo.organization_id,
                conversation_id=conversation.id,
                direction=Direction.outbound,
                sender_type=SenderType.owner_app,
                content_type=echo.kind,
                text=echo.text,
                wa_message_id=echo.message_id,
                sent_at=echo.timestamp,
                created_at=now,
            )
        )
        if isinstance(sender.person, Customer):
            # The owner is talking to this customer: Yume steps back (the quiet period restarts).
            hand_off(conversation, now, "owner_echo")
            restart_flow(conversation, expired=False)
        self._touch(conversation, now, outbound=True)
        return True

    # =========================================================================================
    # Persistence
    # =========================================================================================

    @staticmethod
    def _record_inbound(
        session: AsyncSession, conversation: Conversation, sender: Sender, event: InboundEvent, now: datetime
    ) -> None:
        payload = {"reply_id": event.reply_id, "reply_title": event.reply_title} if event.kind == "reply" else None
        session.add(
            Message(
                organization_id=conversation.organization_id,
                conversation_id=conversation.id,
                direction=Direction.inbound,
                sender_type=SenderType.staff if sender.role in ("staff", "owner") else SenderType.customer,
                content_type=event.media_type or event.kind,
                text=event.text if event.kind != "reply" else event.reply_title,
                payload=payload,
                wa_message_id=event.message_id,
                sent_at=event.timestamp,
                created_at=now,
            )
        )

    @staticmethod
    def _inbound_row(conversation: Conversation, sender: Sender, event: InboundEvent, now: datetime) -> dict[str, Any]:
        """The same Message as `_record_inbound`, as a row for `record_outbound`."""
        return inbound_row(
            conversation,
            sender_type=SenderType.staff if sender.role in ("staff", "owner") else SenderType.customer,
            content_type=event.media_type or event.kind,
            text=event.text if event.kind != "reply" else event.reply_title,
            payload={"reply_id": event.reply_id, "reply_title": event.reply_title} if event.kind == "reply" else None,
            wa_message_id=event.message_id,
            sent_at=event.timestamp or now,
            now=now,
        )

    @staticmethod
    def _touch(conversation: Conversation, now: datetime, inbound: bool = False, outbound: bool = False) -> None:
        if inbound:
            conversation.last_inbound_at = now
        if outbound:
            conversation.last_outbound_at = now
        conversation.updated_at = now
        conversation.version += 1

    async def _apologize(
        self, event: InboundEvent, inbox_event_id: uuid.UUID | None, error: Exception
    ) -> list[OutboundMessage]:
        """After a failed turn (rolled back): record the message and a short apology.

        Raises TurnNotRecorded when that fails too, so the caller keeps the message and retries it.
        """
        to = event.wa_id or event.bsuid
        if not to:
            if inbox_event_id is not None:
                raise TurnNotRecorded(f"the turn failed and there is no one to apologize to: {error!r}")
            return []
        apology = replies.sorry_something_failed().addressed(to)
        try:
            async with self.database.transaction() as session:
                now = self.clock.now()
                if inbox_event_id is not None:
                    note = f"the turn failed, the person got an apology: {type(error).__name__}: {error}"
                    if not await mark_processed(session, inbox_event_id, now, note=note[:2000]):
                        return []
                if await _already_processed(session, event.message_id):
                    return []  # recorded before (a delivery again after its inbox row was pruned)
                sender = await sender_for(
                    session, event.organization_id, wa_id=event.wa_id, phone=event.phone, bsuid=event.bsuid,
                    profile_name=None, now=now,
                )
                conversation = await conversation_of(session, event.organization_id, sender.person, lock=True, now=now)
                self._record_inbound(session, conversation, sender, event, now)
                await record_outbound(session, [Outgoing(sender.person, apology, conversation)], now)
                self._touch(conversation, now, inbound=True, outbound=True)
        except Exception as second:
            log.exception("could not even record the apology for message %s", event.message_id)
            raise TurnNotRecorded(
                f"the turn failed ({type(error).__name__}: {error}) and so did recording the apology "
                f"({type(second).__name__}: {second})"
            ) from second
        return [apology]


async def _already_processed(session: AsyncSession, message_id: str) -> bool:
    """A WhatsApp message id we already stored (a duplicate delivery): never answer twice."""
    found = await session.execute(select(Message.id).where(Message.wa_message_id == message_id).limit(1))
    return found.scalar_one_or_none() is not None



# The NLU knows three roles; someone signing a business up reads like an owner.
NLU_ROLES: dict[str, Role] = {
    "customer": Role.CUSTOMER, "staff": Role.STAFF, "owner": Role.OWNER, "onboarding": Role.OWNER,
}


def role_in(business: BusinessFacts, role: str) -> str:
    """The role a sender chats in: on Yume's own number, anyone who is not its staff is signing up."""
    return "onboarding" if business.is_platform and role == "customer" else role
