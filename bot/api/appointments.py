"""Appointments: list, book, reschedule, cancel, complete, no-show; and a customer's history.

Every change goes through `scheduler/booking.py`, so the API follows exactly the chat's rules.
The API acts for the business (STAFF_POLICY: no minimum notice, no booking horizon), but a time
in the past is refused like everywhere else.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, model_validator
from sqlalchemy import select

from bot.api.customers import CustomerOut, customer_by_phone, customer_out, new_customer
from bot.api.fields import (
    CancellationReason,
    Instant,
    LocalDate,
    Name,
    Notes,
    Page,
    Phone,
    RequestModel,
    ResponseModel,
    unchanged,
)
from bot.api.routing import Call, NoBody, NoQuery, RouteTable
from bot.api.tenancy import owned
from scheduler import booking
from store.agenda_queries import appointments_starting
from store.models import Appointment, AppointmentSource, AppointmentStatus, Customer, Staff

routes = RouteTable("appointments")


def _comma_separated(value: Any) -> Any:
    # ?status=confirmed,pending and ?status=confirmed&status=pending mean the same.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [part.strip() for item in value if isinstance(item, str) for part in item.split(",") if part.strip()]
    return value


class AppointmentFilter(Page):
    """Filters combine with AND. Dates are days of the business's calendar (inclusive)."""

    date_from: LocalDate | None = None
    date_to: LocalDate | None = None
    staff: uuid.UUID | None = None
    status: Annotated[list[AppointmentStatus], BeforeValidator(_comma_separated), Field(max_length=5)] | None = None
    customer: uuid.UUID | None = None

    @model_validator(mode="after")
    def _range(self) -> AppointmentFilter:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        return self


class NewCustomer(RequestModel):
    """The customer by phone: the existing one with that phone, or a new one."""

    phone: Phone
    name: Name | None = None


class AppointmentCreate(RequestModel):
    """Book a service. Give `customer_id`, or `customer` (found or created by phone)."""

    service_id: uuid.UUID
    starts_at: Instant
    staff_id: uuid.UUID | None = Field(
        default=None, description="null: any eligible staff member (fewest appointments that day)"
    )
    customer_id: uuid.UUID | None = None
    customer: NewCustomer | None = None
    notes: Notes | None = None

    @model_validator(mode="after")
    def _one_customer(self) -> AppointmentCreate:
        if (self.customer_id is None) == (self.customer is None):
            raise ValueError("give exactly one of customer_id or customer")
        return self


class AppointmentChanges(RequestModel):
    """Only the notes change this way; times and statuses have their own actions."""

    notes: Notes | None = unchanged()


class Reschedule(RequestModel):
    starts_at: Instant
    staff_id: uuid.UUID | None = Field(
        default=None, description="null: the same staff member if free, else anyone eligible"
    )


class Cancellation(RequestModel):
    reason: CancellationReason | None = None


class AppointmentOut(ResponseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    staff_id: uuid.UUID
    service_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    source: AppointmentSource
    price_cents: int  # the price when booked
    notes: str | None
    cancellation_reason: str | None
    confirmed_by_customer_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AppointmentList(ResponseModel):
    items: list[AppointmentOut]
    limit: int
    offset: int


class HistorySummary(ResponseModel):
    total: int
    upcoming: int  # active and not yet started
    completed: int
    no_show: int
    cancelled: int


class CustomerHistory(ResponseModel):
    customer: CustomerOut
    summary: HistorySummary
    appointments: list[AppointmentOut]  # newest first


@routes.get("/organizations/{organization_id}/appointments", query=AppointmentFilter, response=AppointmentList)
async def list_appointments(call: Call[Any, AppointmentFilter]) -> AppointmentList:
    """Appointments by start time, filtered by date range, staff, status and customer."""
    search = call.query
    rows = await appointments_starting(
        call.session,
        call.org.id,
        start=_local_midnight(search.date_from, call.tz) if search.date_from is not None else None,
        end=_local_midnight(search.date_to + timedelta(days=1), call.tz) if search.date_to is not None else None,
        staff_ids=[search.staff] if search.staff is not None else None,
        statuses=search.status,
        customer_id=search.customer,
        limit=search.limit,
        offset=search.offset,
    )
    return AppointmentList(
        items=[appointment_out(row, call.tz) for row in rows], limit=search.limit, offset=search.offset
    )


@routes.post(
    "/organizations/{organization_id}/appointments", body=AppointmentCreate, response=AppointmentOut, status=201
)
async def create_appointment(call: Call[AppointmentCreate, NoQuery]) -> AppointmentOut:
    """Book an appointment by the chat's rules: a taken time is a 409 slot_taken, a closed one outside_hours."""
    body = call.body
    if body.staff_id is not None:
        await owned(call.session, Staff, body.staff_id, call.org.id, "staff member")
    customer_id = body.customer_id
    if body.customer is not None:
        customer = await customer_by_phone(call.session, call.org.id, body.customer.phone)
        if customer is None:
            customer = new_customer(call, body.customer.phone, body.customer.name)
            await call.session.flush()
        customer_id = customer.id
    assert customer_id is not None  # the model requires one of the two
    appointment = await booking.book(
        call.session,
        organization_id=call.org.id,
        customer_id=customer_id,
        service_id=body.service_id,
        start=body.starts_at,
        now=call.now,
        staff_id=body.staff_id,
        source=AppointmentSource.manual,
        notes=body.notes,
        policy=booking.STAFF_POLICY,
    )
    return appointment_out(appointment, call.tz)


@routes.get("/organizations/{organization_id}/appointments/{appointment_id}", response=AppointmentOut)
async def get_appointment(call: Call[Any, NoQuery]) -> AppointmentOut:
    """One appointment."""
    return appointment_out(
        await booking.load_appointment(call.session, call.org.id, call.ids["appointment_id"]), call.tz
    )


@routes.patch(
    "/organizations/{organization_id}/appointments/{appointment_id}", body=AppointmentChanges, response=AppointmentOut
)
async def update_appointment(call: Call[AppointmentChanges, NoQuery]) -> AppointmentOut:
    """Change the notes of an appointment."""
    appointment = await booking.load_appointment(call.session, call.org.id, call.ids["appointment_id"])
    if "notes" in call.body.model_fields_set:
        appointment.notes = call.body.notes
        appointment.updated_at = call.now
    return appointment_out(appointment, call.tz)


@routes.post(
    "/organizations/{organization_id}/appointments/{appointment_id}/reschedule",
    body=Reschedule,
    response=AppointmentOut,
)
async def reschedule_appointment(call: Call[Reschedule, NoQuery]) -> AppointmentOut:
    """Move the same appointment; if the new time is refused, the appointment stays as it was."""
    if call.body.staff_id is not None:
        await owned(call.session, Staff, call.body.staff_id, call.org.id, "staff member")
    appointment = await booking.reschedule(
        call.session,
        organization_id=call.org.id,
        appointment_id=call.ids["appointment_id"],
        new_start=call.body.starts_at,
        now=call.now,
        staff_id=call.body.staff_id,
        policy=booking.STAFF_POLICY,
    )
    return appointment_out(appointment, call.tz)


@routes.post(
    "/organizations/{organization_id}/appointments/{appointment_id}/cancel", body=Cancellation, response=AppointmentOut
)
async def cancel_appointment(call: Call[Cancellation, NoQuery]) -> AppointmentOut:
    """Cancel an active appointment, with an optional reason; its time is free again at once."""
    appointment = await booking.cancel(
        call.session,
        organization_id=call.org.id,
        appointment_id=call.ids["appointment_id"],
        now=call.now,
        reason=call.body.reason,
    )
    return appointment_out(appointment, call.tz)


@routes.post(
    "/organizations/{organization_id}/appointments/{appointment_id}/complete", body=NoBody, response=AppointmentOut
)
async def complete_appointment(call: Call[NoBody, NoQuery]) -> AppointmentOut:
    """Mark an appointment that has started as completed."""
    appointment = await booking.complete(
        call.session, organization_id=call.org.id, appointment_id=call.ids["appointment_id"], now=call.now
    )
    return appointment_out(appointment, call.tz)


@routes.post(
    "/organizations/{organization_id}/appointments/{appointment_id}/no-show", body=NoBody, response=AppointmentOut
)
async def mark_no_show(call: Call[NoBody, NoQuery]) -> AppointmentOut:
    """Mark an appointment whose time has come as a no-show."""
    appointment = await booking.mark_no_show(
        call.session, organization_id=call.org.id, appointment_id=call.ids["appointment_id"], now=call.now
    )
    return appointment_out(appointment, call.tz)


@routes.get(
    "/organizations/{organization_id}/customers/{customer_id}/history", response=CustomerHistory, tag="customers"
)
async def customer_history(call: Call[Any, NoQuery]) -> CustomerHistory:
    """A customer's appointments, newest first, with counts ("has this customer come before?")."""
    customer = await owned(call.session, Customer, call.ids["customer_id"], call.org.id, "customer")
    rows = list(
        (
            await call.session.execute(
                select(Appointment)
                .where(Appointment.organization_id == call.org.id, Appointment.customer_id == customer.id)
                .order_by(Appointment.starts_at.desc(), Appointment.id)
            )
        ).scalars()
    )
    counts = Counter(row.status for row in rows)
    upcoming = sum(1 for row in rows if row.is_active and row.starts_at > call.now)
    return CustomerHistory(
        customer=customer_out(customer, call),
        summary=HistorySummary(
            total=len(rows),
            upcoming=upcoming,
            completed=counts[AppointmentStatus.completed],
            no_show=counts[AppointmentStatus.no_show],
            cancelled=counts[AppointmentStatus.cancelled],
        ),
        appointments=[appointment_out(row, call.tz) for row in rows],
    )


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def appointment_out(appointment: Appointment, tz: ZoneInfo) -> AppointmentOut:
    """The API's view of an appointment, times in the business's timezone."""
    return AppointmentOut(
        id=appointment.id,
        customer_id=appointment.customer_id,
        staff_id=appointment.staff_id,
        service_id=appointment.service_id,
        starts_at=appointment.starts_at.astimezone(tz),
        ends_at=appointment.ends_at.astimezone(tz),
        status=AppointmentStatus(appointment.status),
        source=AppointmentSource(appointment.source),
        price_cents=appointment.price_cents,
        notes=appointment.notes,
        cancellation_reason=appointment.cancellation_reason,
        confirmed_by_customer_at=appointment.confirmed_by_customer_at.astimezone(tz)
        if appointment.confirmed_by_customer_at
        else None,
        created_at=appointment.created_at.astimezone(tz),
        updated_at=appointment.updated_at.astimezone(tz),
    )
