"""What staff do for a customer by chat: look up their history, pass on a message, book, move or cancel.

The actions of `StaffFlow`'s errand states. The customer hears about every change to their
appointments, in the business's name; the owner and the staff member concerned are told too.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select

from flows import replies, replies_staff
from flows.describe import service_info
from flows.openings import Opening
from flows.replies import Reply
from flows.replies_staff import CustomerCard, History
from flows.staff_facts import reachable
from flows.staff_listening import StaffListening
from nlu.context import Expecting
from scheduler import booking
from scheduler.errors import SchedulingError
from store.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    Customer,
    NameSource,
)
from store.phones import display_phone

DAYS_LOOKED_AHEAD = 14
MAX_DAYS_OFFERED = 7
MAX_SLOTS_LISTED = 10
ALTERNATIVES = 3


class StaffErrands(StaffListening):
    """Errands on a customer's behalf: who → history, a message, or their appointments."""

    # =========================================================================================
    # Who
    # =========================================================================================

    async def on_enter_asking_customer(self) -> None:
        choices = self.data.get("customer_choices")
        if choices:
            rows = [await self.session.get(Customer, uuid.UUID(c)) for c in choices]
            cards = [CustomerCard(str(c.id), c.name, _phone(c)) for c in rows if c is not None]
            self.ask(replies_staff.ask_which_of_customers(cards), Expecting.CHOICE)
        elif self.for_booking() and self.data.get("customer_name"):
            self.ask(replies_staff.ask_new_customer_phone(self.data["customer_name"]), Expecting.PHONE)
        else:
            self.ask(replies_staff.ask_which_customer(self.data.get("customer_note")), Expecting.NAME)

    def _customer_words(self, customer: Customer | None) -> tuple[str | None, str | None]:
        """A customer's name and display phone (a new customer's, before they are registered)."""
        if customer is not None:
            return customer.name, _phone(customer)
        new = self.data.get("new_customer") or {}
        return new.get("name"), display_phone(new["phone"]) if new.get("phone") else None

    # =========================================================================================
    # History
    # =========================================================================================

    async def show_history(self) -> None:
        """Visits, last visit, no-shows and upcoming appointments (or: a first visit)."""
        unknown = self.data.get("unknown_phone")
        customer = await self.customer()
        if customer is None:
            self.say(replies_staff.first_visit(display_phone(unknown) if unknown else ""))
            return
        rows = (
            (
                await self.session.execute(
                    select(Appointment).where(Appointment.customer_id == customer.id).order_by(Appointment.starts_at)
                )
            )
            .scalars()
            .all()
        )
        completed = [a for a in rows if a.status == AppointmentStatus.completed]
        upcoming = [a for a in rows if a.is_active and a.starts_at >= self.now]
        history = History(
            visits=len(completed),
            last_visit=await self.info(completed[-1]) if completed else None,
            no_shows=sum(1 for a in rows if a.status == AppointmentStatus.no_show),
            cancellations=sum(1 for a in rows if a.status == AppointmentStatus.cancelled),
            upcoming=tuple([await self.info(a) for a in upcoming[:3]]),
        )
        self.say(replies_staff.customer_history(customer.name, _phone(customer), history, self.today))

    # =========================================================================================
    # A message
    # =========================================================================================

    async def on_enter_asking_message(self) -> None:
        customer = await self.customer()
        self.ask(replies_staff.ask_message_words(customer.name if customer else None), Expecting.MESSAGE)

    async def send_message(self) -> None:
        """The staff member's words, wrapped in the business's name; what was sent is said back."""
        customer = await self.customer()
        if customer is None or not reachable(customer):
            self.say(replies_staff.customer_unreachable(customer.name if customer else None))
            return
        message = replies_staff.message_from_staff(
            customer.name, self.staff.name, self.business.name, self.data["message"]
        )
        self.notify(customer, message)
        self.say(replies_staff.message_sent_to(customer.name, _phone(customer), message.text))

    # =========================================================================================
    # Booking: service → day → time
    # =========================================================================================

    async def on_enter_choosing_service_for_customer(self) -> None:
        name, _ = self._customer_words(await self.customer())
        services = [service_info(s) for s in self.business.services]
        self.ask(replies_staff.ask_service_for_customer(name, services), Expecting.SERVICE)

    async def on_enter_choosing_day_for_customer(self) -> None:
        service = await self.service_to_schedule()
        assert service is not None
        problem = self._day_problem()
        days = await self._days_with_room()
        if self.for_move():
            appointment = await self.customer_appointment()
            assert appointment is not None
            self.ask(
                replies_staff.ask_new_day_for_customer(await self.info(appointment), days, self.today, problem),
                Expecting.DATE,
            )
            return
        name, _ = self._customer_words(await self.customer())
        self.ask(replies_staff.ask_day_for_customer(name, service.name, days, self.today, problem), Expecting.DATE)

    def _day_problem(self) -> str | None:
        """Why the day asked for cannot be offered (and the time asked for is forgotten)."""
        day = self.wanted_day
        if day is None:
            return None
        self.data.pop("time", None)
        if day < self.today:
            return replies.day_problem("past", day, self.today)
        if not self.business.is_open_on(day):
            return replies.day_problem("closed", day, self.today)
        return replies.day_problem("full", day, self.today)

    async def _days_with_room(self) -> list[tuple[date, datetime]]:
        openings = await self.openings(self.today, self.today + timedelta(days=DAYS_LOOKED_AHEAD))
        days = sorted(day for day, found in openings.items() if found)[:MAX_DAYS_OFFERED]
        return [(day, openings[day][0].start) for day in days]

    async def on_enter_choosing_slot_for_customer(self) -> None:
        day = self.wanted_day
        service = await self.service_to_schedule()
        assert day is not None and service is not None
        openings = await self.openings_on(day)
        note = self.data.pop("slot_note", None)
        start = self.wanted_start
        if not openings:
            # The last time of the day went meanwhile: other days.
            problem = self._day_problem()
            name, _ = self._customer_words(await self.customer())
            problem = f"{note} {problem}" if note else problem
            self.ask(
                replies_staff.ask_day_for_customer(
                    name, service.name, await self._days_with_room(), self.today, problem
                ),
                Expecting.DATE,
            )
            return
        if start is not None:
            problem = note or replies.slot_problem(self._why_not(start), start, self.today)
            nearest = sorted(openings, key=lambda o: (abs((o.start - start).total_seconds()), o.start))[:ALTERNATIVES]
            self.data.pop("time", None)
            self.ask(replies.offer_alternatives(problem, sorted(o.start for o in nearest), self.today), Expecting.SLOT)
            return
        listed = _spread(openings)
        self.ask(
            replies.offer_slots(day, self.today, service_info(service), listed, len(listed) < len(openings), note),
            Expecting.SLOT,
        )

    def _why_not(self, start: datetime) -> str:
        if start < self.now:
            return "past"
        minutes = start.hour * 60 + start.minute
        inside = any(r.start <= minutes < r.end for r in self.business.day_hours(start.date()))
        return "taken" if inside else "closed"

    async def on_enter_booked_for_customer(self) -> None:
        """Book it (choosing the time was the confirmation); the customer, the owner and the staff member are told."""
        start = self.wanted_start
        service = await self.service_to_schedule()
        assert start is not None and service is not None
        customer = await self._customer_to_book()
        try:
            appointment = await booking.book(
                self.session,
                organization_id=self.business.id,
                customer_id=customer.id,
                service_id=service.id,
                start=start,
                now=self.now,
                staff_id=await self.booking_staff_id(),
                source=AppointmentSource.manual,
                policy=booking.STAFF_POLICY,
            )
        except SchedulingError:
            self._lost_it()
            return
        info = await self.info(appointment)
        told = self._tell_customer(customer, replies_staff.customer_told_booked(customer.name, info, self.business.name))
        self.say(replies_staff.booked_for_customer(info, self.today, told))
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_new_booking(info, for_staff=False),
            replies.notice_new_booking(info, for_staff=True),
        )

    async def _customer_to_book(self) -> Customer:
        """The customer, registering a new one (name from staff, phone if given)."""
        customer = await self.customer()
        if customer is not None:
            return customer
        new = self.data.get("new_customer") or {}
        name = new.get("name")
        customer = Customer(
            organization_id=self.business.id,
            phone=new.get("phone"),
            name=name,
            name_source=NameSource.staff if name else None,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(customer)
        await self.session.flush()
        self.data["customer_id"] = str(customer.id)
        self.data.pop("new_customer", None)
        self._customer = customer
        return customer

    def _lost_it(self) -> None:
        self.data["lost"] = True
        self.data["slot_note"] = "Uy, justo acaban de ganar ese horario."
        self.data.pop("time", None)
        self._openings_cache.clear()

    # =========================================================================================
    # Moving and cancelling
    # =========================================================================================

    async def say_customer_has_none(self) -> None:
        name, phone = self._customer_words(await self.customer())
        self.say(replies_staff.customer_has_no_appointments(name, phone))

    async def on_enter_choosing_customer_appointment(self) -> None:
        customer = await self.customer()
        narrowed = self.data.get("appointment_choices")
        upcoming = [a for a in await self.customer_upcoming() if not narrowed or str(a.id) in narrowed]
        infos = [await self.info(a) for a in upcoming[:10]]
        purpose = "move" if self.for_move() else "cancel"
        self.ask(
            replies_staff.ask_customer_appointment(customer.name if customer else None, infos, self.today, purpose),
            Expecting.CHOICE,
        )

    async def on_enter_confirming_customer_cancel(self) -> None:
        appointment = await self.customer_appointment()
        assert appointment is not None
        self.ask(replies_staff.confirm_customer_cancel(await self.info(appointment), self.today), Expecting.YES_NO)

    async def on_enter_cancelled_for_customer(self) -> None:
        appointment = await self.customer_appointment()
        customer = await self.customer()
        assert appointment is not None and customer is not None
        try:
            await booking.cancel(
                self.session,
                organization_id=self.business.id,
                appointment_id=appointment.id,
                now=self.now,
                reason=f"cancelada por {self.staff.name}",
            )
        except SchedulingError:
            self.say(replies_staff.mark_failed())
            return
        info = await self.info(appointment)
        told = self._tell_customer(customer, replies_staff.customer_told_cancelled(customer.name, info, self.business.name))
        self.say(replies_staff.cancelled_for_customer(info, self.today, told))
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_cancelled(info, for_staff=False),
            replies.notice_cancelled(info, for_staff=True),
        )

    async def on_enter_moved_for_customer(self) -> None:
        """Move the same appointment; a failed move leaves it as it was."""
        appointment = await self.customer_appointment()
        customer = await self.customer()
        start = self.wanted_start
        assert appointment is not None and customer is not None and start is not None
        before = self.business.local(appointment.starts_at)
        try:
            await booking.reschedule(
                self.session,
                organization_id=self.business.id,
                appointment_id=appointment.id,
                new_start=start,
                now=self.now,
                policy=booking.STAFF_POLICY,
            )
        except SchedulingError:
            self._lost_it()
            return
        info = await self.info(appointment)
        told = self._tell_customer(customer, replies_staff.customer_told_moved(customer.name, info, self.business.name))
        self.say(replies_staff.moved_for_customer(info, self.today, told))
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_moved(info, before, for_staff=False),
            replies.notice_moved(info, before, for_staff=True),
        )

    def _tell_customer(self, customer: Customer, reply: Reply) -> bool:
        """Tell the customer what the business did for them; False when we have no way to reach them."""
        if not reachable(customer):
            return False
        self.notify(customer, reply)
        return True

    def say_appointment_kept(self) -> None:
        self.say(replies_staff.appointment_kept())


def _spread(openings: list[Opening]) -> list[datetime]:
    """Up to ten times for a day: all of them, the on-the-hour ones, or ten spread across the day."""
    starts = [opening.start for opening in openings]
    if len(starts) <= MAX_SLOTS_LISTED:
        return starts
    hourly = [s for s in starts if s.minute == 0]
    if 3 <= len(hourly) <= MAX_SLOTS_LISTED:
        return hourly
    last = len(starts) - 1
    return sorted({starts[round(i * last / (MAX_SLOTS_LISTED - 1))] for i in range(MAX_SLOTS_LISTED)})


def _phone(customer: Customer) -> str | None:
    return display_phone(customer.phone) if customer.phone else None
