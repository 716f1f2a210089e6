"""Booking operations: the only way an appointment or a block is written.

Every operation that makes a staff member's time scarcer (book, reschedule, block, walk-in)
follows one pattern (pretix's): validate what needs no lock, then inside the caller's
transaction lock late and once (the staff rows, FOR UPDATE with a lock timeout on PostgreSQL;
SQLite transactions are already serialized by BEGIN IMMEDIATE), re-check availability, write.
The exclusion constraints of `store/agenda.py` are the last line: a violation becomes SlotTaken.
Freeing time (cancel, no-show, complete, delete a block) needs no lock.

Each operation either succeeds or raises a SchedulingError having written nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.availability import choose_any_staff, fits
from scheduler.calendar import (
    Business,
    appointments_per_staff,
    eligible_staff,
    load_business,
    load_service,
    special_days,
    staff_days,
)
from scheduler.errors import (
    AgendaBusy,
    BlockCollides,
    InPast,
    InvalidRequest,
    InvalidTransition,
    NotEligible,
    NotFound,
    OutsideHours,
    SlotTaken,
    TooFarAhead,
    TooSoon,
)
from store.hours import WeeklyHours
from store.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    Customer,
    Staff,
    TimeBlock,
)

LOCK_TIMEOUT_MS = 5_000
# A request for "now" that took a few seconds to arrive is still "now".
PAST_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class Policy:
    """Which customer-facing rules apply: staff booking on a customer's behalf may skip them."""

    enforce_notice: bool = True
    enforce_horizon: bool = True


CUSTOMER_POLICY = Policy()
STAFF_POLICY = Policy(enforce_notice=False, enforce_horizon=False)


@dataclass(frozen=True)
class KnownBusiness:
    """What a caller's transaction knows for certain about a business: its calendar and who does what.

    Certain means read under the organization's lock with an unchanged facts version (a change to
    any of it moves the version and takes that same row lock).
    """

    business: Business
    eligible: Callable[[uuid.UUID, uuid.UUID | None], tuple[list[Staff], dict[uuid.UUID, WeeklyHours]]]


@dataclass
class BlockResult:
    """The block as stored (merged with touching blocks) and any appointments it cancelled."""

    block: TimeBlock
    cancelled: list[Appointment] = field(default_factory=list)


async def book(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    customer_id: uuid.UUID,
    service_id: uuid.UUID,
    start: datetime,
    now: datetime,
    staff_id: uuid.UUID | None = None,
    source: str = AppointmentSource.whatsapp,
    notes: str | None = None,
    policy: Policy = CUSTOMER_POLICY,
    guest_name: str | None = None,
    known: KnownBusiness | None = None,
) -> Appointment:
    """Book `service` at `start` with `staff_id`, or with whoever is free ("any staff").

    `guest_name`: the appointment is for someone else (a child, a partner); `customer_id` is who booked.
    `known`: what this transaction already knows for certain about the business (read here when absent).
    """
    business = known.business if known else await load_business(session, organization_id)
    service = await load_service(session, organization_id, service_id)
    if not service.active:
        raise InvalidRequest("the service is no longer offered", service_id=str(service_id))
    await _load_customer(session, organization_id, customer_id)
    _check_time_rules(business, start, now, policy)
    candidates, own_hours = (
        known.eligible(service_id, staff_id) if known else (await eligible_staff(session, organization_id, service_id, staff_id), None)
    )
    if not candidates:
        raise NotEligible("nobody active performs that service", service_id=str(service_id))

    need = timedelta(minutes=service.duration_minutes + service.buffer_minutes)
    await lock_staff(session, [member.id for member in candidates])
    free = await _free_candidates(session, business, candidates, start, need, own_hours=own_hours)
    if staff_id is None and len(free) > 1:
        day_start, day_end = _local_day(business, start)
        counts = await appointments_per_staff(session, free, day_start, day_end)
        chosen = choose_any_staff(free, counts)
    else:
        chosen = free[0]

    appointment = Appointment(
        organization_id=organization_id,
        location_id=business.location.id if business.location else None,
        customer_id=customer_id,
        staff_id=chosen,
        service_id=service.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=service.duration_minutes),
        busy_until=start + need,
        status=AppointmentStatus.confirmed,
        source=source,
        price_cents=service.price_cents,
        notes=notes,
        guest_name=guest_name,
        status_changed_at=now,
        scheduled_at=now,
        created_at=now,
        updated_at=now,
    )
    await _write(session, appointment)
    return appointment


async def reschedule(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    appointment_id: uuid.UUID,
    new_start: datetime,
    now: datetime,
    staff_id: uuid.UUID | None = None,
    policy: Policy = CUSTOMER_POLICY,
    known: KnownBusiness | None = None,
) -> Appointment:
    """Move the same appointment to `new_start` (its staff member if free, else anyone eligible).

    A failed reschedule raises and leaves the appointment exactly as it was. `known`: as in `book`.
    """
    appointment = await load_appointment(session, organization_id, appointment_id)
    if not appointment.is_active:
        raise InvalidTransition(f"a {appointment.status} appointment cannot be moved", status=appointment.status)
    business = known.business if known else await load_business(session, organization_id)
    service = await load_service(session, organization_id, appointment.service_id)
    _check_time_rules(business, new_start, now, policy)
    candidates = await eligible_staff(session, organization_id, service.id, staff_id)
    if staff_id is None:
        # Keep the customer with the same person when possible.
        candidates.sort(key=lambda member: member.id != appointment.staff_id)
    if not candidates:
        raise NotEligible("nobody active performs that service", service_id=str(service.id))

    need = timedelta(minutes=service.duration_minutes + service.buffer_minutes)
    await lock_staff(session, {member.id for member in candidates} | {appointment.staff_id})
    free = await _free_candidates(session, business, candidates, new_start, need, exclude=appointment.id)
    try:
        async with session.begin_nested():
            appointment.staff_id = free[0]
            appointment.starts_at = new_start
            appointment.ends_at = new_start + timedelta(minutes=service.duration_minutes)
            appointment.busy_until = new_start + need
            appointment.confirmed_by_customer_at = None
            appointment.scheduled_at = now
            appointment.updated_at = now
            await session.flush()
    except IntegrityError as error:
        await session.refresh(appointment)
        raise _integrity_to_domain(error) from error
    return appointment


async def cancel(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    appointment_id: uuid.UUID,
    now: datetime,
    reason: str | None = None,
) -> Appointment:
    """Cancel an active appointment; its time is free again at once."""
    return await _finish(session, organization_id, appointment_id, AppointmentStatus.cancelled, now, reason=reason)


async def complete(
    session: AsyncSession, *, organization_id: uuid.UUID, appointment_id: uuid.UUID, now: datetime
) -> Appointment:
    """Mark an appointment that has started as completed."""
    return await _finish(session, organization_id, appointment_id, AppointmentStatus.completed, now)


async def mark_no_show(
    session: AsyncSession, *, organization_id: uuid.UUID, appointment_id: uuid.UUID, now: datetime
) -> Appointment:
    """Mark an appointment whose time has come as a no-show; its remaining time is free again."""
    return await _finish(session, organization_id, appointment_id, AppointmentStatus.no_show, now)


async def confirm_by_customer(
    session: AsyncSession, *, organization_id: uuid.UUID, appointment_id: uuid.UUID, now: datetime
) -> Appointment:
    """The customer confirmed they are coming (a reminder's "Confirmo")."""
    appointment = await load_appointment(session, organization_id, appointment_id)
    if not appointment.is_active:
        raise InvalidTransition(f"a {appointment.status} appointment cannot be confirmed", status=appointment.status)
    appointment.status = AppointmentStatus.confirmed
    appointment.confirmed_by_customer_at = now
    appointment.updated_at = now
    await session.flush()
    return appointment


async def block_time(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    staff_id: uuid.UUID,
    start: datetime,
    end: datetime,
    now: datetime,
    reason: str | None = None,
    cancel_colliding: bool = False,
    cancellation_reason: str | None = None,
) -> BlockResult:
    """Block a staff member's time. Touching or overlapping blocks merge into one.

    Active appointments inside the block raise BlockCollides, unless `cancel_colliding` (the
    staff member confirmed), in which case they are cancelled and returned.
    """
    _require_aware(start, end)
    if start >= end:
        raise InvalidRequest("a block must end after it starts", start=start.isoformat(), end=end.isoformat())
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.organization_id != organization_id:
        raise NotFound("staff member not found", staff_id=str(staff_id))

    await lock_staff(session, [staff_id])
    colliding = list(
        (
            await session.execute(
                select(Appointment)
                .where(
                    Appointment.staff_id == staff_id,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.starts_at < end,
                    Appointment.ends_at > start,
                )
                .order_by(Appointment.starts_at)
            )
        )
        .scalars()
        .all()
    )
    if colliding and not cancel_colliding:
        raise BlockCollides(
            "the block covers active appointments", [a.id for a in colliding], [a.starts_at for a in colliding]
        )
    for appointment in colliding:
        _set_status(appointment, AppointmentStatus.cancelled, now, cancellation_reason or "bloqueo de horario")

    touching = list(
        (
            await session.execute(
                select(TimeBlock).where(
                    TimeBlock.staff_id == staff_id, TimeBlock.starts_at <= end, TimeBlock.ends_at >= start
                )
            )
        )
        .scalars()
        .all()
    )
    for existing in touching:
        start, end = min(start, existing.starts_at), max(end, existing.ends_at)
        reason = reason or existing.reason
        await session.delete(existing)
    await session.flush()
    block = TimeBlock(
        organization_id=organization_id, staff_id=staff_id, starts_at=start, ends_at=end, reason=reason, created_at=now
    )
    await _write(session, block)
    return BlockResult(block=block, cancelled=colliding)


async def delete_block(session: AsyncSession, *, organization_id: uuid.UUID, block_id: uuid.UUID) -> None:
    """Remove a block; the time is bookable again."""
    block = await session.get(TimeBlock, block_id)
    if block is None or block.organization_id != organization_id:
        raise NotFound("block not found", block_id=str(block_id))
    await session.delete(block)
    await session.flush()


async def walk_in(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    staff_id: uuid.UUID,
    service_id: uuid.UUID,
    customer_id: uuid.UUID,
    now: datetime,
    notes: str | None = None,
) -> Appointment:
    """Someone just walked in: book them right now with this staff member (no minimum notice)."""
    start = now.replace(second=0, microsecond=0)
    return await book(
        session,
        organization_id=organization_id,
        customer_id=customer_id,
        service_id=service_id,
        start=start,
        now=now,
        staff_id=staff_id,
        source=AppointmentSource.walk_in,
        notes=notes,
        policy=STAFF_POLICY,
    )


async def load_appointment(session: AsyncSession, organization_id: uuid.UUID, appointment_id: uuid.UUID) -> Appointment:
    """An appointment of this business (NotFound for another business's id)."""
    appointment = await session.get(Appointment, appointment_id)
    if appointment is None or appointment.organization_id != organization_id:
        raise NotFound("appointment not found", appointment_id=str(appointment_id))
    return appointment


async def lock_staff(session: AsyncSession, staff_ids: Sequence[uuid.UUID] | set[uuid.UUID]) -> None:
    """Take the write lock on these staff members' agendas (see module docstring)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE made this transaction the only writer.
    await session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'"))
    try:
        await session.execute(
            select(Staff.id)
            .where(Staff.id.in_(sorted(staff_ids)))
            .order_by(Staff.id)
            .with_for_update(key_share=True)  # NO KEY UPDATE: bookings exclude each other, FK checks pass
        )
    except DBAPIError as error:
        if "lock timeout" in str(error).lower() or "LockNotAvailable" in type(error.orig).__name__:
            raise AgendaBusy("the agenda is busy, try again") from error
        raise


async def _free_candidates(
    session: AsyncSession,
    business: Business,
    candidates: Sequence[Staff],
    start: datetime,
    need: timedelta,
    exclude: uuid.UUID | None = None,
    own_hours: dict[uuid.UUID, WeeklyHours] | None = None,
) -> list[uuid.UUID]:
    day_start, day_end = _local_day(business, start)
    days = await staff_days(session, candidates, min(day_start, start), max(day_end, start + need), exclude, own_hours)
    # Read the day's special hours again under the lock: a closure saved since the business was
    # loaded (it takes the same staff locks) must win over this booking.
    local_day = start.astimezone(business.tz).date()
    special = {day: hours for day, hours in business.special.items() if day != local_day}
    special.update(await special_days(session, business.id, local_day))
    verdicts = {day.staff_id: fits(day, business.hours, business.tz, start, need, special) for day in days}
    free = [member.id for member in candidates if verdicts[member.id] is None]
    if free:
        return free
    if all(verdict == "outside_hours" for verdict in verdicts.values()):
        raise OutsideHours("closed at that time", start=start.isoformat())
    raise SlotTaken("that time is taken", start=start.isoformat())


def _local_day(business: Business, moment: datetime) -> tuple[datetime, datetime]:
    day = moment.astimezone(business.tz).date()
    return business.local_day_bounds(day, day)


def _check_time_rules(business: Business, start: datetime, now: datetime, policy: Policy) -> None:
    _require_aware(start)
    if start + PAST_TOLERANCE < now:
        raise InPast("that time has passed", start=start.isoformat())
    notice = timedelta(minutes=business.settings.min_notice_minutes)
    if policy.enforce_notice and start < now + notice:
        raise TooSoon("inside the minimum notice", start=start.isoformat(), minimum_minutes=int(notice.total_seconds() // 60))
    if policy.enforce_horizon:
        last_day = now.astimezone(business.tz).date() + timedelta(days=business.settings.max_days_ahead)
        if start.astimezone(business.tz).date() > last_day:
            raise TooFarAhead("beyond the booking horizon", start=start.isoformat(), last_day=last_day.isoformat())


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidRequest("times must carry a timezone", value=moment.isoformat())


async def _load_customer(session: AsyncSession, organization_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.organization_id != organization_id:
        raise NotFound("customer not found", customer_id=str(customer_id))
    return customer


async def _finish(
    session: AsyncSession,
    organization_id: uuid.UUID,
    appointment_id: uuid.UUID,
    status: AppointmentStatus,
    now: datetime,
    reason: str | None = None,
) -> Appointment:
    appointment = await load_appointment(session, organization_id, appointment_id)
    if not appointment.is_active:
        raise InvalidTransition(
            f"a {appointment.status} appointment cannot become {status}", status=appointment.status
        )
    if status in (AppointmentStatus.completed, AppointmentStatus.no_show) and appointment.starts_at > now:
        raise InvalidTransition(f"the appointment has not started yet; it cannot be marked {status}")
    _set_status(appointment, status, now, reason)
    await session.flush()
    return appointment


def _set_status(appointment: Appointment, status: AppointmentStatus, now: datetime, reason: str | None = None) -> None:
    appointment.status = status
    appointment.status_changed_at = now
    appointment.updated_at = now
    if status == AppointmentStatus.cancelled:
        appointment.cancellation_reason = reason


async def _write(session: AsyncSession, row: Appointment | TimeBlock) -> None:
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as error:
        raise _integrity_to_domain(error) from error


def _integrity_to_domain(error: IntegrityError) -> Exception:
    if "ex_appointment_staff_no_overlap" in str(error) or "ex_timeblock_staff_no_overlap" in str(error):
        return SlotTaken("that time was just taken")
    return error
