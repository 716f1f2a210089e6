"""Booking an appointment: service, day, time (and, for a customer, a name), asked only while missing.

One component for customers booking for themselves (or someone else: «un corte para mi hijo») and
for staff booking on a customer's behalf; the role subclass says who the appointment is for and
who hears about it. Choosing a time is the confirmation: once the service, the time and what a
new customer must tell are known, the booking is made in the same message.

    booking_steps(asks_names=True)   # the steps, as a compound state of the role machine
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from statemachine import State

from flows.core import replies
from flows.appointments.plan_limits import after_booking, usage_before_booking
from flows.appointments.when import ChoosingWhen, WhenDraft, fill_when
from flows.core.chat import Heard, Task, capitalized
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import service_info
from flows.core.replies import DayOffer, Reply, ServiceInfo
from nlu.context import Expecting
from nlu.understanding import Intent
from scheduler.errors import SchedulingError
from scheduler.plan import PlanUsage
from store.models import Appointment, AppointmentSource, ServiceType

# Words that mark a catalog service as the children's one («Corte niño», «Corte infantil»).
CHILDREN_WORDS = ("niño", "nino", "niña", "nina", "niños", "infantil", "kids", "peque")


def booking_steps(asks_names: bool) -> State:
    """The booking steps; customers also say their name (and a guest's), staff already said whom it is for."""

    class booking(State.Compound):
        """Service, day and time, each asked only while missing; then booked."""

        next_booking_step = NextStep(initial=True)
        choosing_service = Step(Expecting.SERVICE, help=replies.HELP_SERVICE)
        choosing_day = Step(Expecting.DATE, help=replies.HELP_DAY)
        choosing_slot = Step(Expecting.SLOT, help=replies.HELP_TIME)
        if asks_names:
            asking_guest_name = Step(Expecting.NAME, help=replies.HELP_GUEST_NAME)
            asking_name = Step(Expecting.NAME, help=replies.HELP_NAME)
        booked = Outcome()
        booking_done = Done()

        next_booking_step.to(choosing_service, unless="knows_service")
        next_booking_step.to(choosing_slot, cond="wants_earliest")
        next_booking_step.to(choosing_day, unless="day_has_openings")
        next_booking_step.to(choosing_slot, unless="picked_free_time")
        if asks_names:
            next_booking_step.to(asking_guest_name, cond="needs_guest_name")
            next_booking_step.to(asking_name, unless="knows_name")
            answered = next_booking_step.from_(
                choosing_service, choosing_day, choosing_slot, asking_guest_name, asking_name
            )
        else:
            answered = next_booking_step.from_(choosing_service, choosing_day, choosing_slot)
        next_booking_step.to(booked)
        # Someone took the time a moment ago (another chat): back to what is still missing.
        booked.to(next_booking_step, cond="lost_the_slot")
        booked.to(booking_done)

    return booking


class BookingDraft(WhenDraft):
    """A booking as far as it was said."""

    task: Literal["booking"] = "booking"
    service_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    # Someone else's appointment («para mi hijo»): who, their name, and whether a child.
    guest: str | None = None
    guest_name: str | None = None
    child: bool = False
    # Already has an appointment and said «agendar otra».
    another: bool = False


class Booking(Task):
    """The booking task, shared by customers and staff: what it collects, its guards, its steps."""

    state = "booking"
    intents = frozenset({Intent.BOOK})

    @property
    def draft(self) -> BookingDraft:
        return self.draft_as(BookingDraft)

    @property
    def when(self) -> BookingDraft:
        return self.draft

    # -- listening ----------------------------------------------------------------------------

    async def fill(self, heard: Heard) -> bool:
        """Keep the service, day, time, part of day, staff member and guest the message gives."""
        draft = self.draft
        gave = self.fill_service(heard)
        gave = fill_when(draft, heard) or gave
        staff = self.chat.business.staff_named(heard.slots.staff)
        if staff is not None:
            draft.staff_id = staff.id
            gave = True
        gave = self.fill_guest(heard) or gave
        gave = await self.fill_who(heard) or gave
        if gave:
            draft.lost = False
        return gave

    def fill_service(self, heard: Heard) -> bool:
        """A tapped or named service; for a child, the catalog's children's one when there is one."""
        service = self.heard_service(heard)
        if service is None:
            return False
        if heard.slots.child or self.draft.child:
            service = self.for_children(service)
        self.draft.service_id = service.id
        return True

    def heard_service(self, heard: Heard) -> ServiceType | None:
        business = self.chat.business
        option = heard.option_of("svc")
        if option is not None:
            return business.service(option.value)
        return business.service_named(heard.slots.service)

    def for_children(self, service: ServiceType) -> ServiceType:
        """«Corte niño» for a child's «corte», when the catalog has it."""
        if _is_for_children(service.name):
            return service
        stem = service.name.split()[0].casefold()
        for candidate in self.chat.business.services:
            if _is_for_children(candidate.name) and candidate.name.split()[0].casefold() == stem:
                return candidate
        return service

    def fill_guest(self, heard: Heard) -> bool:
        slots, draft = heard.slots, self.draft
        gave = False
        if slots.guest:
            draft.guest = " ".join(slots.guest.split())[:80]
            draft.another = True  # another person's appointment is never «cambiar la tuya»
            gave = True
        if slots.child:
            draft.child = True
            if draft.service_id is not None:
                service = self.chat.business.service(draft.service_id)
                if service is not None:
                    draft.service_id = self.for_children(service).id
            gave = True
        if slots.guest_name:
            draft.guest_name = capitalized(slots.guest_name)
            gave = True
        return gave

    async def fill_who(self, heard: Heard) -> bool:
        """Who the appointment is for (each role decides: the customer's name, or the staff's customer)."""
        return False

    # -- guards -------------------------------------------------------------------------------

    def knows_service(self) -> bool:
        """Guard: we know which service to book."""
        return self.chat.business.service(self.draft.service_id) is not None

    # -- what choosing when needs ----------------------------------------------------------------

    async def service_to_schedule(self) -> ServiceType | None:
        return self.chat.business.service(self.draft.service_id)

    def staff_wanted(self) -> uuid.UUID | None:
        return self.draft.staff_id

    def appointment_moving(self) -> uuid.UUID | None:
        return None

    def ignores_notice(self) -> bool:
        return False

    async def day_question(self, offers: list[DayOffer], problem: str | None) -> tuple[Reply, str | None]:
        service = await self.service_to_schedule()
        name = service.name if service else replies.APPOINTMENT
        return replies.ask_day(name, offers, self.chat.today, problem), replies.SURE

    # -- the steps --------------------------------------------------------------------------------

    def on_enter_choosing_service(self) -> None:
        when = self.draft.day
        hint = replies.day_hint(when, self.chat.today) if when else None
        self.chat.ask(replies.ask_service(self.services(), hint), lead=replies.SURE)

    def services(self) -> list[ServiceInfo]:
        return [service_info(service) for service in self.chat.business.services]

    async def on_enter_booked(self) -> None:
        """Book it (choosing the time was the confirmation), then say so to everyone concerned."""
        when = self.part(ChoosingWhen)
        start = when.wanted_start
        service = await self.service_to_schedule()
        assert start is not None and service is not None  # the route checked both
        usage = await usage_before_booking(self.chat)
        if not usage.allows(self.source):
            await self.over_the_plan(usage, service, start)
            return
        try:
            appointment = await self.book(service, start)
        except SchedulingError:
            self.lost_it(when)
            return
        await self.booked(appointment)
        await after_booking(self.chat, usage)

    #: Where the booking comes from (the plan's limit applies to what customers book themselves).
    source: str = AppointmentSource.whatsapp

    async def over_the_plan(self, usage: PlanUsage, service: ServiceType, start: datetime) -> None:
        """Past the month's limit: the request goes to the owner (each role says who asked)."""
        raise NotImplementedError

    def lost_it(self, when: ChoosingWhen) -> None:
        """Someone else got the time first: say so with what is left."""
        draft = self.draft
        draft.lost = True
        draft.note = replies.lost_the_slot()
        draft.time = None
        when.forget_openings()

    async def book(self, service: ServiceType, start: datetime) -> Appointment:
        """Write the appointment (each role: for whom, with which rules)."""
        raise NotImplementedError

    async def booked(self, appointment: Appointment) -> None:
        """Tell the person, and whoever else must know (each role)."""
        raise NotImplementedError

    def part(self, kind: type[ChoosingWhen]) -> ChoosingWhen:
        return self.chat.part(kind)


def _is_for_children(name: str) -> bool:
    folded = name.casefold()
    return any(word in folded.split() or word in folded for word in CHILDREN_WORDS)


