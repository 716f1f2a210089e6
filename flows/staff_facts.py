"""What a staff member's conversation knows: permissions, their blocks, the appointments they point at,
walk-ins, and the customer an errand is for. The guards of `StaffFlow` live here; they read, never write.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select

from flows.chat import Chat, Turn
from flows.describe import appointment_info
from flows.openings import Opening, OpeningGuards, openings_by_day
from flows.references import names_match
from flows.replies import AppointmentInfo
from store.models import (
    ACTIVE_STATUSES,
    Appointment,
    Customer,
    NameSource,
    Permission,
    ServiceType,
    Staff,
    StaffService,
)

DEFAULT_BLOCK = timedelta(hours=1)  # "bloquea las 4": one hour from then
# Names a customer gave, or staff/contacts gave for them: trusted enough not to ask again.
KNOWN_NAME_SOURCES = (NameSource.customer, NameSource.staff, NameSource.contacts)


class StaffFacts(Chat, OpeningGuards):
    """The facts of a staff member's turn: who writes, what they may do, what they point at."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(turn)
        self.staff: Staff = turn.person  # type: ignore[assignment]
        self._colliding: list[Appointment] | None = None
        self._started: list[Appointment] | None = None
        self._my_services: list[ServiceType] | None = None
        self._customer: Customer | None = None
        self._customer_upcoming: list[Appointment] | None = None
        self._openings_cache: dict[tuple[Any, ...], dict[date, list[Opening]]] = {}

    # =========================================================================================
    # Permissions
    # =========================================================================================

    def may_see_business_schedule(self) -> bool:
        """Guard: the owner, or an employee allowed to see everyone's agenda."""
        return self.staff.may(Permission.view_business_schedule)

    def may_view_history(self) -> bool:
        """Guard: may look at a customer's visits."""
        return self.staff.may(Permission.view_customer_history)

    def may_message_customers(self) -> bool:
        """Guard: may write to customers in the business's name."""
        return self.staff.may(Permission.message_customers)

    def may_manage_appointments(self) -> bool:
        """Guard: may book, move or cancel a customer's appointment."""
        return self.staff.may(Permission.manage_customer_appointments)

    # =========================================================================================
    # Blocks
    # =========================================================================================

    def knows_block_hours(self) -> bool:
        """Guard: we know when to block, and it has not already passed."""
        span = self.block_span()
        return span is not None and span[1] > self.now

    async def block_collides(self) -> bool:
        """Guard: active appointments fall inside the block."""
        return bool(await self.colliding())

    def block_span(self) -> tuple[datetime, datetime] | None:
        """The block as aware instants, from what was said ("de 2 a 3", "las 4", "todo el día")."""
        day = date.fromisoformat(self.data["block_date"]) if self.data.get("block_date") else self.today
        if self.data.get("all_day"):
            return self.business.at(day, time(0)), self.business.at(day + timedelta(days=1), time(0))
        start_text = self.data.get("block_start")
        if not start_text:
            return None
        start = self.business.at(day, time.fromisoformat(start_text))
        end_text = self.data.get("block_end")
        end = self.business.at(day, time.fromisoformat(end_text)) if end_text else start + DEFAULT_BLOCK
        if end <= start:
            end = start + DEFAULT_BLOCK
        return start, end

    async def colliding(self) -> list[Appointment]:
        if self._colliding is None:
            span = self.block_span()
            if span is None:
                return []
            rows = await self.session.execute(
                select(Appointment)
                .where(
                    Appointment.staff_id == self.staff.id,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.starts_at < span[1],
                    Appointment.ends_at > span[0],
                )
                .order_by(Appointment.starts_at)
            )
            self._colliding = list(rows.scalars().all())
        return self._colliding

    # =========================================================================================
    # No-shows and finished appointments
    # =========================================================================================

    @property
    def mark_day(self) -> date:
        return date.fromisoformat(self.data["mark_date"]) if self.data.get("mark_date") else self.today

    async def appointments_of_the_day(self, started: bool) -> list[Appointment]:
        """Active appointments of the day being talked about: this person's, or everyone's for an owner."""
        start, end = self.business.calendar.local_day_bounds(self.mark_day, self.mark_day)
        query = (
            select(Appointment)
            .where(
                Appointment.organization_id == self.business.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at)
        )
        if not self.staff.is_owner:
            query = query.where(Appointment.staff_id == self.staff.id)
        query = (
            query.where(Appointment.starts_at <= self.now) if started else query.where(Appointment.starts_at > self.now)
        )
        return list((await self.session.execute(query)).scalars().all())

    async def started_appointments(self) -> list[Appointment]:
        """The ones that may be marked: they have started and are still pending."""
        if self._started is None:
            self._started = await self.appointments_of_the_day(started=True)
        return self._started

    async def has_appointments_to_mark(self) -> bool:
        """Guard: some appointment of that day has started and is still pending (and the one meant is not still to come)."""
        return not self.data.get("mark_not_yet") and bool(await self.started_appointments())

    def knows_appointment_to_mark(self) -> bool:
        """Guard: what was said points at exactly one appointment."""
        return bool(self.data.get("mark_id"))

    async def appointment_to_mark(self) -> Appointment | None:
        return await self._appointment_of_business(self.data.get("mark_id"))

    async def may_message_no_show(self) -> bool:
        """Guard: the no-show was marked, this person may write to customers, and the customer has WhatsApp."""
        if not self.data.get("marked") or not self.may_message_customers():
            return False
        appointment = await self.appointment_to_mark()
        customer = await self.session.get(Customer, appointment.customer_id) if appointment else None
        return customer is not None and reachable(customer)

    # =========================================================================================
    # Walk-ins
    # =========================================================================================

    async def my_services(self) -> list[ServiceType]:
        """The active services this person performs."""
        if self._my_services is None:
            if self.staff.offers_all_services:
                self._my_services = list(self.business.services)
            else:
                ids = set(
                    (
                        await self.session.execute(
                            select(StaffService.service_id).where(StaffService.staff_id == self.staff.id)
                        )
                    ).scalars()
                )
                self._my_services = [service for service in self.business.services if service.id in ids]
        return self._my_services

    async def walk_in_services(self) -> list[ServiceType]:
        """What a walk-in can get: what this person does; at the owner's word, anything the business offers."""
        return list(self.business.services) if self.staff.is_owner else await self.my_services()

    async def knows_walk_in_service(self) -> bool:
        """Guard: we know the service, and it is one this person performs (for an owner: one the business offers)."""
        wanted = self.data.get("walk_in_service")
        return wanted is not None and any(str(service.id) == wanted for service in await self.walk_in_services())

    async def walk_in_staff_id(self) -> uuid.UUID | None:
        """Who attends the walk-in: whom the owner named, else the writer if they do the service, else whoever is free."""
        if self.data.get("walk_in_staff"):
            return uuid.UUID(self.data["walk_in_staff"])
        wanted = self.data.get("walk_in_service")
        if any(str(service.id) == wanted for service in await self.my_services()):
            return self.staff.id
        return None

    async def walk_in_customer(self) -> Customer | None:
        """The customer already registered with the walk-in's phone, if any."""
        customer_id = self.data.get("walk_in_customer")
        return await self.session.get(Customer, uuid.UUID(customer_id)) if customer_id else None

    async def knows_walk_in_name(self) -> bool:
        """Guard: the phone belongs to a customer whose name we trust."""
        customer = await self.walk_in_customer()
        return customer is not None and bool(customer.name) and customer.name_source in KNOWN_NAME_SOURCES

    def walk_in_waits(self) -> bool:
        """Guard: busy right now, and a later time today was found to offer."""
        return bool(self.data.get("walk_in_next"))

    # =========================================================================================
    # Errands for a customer
    # =========================================================================================

    @property
    def errand(self) -> str | None:
        return self.data.get("errand")

    def for_history(self) -> bool:
        """Guard: the errand is the customer's history."""
        return self.errand == "history"

    def for_message(self) -> bool:
        """Guard: the errand is a message to the customer."""
        return self.errand == "message"

    def for_booking(self) -> bool:
        """Guard: the errand is booking for the customer."""
        return self.errand == "book"

    def for_cancel(self) -> bool:
        """Guard: the errand is cancelling one of the customer's appointments."""
        return self.errand == "cancel"

    def for_move(self) -> bool:
        """Guard: the errand is moving one of the customer's appointments."""
        return self.errand == "move"

    def knows_customer(self) -> bool:
        """Guard: we know who the errand is for (a new customer counts when booking, an unknown phone for history)."""
        if self.data.get("customer_id"):
            return True
        if self.for_booking() and self.data.get("new_customer") is not None:
            return True
        return self.for_history() and bool(self.data.get("unknown_phone"))

    def knows_message(self) -> bool:
        """Guard: we have the words to pass on."""
        return bool(self.data.get("message"))

    async def customer(self) -> Customer | None:
        """The customer the errand is for (None for a new one, not yet registered)."""
        if self._customer is None and self.data.get("customer_id"):
            found = await self.session.get(Customer, uuid.UUID(self.data["customer_id"]))
            self._customer = found if found is not None and found.organization_id == self.business.id else None
        return self._customer

    async def customer_upcoming(self) -> list[Appointment]:
        """The customer's active appointments from now on, soonest first."""
        if self._customer_upcoming is None:
            customer = await self.customer()
            if customer is None:
                return []
            rows = await self.session.execute(
                select(Appointment)
                .where(
                    Appointment.customer_id == customer.id,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.starts_at >= self.now,
                )
                .order_by(Appointment.starts_at)
            )
            self._customer_upcoming = list(rows.scalars().all())
        return self._customer_upcoming

    async def customer_has_appointments(self) -> bool:
        """Guard: the customer has an appointment that has not happened yet."""
        return bool(await self.customer_upcoming())

    def knows_customer_appointment(self) -> bool:
        """Guard: we know which of the customer's appointments (they have one, or it was named)."""
        return bool(self.data.get("appointment_id"))

    async def customer_appointment(self) -> Appointment | None:
        appointment = await self._appointment_of_business(self.data.get("appointment_id"))
        customer = await self.customer()
        if appointment is None or customer is None or appointment.customer_id != customer.id:
            return None
        return appointment

    def knows_service(self) -> bool:
        """Guard: we know which service to book."""
        return self.business.service(self.data.get("service_id")) is not None

    async def service_to_schedule(self) -> ServiceType | None:
        """The service being booked, or the service of the appointment being moved."""
        if self.for_move():
            appointment = await self.customer_appointment()
            if appointment is None:
                return None
            return self.business.service(appointment.service_id) or await self.session.get(
                ServiceType, appointment.service_id
            )
        return self.business.service(self.data.get("service_id"))


    def lost_the_slot(self) -> bool:
        """Guard: the booking found the time taken a moment ago."""
        return bool(self.data.get("lost"))

    async def booking_staff_id(self) -> uuid.UUID | None:
        """Who does it: the person named, else an employee who performs it themselves, else anyone free."""
        if self.data.get("staff_id"):
            return uuid.UUID(self.data["staff_id"])
        service = await self.service_to_schedule()
        if self.for_move() or self.staff.is_owner or service is None:
            return None
        return self.staff.id if any(s.id == service.id for s in await self.my_services()) else None

    async def openings_on(self, day: date) -> list[Opening]:
        return (await self.openings(day, day)).get(day, [])

    async def openings(self, first: date, last: date) -> dict[date, list[Opening]]:
        """Free starts per day (staff book without the minimum notice customers have)."""
        service = await self.service_to_schedule()
        if service is None:
            return {}
        staff_id = await self.booking_staff_id()
        exclude = self.data.get("appointment_id") if self.for_move() else None
        key = (service.id, first, last, staff_id, exclude)
        if key not in self._openings_cache:
            self._openings_cache[key] = await openings_by_day(
                self.session,
                self.business,
                service,
                first,
                last,
                self.now,
                staff_id=staff_id,
                exclude_appointment_id=uuid.UUID(exclude) if exclude else None,
                ignore_notice=True,
            )
        return self._openings_cache[key]

    # =========================================================================================
    # Lookups
    # =========================================================================================

    async def customers_named(self, name: str) -> list[Customer]:
        """Customers of the business whose name contains every word said ("Roberto" → Roberto García, Roberto Díaz)."""
        rows = await self.session.execute(
            select(Customer)
            .where(Customer.organization_id == self.business.id, Customer.name.is_not(None))
            .order_by(Customer.name)
        )
        return [customer for customer in rows.scalars().all() if names_match(name, customer.name)]

    async def customer_with_phone(self, phone: str) -> Customer | None:
        return (
            (
                await self.session.execute(
                    select(Customer).where(
                        Customer.organization_id == self.business.id,
                        or_(Customer.phone == phone, Customer.wa_id == phone.lstrip("+")),
                    )
                )
            )
            .scalars()
            .first()
        )

    async def info(self, appointment: Appointment) -> AppointmentInfo:
        return await appointment_info(self.session, self.business, appointment)

    async def _appointment_of_business(self, appointment_id: str | None) -> Appointment | None:
        if not appointment_id:
            return None
        appointment = await self.session.get(Appointment, uuid.UUID(appointment_id))
        return appointment if appointment is not None and appointment.organization_id == self.business.id else None


def reachable(customer: Customer) -> bool:
    """The customer can get a WhatsApp message (a phone, the id they wrote from, or a business-scoped id)."""
    return bool(customer.wa_id or customer.phone or customer.bsuid)
