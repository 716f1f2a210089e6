"""Morning agendas: at each business's `daily_agenda_time`, the day's agenda for staff and owner, once.

Each working staff member with appointments gets their day (appointments, blocks, free gaps); each
owner gets the whole business's day: every appointment, the count, each person's free gaps, and
the appointments that already happened but are still open, so the owner says whether they were
attended or not (Yume never guesses completed or no-show). Nothing goes out on a day the business
is closed, nor to people with nothing scheduled, unless the business turned on
`daily_agenda_when_empty`.

Exactly once: one transaction per business locks its staff rows (FOR UPDATE SKIP LOCKED on
PostgreSQL; SQLite has a single writer) and claims a `MorningAgenda` row per person and day,
written with the outbox rows of the messages. People with nothing to receive get a row too
(`sent` False), so later sweeps that day pass them by.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import replies
from flows.core.agenda import DayRows, compose_agenda, load_day
from flows.core.business import BusinessFacts, load_facts
from flows.core.identity import address_of
from flows.core.messages import OutboundMessage
from flows.core.outbound import Outgoing, free_conversations, record_outbound
from flows.core.replies import AgendaLine, Reply, StaffGaps
from scheduler.agenda_times import agenda_day_due, attention_window
from scheduler.clock import Clock
from store.database import Database
from store.hours import parse_weekly_hours
from store.models import (
    ACTIVE_STATUSES,
    Appointment,
    BusinessSettings,
    Customer,
    Location,
    MorningAgenda,
    Organization,
    OrganizationStatus,
    ServiceType,
    Staff,
    StaffService,
)
from store.phones import display_phone
from store.sent import claim

log = logging.getLogger("yume.flows.jobs.morning_agenda")

ATTENTION_SHOWN = 10
CONCURRENT_BUSINESSES = 4


async def send_morning_agendas(database: Database, clock: Clock) -> list[OutboundMessage]:
    """Send every morning agenda due now, once; returns what was sent."""
    now = clock.now()
    due = await _businesses_due(database, now)
    # A few businesses at a time on PostgreSQL (one waits on the database while another composes);
    # SQLite has one writer, so one at a time. Each business is its own transaction either way.
    lanes = asyncio.Semaphore(CONCURRENT_BUSINESSES if database.dialect == "postgresql" else 1)

    async def one(organization_id: uuid.UUID, day: date) -> list[OutboundMessage]:
        async with lanes:
            try:
                return await _send_for_business(database, organization_id, day, now)
            except Exception:
                # One business's bad data must not hold back everyone's morning: the others go on.
                log.exception("morning agenda of business %s failed; retried next run", organization_id)
                return []

    results = await asyncio.gather(*(one(organization_id, day) for organization_id, day in due))
    return [message for messages in results for message in messages]


async def _businesses_due(database: Database, now: datetime) -> list[tuple[uuid.UUID, date]]:
    """Open businesses whose agenda time has come today and who still have someone to send it to."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Organization.id, Organization.timezone, Organization.settings, Location.business_hours)
            .join(Location, Location.organization_id == Organization.id)
            .where(Organization.status == OrganizationStatus.active)
            .order_by(Organization.id, Location.is_primary.desc(), Location.created_at)
        )
        by_day: dict[date, list[uuid.UUID]] = {}
        seen: set[uuid.UUID] = set()
        for organization_id, timezone, settings, hours in rows.all():
            if organization_id in seen:
                continue  # its primary location came first
            seen.add(organization_id)
            try:
                agenda_time = BusinessSettings.model_validate(settings or {}).daily_agenda_time
                day = agenda_day_due(agenda_time, ZoneInfo(timezone), now)
                open_that_day = day is not None and bool(parse_weekly_hours(hours or {}).get(day.weekday()))
            except (ValueError, KeyError):  # KeyError: an unknown timezone
                log.warning("business %s has unreadable settings, timezone or hours: no agenda", organization_id)
                continue
            if day is not None and open_that_day:
                by_day.setdefault(day, []).append(organization_id)
        due: list[tuple[uuid.UUID, date]] = []
        for day, organization_ids in sorted(by_day.items()):
            pending = await session.execute(
                select(Staff.organization_id)
                .where(
                    Staff.organization_id.in_(organization_ids),
                    Staff.active.is_(True),
                    ~exists().where(MorningAgenda.staff_id == Staff.id, MorningAgenda.day == day),
                )
                .distinct()
            )
            due += [(organization_id, day) for organization_id in sorted(pending.scalars().all())]
        return due


async def _send_for_business(database: Database, organization_id: uuid.UUID, day: date, now: datetime) -> list[OutboundMessage]:
    async with database.transaction() as session:
        business = await load_facts(session, organization_id)
        staff = list(business.staff)
        # Still to receive today's agenda; a booking (or another sweep) holding someone: next minute.
        waiting = set(
            (
                await session.execute(
                    select(Staff.id)
                    .where(
                        Staff.id.in_([member.id for member in staff]),
                        ~exists().where(MorningAgenda.staff_id == Staff.id, MorningAgenda.day == day),
                    )
                    .with_for_update(skip_locked=True)
                )
            ).scalars()
        )
        pending = [member for member in staff if member.id in waiting]
        if not pending:
            return []
        rows = await load_day(session, business, staff, day)
        messages = await _messages(session, business, rows, staff, pending, day, now)
        conversations = await free_conversations(session, [m for m in pending if messages.get(m.id)], now)
        ready = [member for member in pending if not messages.get(member.id) or member.id in conversations]
        claimed = await claim(
            session,
            MorningAgenda,
            [
                {
                    "organization_id": organization_id,
                    "staff_id": member.id,
                    "day": day,
                    "sent": messages.get(member.id) is not None,
                    "sent_at": now,
                }
                for member in ready
            ],
            key="staff_id",
        )
        outgoing = [
            Outgoing(member, reply.addressed(address_of(member)), conversations[member.id])
            for member in ready
            if member.id in claimed and (reply := messages.get(member.id)) is not None
        ]
        if outgoing:
            await record_outbound(session, outgoing, now)
        return [item.message for item in outgoing]


async def _messages(
    session: AsyncSession,
    business: BusinessFacts,
    rows: DayRows,
    staff: Sequence[Staff],
    pending: Sequence[Staff],
    day: date,
    now: datetime,
) -> dict[uuid.UUID, Reply | None]:
    """What each pending person receives (None: nothing today)."""
    settings = business.calendar.settings
    today = business.today(now)
    messages: dict[uuid.UUID, Reply | None] = {}
    owners = [member for member in pending if member.is_owner]
    if owners:
        whole = compose_agenda(business, rows, list(staff), now)
        attention = await _needing_attention(session, business, day)
        gaps = await _gaps(session, business, rows, staff, now)
        for owner in owners:
            worth_it = whole.appointments > 0 or bool(attention) or settings.daily_agenda_when_empty
            messages[owner.id] = (
                replies.morning_agenda_for_owner(owner.name, day, today, whole.lines, whole.appointments, gaps, attention)
                if worth_it
                else None
            )
    for member in pending:
        if member.is_owner:
            continue
        agenda = compose_agenda(business, rows, [member], now)
        worth_it = agenda.appointments > 0 or (settings.daily_agenda_when_empty and rows.is_working(member.id))
        messages[member.id] = replies.morning_agenda(member.name, day, today, agenda.lines, agenda.appointments) if worth_it else None
    return messages


async def _gaps(
    session: AsyncSession, business: BusinessFacts, rows: DayRows, staff: Sequence[Staff], now: datetime
) -> list[StaffGaps]:
    """Each bookable, working person's free stretches (people who perform no service have none to offer)."""
    chosen = [member.id for member in staff if not member.offers_all_services]
    with_services = set(
        (await session.execute(select(StaffService.staff_id).where(StaffService.staff_id.in_(chosen)))).scalars()
        if chosen
        else ()
    )
    gaps = []
    for member in staff:
        if not (member.offers_all_services or member.id in with_services) or not rows.is_working(member.id):
            continue
        lines = compose_agenda(business, rows, [member], now).lines
        gaps.append(StaffGaps(member.name, tuple((line.start, line.end) for line in lines if line.kind == "free")))
    return gaps


async def _needing_attention(session: AsyncSession, business: BusinessFacts, day: date) -> list[AgendaLine]:
    """Appointments of the week before `day` that ended and are still open (neither completed nor no-show)."""
    since, until = attention_window(day, business.tz)
    rows = await session.execute(
        select(Appointment, ServiceType.name, Customer.name, Customer.phone, Staff.name)
        .join(ServiceType, ServiceType.id == Appointment.service_id)
        .join(Customer, Customer.id == Appointment.customer_id)
        .join(Staff, Staff.id == Appointment.staff_id)
        .where(
            Appointment.organization_id == business.id,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.ends_at > since,
            Appointment.ends_at <= until,
            # The same span by start (an appointment lasts under a day): reads by (organization, starts_at).
            Appointment.starts_at > since - timedelta(days=1),
            Appointment.starts_at < until,
        )
        .order_by(Appointment.starts_at)
        .limit(ATTENTION_SHOWN)
    )
    return [
        AgendaLine(
            kind="appointment",
            start=business.local(appointment.starts_at),
            end=business.local(appointment.ends_at),
            service=service,
            customer=customer or (display_phone(phone) if phone else None),
            staff=staff,
        )
        for appointment, service, customer, phone, staff in rows.all()
    ]
