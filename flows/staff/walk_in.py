"""A walk-in: «acaba de llegar alguien para corte», «llegó don Beto para barba, su cel 55 1234 5678».

Service → phone (optional) → name, each asked only while missing; booked now with this staff
member (the minimum notice does not apply), or — when they are busy — at their next free time
today, after a yes. An owner may register someone for any service, with whoever is free or whom
they name.

    walk_in_steps()   # the steps, as a compound state of the staff and owner machines
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from statemachine import State

from flows.core import replies

from flows.staff import replies as replies_staff
from flows.core.business import known_business
from flows.core.chat import Heard, Task, capitalized
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info, service_info
from flows.appointments.plan_limits import after_booking, usage_before_booking
from flows.core.openings import openings_by_day
from flows.staff.customers import customer_with_phone
from nlu.context import Expecting
from nlu.free_text import name_answer
from nlu.understanding import Intent
from scheduler import booking
from scheduler.errors import SchedulingError
from store.models import ACTIVE_STATUSES, Appointment, AppointmentSource, Customer, NameSource, ServiceType
from store.phones import display_phone

# Names the customer gave, or staff and contacts gave for them: trusted enough not to ask again.
TRUSTED_NAMES = (NameSource.customer, NameSource.staff, NameSource.contacts)


def walk_in_steps() -> State:
    """Service, phone and name while missing; then registered now, or at the next free time after a yes."""

    class walk_in(State.Compound):
        """Someone without an appointment, booked now."""

        next_walk_in_step = NextStep(initial=True)
        choosing_walk_in_service = Step(Expecting.SERVICE, help=replies.HELP_WALK_IN_SERVICE)
        asking_walk_in_phone = Step(Expecting.PHONE, help=replies.HELP_WALK_IN_PHONE)
        asking_walk_in_name = Step(Expecting.NAME, help=replies.HELP_WALK_IN_NAME)
        offering_later_walk_in = Step(Expecting.YES_NO, help=replies.HELP_LATER_WALK_IN)
        walk_in_registered = Outcome()
        walk_in_not_registered = Outcome()
        walk_in_done = Done()

        next_walk_in_step.to(choosing_walk_in_service, unless="knows_walk_in_service")
        next_walk_in_step.to(asking_walk_in_phone, unless="walk_in_phone_answered")
        next_walk_in_step.to(asking_walk_in_name, unless="knows_walk_in_name")
        next_walk_in_step.to(offering_later_walk_in, cond="walk_in_waits", unless="later_answered")
        next_walk_in_step.to(walk_in_not_registered, cond="later_declined")
        next_walk_in_step.to(walk_in_registered)
        answered = next_walk_in_step.from_(
            choosing_walk_in_service, asking_walk_in_phone, asking_walk_in_name, offering_later_walk_in
        )
        # Busy right now: the next free time today is offered (a yes registers it there).
        walk_in_registered.to(next_walk_in_step, cond="walk_in_waits", unless="later_answered")
        walk_in_registered.to(walk_in_done)
        walk_in_not_registered.to(walk_in_done)

    return walk_in


class WalkInDraft(Draft):
    """A walk-in as far as it was said."""

    task: Literal["walk_in"] = "walk_in"
    service_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None  # whom an owner named («para barba con Pedro»)
    phone: str | None = None
    no_phone: bool = False
    customer_id: uuid.UUID | None = None  # the customer with that phone, when there is one
    name: str | None = None
    later: dt.time | None = None  # busy now: the next free time today, offered
    later_answer: bool | None = None
    done: bool = False


class WalkIn(Task):
    """Registering someone who just arrived."""

    state = "walk_in"
    intents = frozenset({Intent.WALK_IN})

    @property
    def draft(self) -> WalkInDraft:
        return self.draft_as(WalkInDraft)

    @property
    def staff(self):  # type: ignore[no-untyped-def]
        return self.chat.staff  # type: ignore[attr-defined]

    # -- listening ----------------------------------------------------------------------------

    async def fill(self, heard: Heard) -> bool:
        """Service, whom (for an owner), phone, name and the yes or no to a later time, whatever was asked."""
        chat, draft, slots = self.chat, self.draft, heard.slots
        gave = False
        service = self._heard_service(heard)
        if service is not None:
            draft.service_id = service.id
            gave = True
        staff = chat.business.staff_named(slots.staff)
        if staff is not None and self.staff.is_owner:
            draft.staff_id = staff.id  # «llegó alguien para barba con Pedro»
            gave = True
        if slots.phone:
            draft.phone = slots.phone
            customer = await customer_with_phone(chat.session, chat.business.id, slots.phone)
            draft.customer_id = customer.id if customer else None
            gave = True
        elif (heard.option is not None and heard.option.id == "nophone") or (
            chat.in_state("asking_walk_in_phone") and heard.said_no
        ):
            draft.no_phone = True
            gave = True
        name = slots.person_name
        if name is None and chat.in_state("asking_walk_in_name") and heard.text and heard.intent in (Intent.INFORM, Intent.OTHER):
            name = name_answer(heard.text)
        if name:
            draft.name = capitalized(name)
            gave = True
        answer = self.yes_or_no("offering_later_walk_in", heard, Intent.WALK_IN)
        if answer is not None:
            draft.later_answer = answer
            return True
        return gave

    def _heard_service(self, heard: Heard) -> ServiceType | None:
        option = heard.option_of("svc")
        if option is not None:
            return self.chat.business.service(option.value)
        return self.chat.business.service_named(heard.slots.service)

    # -- facts --------------------------------------------------------------------------------

    async def my_services(self) -> list[ServiceType]:
        return await self.chat.my_services()  # type: ignore[attr-defined,no-any-return]

    async def walk_in_services(self) -> list[ServiceType]:
        """What a walk-in can get: what this person does; at the owner's word, anything the business offers."""
        return list(self.chat.business.services) if self.staff.is_owner else await self.my_services()

    async def attended_by(self) -> uuid.UUID | None:
        """Whom the owner named, else the writer if they do the service, else whoever is free."""
        draft = self.draft
        if draft.staff_id is not None:
            return draft.staff_id
        if any(service.id == draft.service_id for service in await self.my_services()):
            return self.staff.id
        return None

    async def known_customer(self) -> Customer | None:
        draft = self.draft
        return await self.chat.session.get(Customer, draft.customer_id) if draft.customer_id else None

    # -- guards -------------------------------------------------------------------------------

    async def knows_walk_in_service(self) -> bool:
        """Guard: we know the service, and it is one this person performs (for an owner: one the business offers)."""
        wanted = self.draft.service_id
        return wanted is not None and any(service.id == wanted for service in await self.walk_in_services())

    def walk_in_phone_answered(self) -> bool:
        """Guard: a phone was given, or they have none."""
        return bool(self.draft.phone) or self.draft.no_phone

    async def knows_walk_in_name(self) -> bool:
        """Guard: a name was given, or the phone belongs to a customer whose name we trust."""
        if self.draft.name:
            return True
        customer = await self.known_customer()
        return customer is not None and bool(customer.name) and customer.name_source in TRUSTED_NAMES

    def walk_in_waits(self) -> bool:
        """Guard: busy right now, and a later time today was found to offer."""
        return self.draft.later is not None and not self.draft.done

    def later_answered(self) -> bool:
        """Guard: the yes or no to the later time was given."""
        return self.draft.later_answer is not None

    def later_declined(self) -> bool:
        """Guard: it was a no."""
        return self.draft.later_answer is False

    # -- the steps --------------------------------------------------------------------------------

    async def on_enter_choosing_walk_in_service(self) -> None:
        named = self.chat.business.service(self.draft.service_id)
        note = replies_staff.not_your_service(named.name) if named is not None else None
        services = [service_info(s) for s in await self.walk_in_services()]
        self.chat.ask(replies_staff.ask_walk_in_service(services, note))

    def on_enter_asking_walk_in_phone(self) -> None:
        service = self.chat.business.service(self.draft.service_id)
        assert service is not None
        self.chat.ask(replies_staff.ask_walk_in_phone(service.name))

    def on_enter_asking_walk_in_name(self) -> None:
        self.chat.ask(replies_staff.ask_walk_in_name(self.draft.phone))

    async def on_enter_walk_in_registered(self) -> None:
        """Book now (or at the later time just accepted); when busy, find the next free time today."""
        chat, draft = self.chat, self.draft
        service = chat.business.service(draft.service_id)
        assert service is not None
        customer = await self._customer_row()
        start = chat.business.at(chat.today, draft.later) if draft.later is not None and draft.later_answer else None
        staff_id = await self.attended_by()
        usage = await usage_before_booking(chat)  # a walk-in is always registered, and counted
        try:
            if start is None and staff_id is not None:
                appointment = await booking.walk_in(
                    chat.session,
                    organization_id=chat.business.id,
                    staff_id=staff_id,
                    service_id=service.id,
                    customer_id=customer.id,
                    now=chat.now,
                )
            else:
                # At a later time, or with whoever is free (an owner registering someone they do not attend).
                appointment = await booking.book(
                    chat.session,
                    known=known_business(chat.session, chat.business),
                    organization_id=chat.business.id,
                    customer_id=customer.id,
                    service_id=service.id,
                    start=start or chat.now.replace(second=0, microsecond=0),
                    now=chat.now,
                    staff_id=staff_id,
                    source=AppointmentSource.walk_in,
                    policy=booking.STAFF_POLICY,
                )
        except SchedulingError:
            if start is not None or draft.later is not None:
                chat.say(replies_staff.walk_in_no_room(service.name))
                draft.done = True
                return
            await self._find_later(service, staff_id)
            return
        draft.done = True
        await after_booking(chat, usage)
        info = await appointment_info(chat.session, chat.business, appointment)
        attended = None if appointment.staff_id == self.staff.id else info.staff_name
        phone = display_phone(customer.phone) if customer.phone else None
        chat.say(replies_staff.walk_in_registered(customer.name, phone, service.name, info.start, start is None, attended))
        chat.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_new_booking(info, for_staff=False),
            replies.notice_new_booking(info, for_staff=True),
        )

    async def _customer_row(self) -> Customer:
        """The customer with the walk-in's phone, or a new one; a name staff give is kept."""
        chat, draft = self.chat, self.draft
        customer = await self.known_customer()
        if customer is None:
            customer = Customer(
                organization_id=chat.business.id,
                phone=draft.phone,
                name=draft.name,
                name_source=NameSource.staff if draft.name else None,
                created_at=chat.now,
                updated_at=chat.now,
            )
            chat.session.add(customer)
            await chat.session.flush()
            draft.customer_id = customer.id
        elif draft.name and customer.name_source not in TRUSTED_NAMES:
            customer.name, customer.name_source, customer.updated_at = draft.name, NameSource.staff, chat.now
        return customer

    async def _find_later(self, service: ServiceType, staff_id: uuid.UUID | None) -> None:
        """The next free start today with this person (or anyone), offered next (or: no room today)."""
        chat = self.chat
        found = await openings_by_day(
            chat.session, chat.business, service, chat.today, chat.today, chat.now, staff_id=staff_id, ignore_notice=True
        )
        later = [opening.start for opening in found.get(chat.today, []) if opening.start > chat.now]
        if not later:
            chat.say(replies_staff.walk_in_no_room(service.name))
            self.draft.done = True
            return
        self.draft.later = later[0].time()

    async def on_enter_offering_later_walk_in(self) -> None:
        chat, draft = self.chat, self.draft
        service = chat.business.service(draft.service_id)
        assert service is not None and draft.later is not None
        staff_id = await self.attended_by()
        busy = (
            (
                await chat.session.execute(
                    select(Appointment)
                    .where(
                        Appointment.staff_id == (staff_id or self.staff.id),
                        Appointment.status.in_(ACTIVE_STATUSES),
                        Appointment.starts_at <= chat.now,
                        Appointment.busy_until > chat.now,
                    )
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )
        busy_with = await appointment_info(chat.session, chat.business, busy) if busy is not None and staff_id == self.staff.id else None
        next_start: datetime = chat.business.at(chat.today, draft.later)
        chat.ask(replies_staff.walk_in_busy(service.name, busy_with, next_start))

    def on_enter_walk_in_not_registered(self) -> None:
        self.chat.say(replies_staff.walk_in_not_registered())
