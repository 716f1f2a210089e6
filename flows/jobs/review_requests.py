"""Review requests: a short thank-you with the business's review link, hours after a completed appointment.

Off by default: a business turns it on with `review_request_hours` and a `review_link`. Once per
appointment, and never to a customer whose chat a person has taken over (a complaint is a bad
moment to ask for stars) nor twice to the same customer in one sweep. Claimed like the other
sweeps: completed appointments locked FOR UPDATE SKIP LOCKED, a `ReviewRequest` row (unique per
appointment) in the same transaction as the outbox row.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select

from flows.core import replies
from flows.core.identity import address_of
from flows.core.messages import OutboundMessage
from flows.core.outbound import Outgoing, address_or_none, free_conversations, record_outbound
from scheduler.clock import Clock
from scheduler.review_times import completed_between, review_due
from store.conversations import ConversationStatus
from store.database import Database
from store.models import (
    Appointment,
    AppointmentStatus,
    BusinessSettings,
    Customer,
    Organization,
    OrganizationStatus,
    ReviewRequest,
)
from store.sent import claim

log = logging.getLogger("yume.flows.jobs.review_requests")

BATCH = 200


@dataclass(frozen=True)
class _Business:
    id: uuid.UUID
    name: str
    hours_after: int
    link: str


async def send_review_requests(database: Database, clock: Clock) -> list[OutboundMessage]:
    """Send every review request due now, once; returns what was sent."""
    now = clock.now()
    businesses = await _asking_businesses(database)
    sent: list[OutboundMessage] = []
    for hours in sorted({business.hours_after for business in businesses.values()}):
        ids = [business.id for business in businesses.values() if business.hours_after == hours]
        while True:
            batch, fetched, claimed = await _sweep(database, businesses, ids, hours, now)
            sent.extend(batch)
            if fetched < BATCH or claimed == 0:
                break
    return sent


async def _asking_businesses(database: Database) -> dict[uuid.UUID, _Business]:
    async with database.transaction() as session:
        rows = await session.execute(
            select(Organization.id, Organization.name, Organization.settings).where(
                Organization.status == OrganizationStatus.active
            )
        )
        businesses = {}
        for organization_id, name, settings in rows.all():
            try:
                chosen = BusinessSettings.model_validate(settings or {})
            except ValueError:
                log.warning("business %s has unreadable settings: no review requests", organization_id)
                continue
            if chosen.review_request_hours and chosen.review_link:
                businesses[organization_id] = _Business(organization_id, name, chosen.review_request_hours, chosen.review_link)
        return businesses


async def _sweep(
    database: Database, businesses: dict[uuid.UUID, _Business], ids: list[uuid.UUID], hours: int, now: datetime
) -> tuple[list[OutboundMessage], int, int]:
    """One batch in one transaction: (messages sent, appointments fetched, requests claimed)."""
    after, until = completed_between(now, hours)
    async with database.transaction() as session:
        rows = (
            await session.execute(
                select(Appointment, Customer)
                .join(Customer, Customer.id == Appointment.customer_id)
                .where(
                    Appointment.status == AppointmentStatus.completed,
                    Appointment.status_changed_at > after,
                    Appointment.status_changed_at <= until,
                    Appointment.organization_id.in_(ids),
                    ~exists().where(ReviewRequest.appointment_id == Appointment.id),
                )
                .order_by(Appointment.status_changed_at, Appointment.id)
                .limit(BATCH)
                .with_for_update(of=Appointment, skip_locked=True)
            )
        ).all()
        sent: list[OutboundMessage] = []
        claimed_total = 0
        for business_id in sorted({appointment.organization_id for appointment, _ in rows}):
            business = businesses[business_id]
            mine = [
                (appointment, customer)
                for appointment, customer in rows
                if appointment.organization_id == business_id
                and appointment.status_changed_at is not None
                and review_due(appointment.status_changed_at, hours, now)
            ]
            conversations = await free_conversations(session, [customer for _, customer in mine], now)
            asked: set[uuid.UUID] = set()
            decided: list[tuple[Appointment, Customer, bool]] = []
            for appointment, customer in mine:
                conversation = conversations.get(customer.id)
                if conversation is None:
                    continue  # their chat is busy right now: next sweep
                ask = (
                    conversation.status != ConversationStatus.handed_off
                    and customer.id not in asked
                    and address_or_none(customer) is not None
                )
                asked.add(customer.id)
                decided.append((appointment, customer, ask))
            claimed = await claim(
                session,
                ReviewRequest,
                [
                    {"organization_id": business_id, "appointment_id": appointment.id, "sent": ask, "sent_at": now}
                    for appointment, _, ask in decided
                ],
                key="appointment_id",
            )
            claimed_total += len(claimed)
            outgoing = [
                Outgoing(
                    customer,
                    replies.review_request(customer.name, business.name, business.link).addressed(address_of(customer)),
                    conversations[customer.id],
                )
                for appointment, customer, ask in decided
                if ask and appointment.id in claimed
            ]
            if outgoing:
                await record_outbound(session, outgoing, now)
                sent.extend(item.message for item in outgoing)
        return sent, len(rows), claimed_total
