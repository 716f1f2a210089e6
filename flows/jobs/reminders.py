"""Reminders: every minute, one sweep over the appointments sends each due reminder exactly once.

What is due comes from the data (`scheduler/reminders.py`), never from a timer per appointment,
so a restart, a deploy or a crash loses nothing: a reminder due while the server was down goes
out on the next sweep. Per reminder offset, a batch of due appointments is locked (FOR UPDATE
SKIP LOCKED on PostgreSQL; SQLite has a single writer), claimed by inserting their `Reminder`
rows (unique per appointment, start time and offset) and sent through the outbox in that same
transaction. A moved appointment has a new start time, so it is reminded again for it (and never
for the old one); cancelled, completed and no-show appointments are not active, so they get none.

The reminder offers "Confirmo", "Cancelar" and "Cambiar"; when the customer's chat is at rest,
their titles are remembered as its offered options so typing them back works like tapping.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import replies
from flows.core.drafts import FlowData
from flows.customer.chat import CustomerChat
from flows.core.identity import address_of
from flows.core.messages import OutboundMessage
from flows.core.outbound import Outgoing, address_or_none, free_conversations, record_outbound
from flows.core.replies import AppointmentInfo, Reply
from scheduler.clock import Clock
from scheduler.reminders import due_reminder, due_starts, offsets_in_minutes
from store.conversations import Conversation, ConversationStatus
from store.database import Database
from store.models import (
    ACTIVE_STATUSES,
    Appointment,
    BusinessSettings,
    Customer,
    Location,
    Organization,
    OrganizationStatus,
    Reminder,
    ReminderOutcome,
    ServiceType,
    Staff,
)
from store.phones import display_phone
from store.sent import claim

log = logging.getLogger("yume.flows.jobs.reminders")

BATCH = 200


@dataclass(frozen=True)
class _Business:
    """What a reminder says about the business."""

    id: uuid.UUID
    name: str
    tz: ZoneInfo
    offsets: list[int]  # minutes, smallest first


@dataclass
class _Due:
    appointment: Appointment
    customer: Customer
    service: str
    staff: str
    outcome: ReminderOutcome


async def send_due_reminders(database: Database, clock: Clock) -> list[OutboundMessage]:
    """Send every reminder due now, once; returns what was sent."""
    now = clock.now()
    active, businesses = await _reminding_businesses(database)
    sent: list[OutboundMessage] = []
    # Smallest offset first: after an outage the latest-due reminder claims the appointment, and
    # the larger offsets then find it already reminded.
    for offset in sorted({offset for business in businesses.values() for offset in business.offsets}):
        # Businesses without this offset (reminders off, unreadable settings) are left out in SQL, so
        # their appointments never fill a batch only to be skipped; the shorter list says it.
        using = {org_id for org_id in active if org_id in businesses and offset in businesses[org_id].offsets}
        lacking = sorted(set(active) - using)
        scope = Scope(lacking, include=False) if len(lacking) <= len(using) else Scope(sorted(using), include=True)
        while True:
            batch, fetched, claimed = await _sweep(database, businesses, scope, offset, now)
            sent.extend(batch)
            if fetched < BATCH or claimed == 0:
                break
    return sent


async def _reminding_businesses(database: Database) -> tuple[list[uuid.UUID], dict[uuid.UUID, _Business]]:
    """Every active business's id, and those that send reminders (with their offsets)."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Organization.id, Organization.name, Organization.timezone, Organization.settings).where(
                Organization.status == OrganizationStatus.active
            )
        )
        active: list[uuid.UUID] = []
        businesses: dict[uuid.UUID, _Business] = {}
        for org_id, name, timezone, settings in rows.all():
            active.append(org_id)
            try:
                offsets = offsets_in_minutes(BusinessSettings.model_validate(settings or {}).reminder_hours_before)
                tz = ZoneInfo(timezone)
            except (ValueError, KeyError):  # KeyError: an unknown timezone
                # One business's bad data must not stop everyone's reminders.
                log.warning("business %s has unreadable settings or timezone: no reminders", org_id)
                continue
            if offsets:
                businesses[org_id] = _Business(org_id, name, tz, offsets)
        return active, businesses


@dataclass(frozen=True)
class Scope:
    """Which businesses a sweep reads: only these (`include`), or all but these."""

    organizations: Sequence[uuid.UUID] = ()
    include: bool = False


def due_appointments(offset: int, now: datetime, scope: Scope = Scope()) -> Select[Any]:
    """Active appointments whose `offset` reminder may be due now, not yet handled, locked for this sweep.

    Reads by `ix_appointment_status_starts` (status, starts_at) and checks `uq_reminder_once`.
    """
    after, until = due_starts(now, offset)
    query = (
        select(Appointment, Customer, ServiceType.name, Staff.name)
        .join(Organization, Organization.id == Appointment.organization_id)
        .join(Customer, Customer.id == Appointment.customer_id)
        .join(ServiceType, ServiceType.id == Appointment.service_id)
        .join(Staff, Staff.id == Appointment.staff_id)
        .where(
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at > after,
            Appointment.starts_at <= until,
            Organization.status == OrganizationStatus.active,
            # Reminded already at this offset or a smaller one (a later moment) for this start time.
            ~exists().where(
                Reminder.appointment_id == Appointment.id,
                Reminder.starts_at == Appointment.starts_at,
                Reminder.offset_minutes <= offset,
            ),
        )
        .order_by(Appointment.starts_at, Appointment.id)
        .limit(BATCH)
        .with_for_update(of=Appointment, skip_locked=True)
    )
    if scope.include:
        query = query.where(Appointment.organization_id.in_(scope.organizations))
    elif scope.organizations:
        query = query.where(Appointment.organization_id.not_in(scope.organizations))
    return query


async def _sweep(
    database: Database, businesses: dict[uuid.UUID, _Business], scope: Scope, offset: int, now: datetime
) -> tuple[list[OutboundMessage], int, int]:
    """One batch in one transaction: (messages sent, appointments fetched, reminders claimed)."""
    async with database.transaction() as session:
        query = due_appointments(offset, now, scope)
        rows = (await session.execute(query)).all()
        due: list[_Due] = []
        for appointment, customer, service, staff in rows:
            business = businesses.get(appointment.organization_id)
            if business is None:
                continue  # became active (or changed its settings) this very minute: next sweep
            decision = due_reminder(appointment.starts_at, business.offsets, now, appointment.scheduled_at)
            if decision is None or decision.offset_minutes != offset:
                continue  # another offset's turn (a concurrent sweep is writing it)
            outcome = ReminderOutcome.too_late if decision.too_late else ReminderOutcome.sent
            if outcome == ReminderOutcome.sent and address_or_none(customer) is None:
                outcome = ReminderOutcome.unreachable
            due.append(_Due(appointment, customer, service, staff, outcome))
        sent, claimed = await _remind(session, businesses, due, offset, now)
        return sent, len(rows), claimed


async def _remind(
    session: AsyncSession, businesses: dict[uuid.UUID, _Business], due: Sequence[_Due], offset: int, now: datetime
) -> tuple[list[OutboundMessage], int]:
    """Claim the batch's reminders and queue their messages; (messages, reminders claimed)."""
    to_send = [item for item in due if item.outcome == ReminderOutcome.sent]
    conversations = await free_conversations(session, [item.customer for item in to_send], now)
    # Someone answering that customer right now holds their chat: leave it for the next sweep.
    ready = [item for item in due if item.outcome != ReminderOutcome.sent or item.customer.id in conversations]
    claimed = await claim(
        session,
        Reminder,
        [
            {
                "organization_id": item.appointment.organization_id,
                "appointment_id": item.appointment.id,
                "starts_at": item.appointment.starts_at,
                "offset_minutes": offset,
                "outcome": item.outcome,
                "handled_at": now,
            }
            for item in ready
        ],
        key="appointment_id",
    )
    addresses = await _addresses(session, {item.appointment.organization_id for item in to_send})
    outgoing: list[Outgoing] = []
    for item in ready:
        if item.appointment.id not in claimed or item.outcome != ReminderOutcome.sent:
            continue
        business_id = item.appointment.organization_id
        reply = _reminder(businesses[business_id], addresses.get(business_id), item, now)
        conversation = conversations[item.customer.id]
        _offer_answers(conversation, reply, item.appointment.id, now)
        outgoing.append(Outgoing(item.customer, reply.addressed(address_of(item.customer)), conversation))
    await record_outbound(session, outgoing, now)
    return [item.message for item in outgoing], len(claimed)


def _reminder(business: _Business, address: str | None, item: _Due, now: datetime) -> Reply:
    appointment = item.appointment
    info = AppointmentInfo(
        id=str(appointment.id),
        service=item.service,
        price_cents=appointment.price_cents,
        start=appointment.starts_at.astimezone(business.tz),
        end=appointment.ends_at.astimezone(business.tz),
        staff_name=item.staff,
        customer_name=item.customer.name,
        customer_phone=display_phone(item.customer.phone) if item.customer.phone else None,
    )
    return replies.reminder(item.customer.name, business.name, info, now.astimezone(business.tz).date(), address)


def _offer_answers(conversation: Conversation, reply: Reply, appointment_id: uuid.UUID, now: datetime) -> None:
    """At rest, the reminder's answers become the chat's offered options ("Confirmo" typed works too)."""
    if conversation.status != ConversationStatus.active or not CustomerChat.at_rest(conversation.flow_state):
        return  # in the middle of something (or with a person): taps still work, their ids say it all
    if conversation.flow_state is None:
        # Settled at rest now: starting the machine later would enter its first state and forget the options.
        conversation.flow_state = CustomerChat.rest_state().id
    data = FlowData.restore(conversation.flow_data, CustomerChat.migrate_v1)
    data.expired = False  # their next message answers the reminder: no "let's start again"
    data.question = None
    data.offered_at_rest = reply.options
    data.reminded = str(appointment_id)
    conversation.flow_data = data.stored()
    conversation.updated_at = now
    conversation.version += 1


async def _addresses(session: AsyncSession, business_ids: set[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """Each business's address (its primary location's)."""
    if not business_ids:
        return {}
    rows = await session.execute(
        select(Location.organization_id, Location.address)
        .where(Location.organization_id.in_(business_ids))
        .order_by(Location.is_primary.desc(), Location.created_at)
    )
    addresses: dict[uuid.UUID, str | None] = {}
    for organization_id, address in rows.all():
        addresses.setdefault(organization_id, address)  # the primary location comes first
    return addresses

