"""What staff do for a customer: look up their history, pass on a message, book, move or cancel.

First who (a name, a phone, a tapped customer — or the appointment itself: «cancela la de las
5» names its customer), then the errand; booking, moving and cancelling are the same tasks
customers run (`flows/appointments/`), here in the staff's words, without the minimum notice,
and the customer is told what the business did for them («avísale que me surgió algo» goes in
that message).

    errand_steps()   # the steps, as a compound state of the staff and owner machines
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from statemachine import State

from flows.core import replies

from flows.staff import replies as replies_staff
from flows.appointments.booking import Booking, BookingDraft, booking_steps
from flows.appointments.cancelling import CancelDraft, Cancelling, cancelling_steps
from flows.appointments.moving import MoveDraft, Moving, moving_steps
from flows.appointments.which import Candidate, point_at
from flows.core.business import known_business
from flows.core.chat import Chat, Heard, Task, capitalized
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info, service_info
from flows.core.replies import DayOffer, Reply
from flows.staff.replies import CustomerCard, History
from flows.staff.customers import customer_with_phone, customers_named, reachable, upcoming_of
from nlu.context import Expecting
from nlu.free_text import name_answer
from nlu.understanding import Intent
from scheduler import booking
from store.models import ACTIVE_STATUSES, Appointment, AppointmentSource, AppointmentStatus, Customer, NameSource, ServiceType
from store.phones import display_phone

ErrandKind = Literal["history", "message", "book", "move", "cancel"]
ERRAND_OF: dict[Intent, ErrandKind] = {
    Intent.CUSTOMER_HISTORY: "history",
    Intent.MESSAGE_CUSTOMER: "message",
    Intent.BOOK: "book",
    Intent.RESCHEDULE: "move",
    Intent.CANCEL: "cancel",
}


def errand_steps() -> State:
    """Who the errand is for, then the errand (the booking, moving and cancelling steps are the customers')."""

    class errand(State.Compound):
        """On a customer's behalf: who first, then the errand."""

        next_errand_step = NextStep(initial=True)
        asking_customer = Step(Expecting.NAME, help=replies.HELP_CUSTOMER)
        asking_message = Step(Expecting.MESSAGE, help=replies.HELP_MESSAGE)
        booking = booking_steps(asks_names=False)
        moving = moving_steps()
        cancelling = cancelling_steps()
        history_shown = Outcome()
        message_sent = Outcome()
        customer_has_none = Outcome()
        errand_done = Done()

        next_errand_step.to(asking_customer, unless="knows_customer")
        next_errand_step.to(history_shown, cond="for_history")
        next_errand_step.to(asking_message, cond="for_message", unless="knows_message")
        next_errand_step.to(message_sent, cond="for_message")
        next_errand_step.to(booking, cond="for_booking")
        next_errand_step.to(customer_has_none, unless="customer_has_appointments")
        next_errand_step.to(moving, cond="for_move")
        next_errand_step.to(cancelling)
        answered = next_errand_step.from_(asking_customer, asking_message)
        history_shown.to(errand_done)
        message_sent.to(errand_done)
        customer_has_none.to(errand_done)

    return errand


class CustomerRef(BaseModel):
    """Whom an errand is for, as far as it was said."""

    customer_id: uuid.UUID | None = None
    new_name: str | None = None  # someone new, to register when booking
    new_phone: str | None = None
    new_without_phone: bool = False
    unknown_phone: str | None = None  # history of a number nobody has: a first visit
    choices: list[uuid.UUID] = []  # several customers with that name
    note: str | None = None  # «No encuentro a ningún cliente llamado …»


class ErrandDraft(Draft):
    """An errand for a customer, with the draft of the booking, move or cancellation it runs."""

    task: Literal["errand"] = "errand"
    errand: ErrandKind = "history"
    customer: CustomerRef = CustomerRef()
    message: str | None = None
    booking: BookingDraft | None = None
    move: MoveDraft | None = None
    cancel: CancelDraft | None = None


class Errand(Task):
    """Who the errand is for, and the errands that need no appointment task (history, a message)."""

    state = "errand"
    intents = frozenset(ERRAND_OF)

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        self._customer: Customer | None = None
        self._upcoming: list[Appointment] | None = None

    @property
    def draft(self) -> ErrandDraft:
        return self.draft_as(ErrandDraft)

    @property
    def staff(self):  # type: ignore[no-untyped-def]
        return self.chat.staff  # type: ignore[attr-defined]

    # -- starting -------------------------------------------------------------------------------

    async def begin(self, intent: Intent, heard: Heard) -> None:
        """A new errand: what it is, what the message says about it, and whom (when it says)."""
        kind = ERRAND_OF[intent]
        chat = self.chat
        chat.data.draft = ErrandDraft(
            errand=kind,
            message=heard.slots.message,
            booking=BookingDraft() if kind == "book" else None,
            move=MoveDraft() if kind == "move" else None,
            cancel=CancelDraft(message=heard.slots.message) if kind == "cancel" else None,
        )
        if kind == "book":
            await chat.part(ErrandBooking).fill(heard)
        await self.identify(heard, declined=False)
        if kind in ("move", "cancel") and self.draft.customer.customer_id is None and not heard.slots.person_name:
            await self.appointment_says_who(heard)
        if kind == "move" and self.knows_customer():
            await chat.part(ErrandMoving).fill(heard)
        if kind == "cancel" and self.knows_customer():
            await chat.part(ErrandCancelling).point(heard)

    async def appointment_says_who(self, heard: Heard) -> None:
        """«Cancela la de las 5»: the day's appointment at that time names its customer."""
        slots = heard.slots
        day = slots.from_date or slots.date or self.chat.today
        clock = slots.from_time or slots.time
        if clock is None and slots.from_date is None and slots.date is None:
            return
        candidates = await self.appointments_on(day)
        pool = [Candidate(str(a.id), self.chat.business.local(a.starts_at)) for a in candidates]
        pointed = point_at(pool, day=None, clock=clock)
        if pointed.chosen is None:
            return
        appointment = next(a for a in candidates if str(a.id) == pointed.chosen)
        self.draft.customer.customer_id = appointment.customer_id
        self._customer = None
        if self.draft.errand == "cancel" and self.draft.cancel is not None:
            self.draft.cancel.appointment_id = appointment.id
        if self.draft.errand == "move" and self.draft.move is not None:
            self.draft.move.appointment_id = appointment.id
            if slots.from_time is None:
                heard.slots = heard.slots.model_copy(update={"time": None} if pointed.used_time else {})

    async def appointments_on(self, day: dt.date) -> list[Appointment]:
        """Active appointments of a local day from now on: this person's, or everyone's for an owner."""
        chat = self.chat
        start, end = chat.business.calendar.local_day_bounds(day, day)
        query = (
            select(Appointment)
            .where(
                Appointment.organization_id == chat.business.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at >= max(start, chat.now),
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at)
        )
        if not self.staff.is_owner:
            query = query.where(Appointment.staff_id == self.staff.id)
        return list((await chat.session.execute(query)).scalars().all())

    # -- listening ------------------------------------------------------------------------------

    async def fill(self, heard: Heard) -> bool:
        """Whom (at «¿de qué cliente?»), or the words to pass on (at «¿qué le digo?»)."""
        chat, draft = self.chat, self.draft
        if chat.in_state("asking_message"):
            words = (heard.slots.message or heard.text or "").strip()
            if any(ch.isalpha() for ch in words):  # «???» or «👍» is not a message to pass on
                draft.message = words
                return True
            return False
        gave = await self.identify(heard, declined=heard.said_no)
        if gave and draft.errand == "move" and self.knows_customer():
            await chat.part(ErrandMoving).fill(heard)
        if gave and draft.errand == "cancel" and self.knows_customer():
            await chat.part(ErrandCancelling).point(heard)
        return gave

    async def identify(self, heard: Heard, declined: bool) -> bool:
        """Who the errand is for, from a tapped option, a phone or a name; True when the message gave any."""
        chat, draft = self.chat, self.draft
        who = draft.customer
        option, slots = heard.option, heard.slots
        who.note = None
        if option is not None and option.kind == "cust" and uuid.UUID(option.value) in who.choices:
            who.customer_id, who.choices = uuid.UUID(option.value), []
            self._customer = None
            return True
        if slots.phone:
            found = await self._by_phone(slots.phone)
            if draft.errand == "book" and who.customer_id is None and slots.person_name:
                who.new_name = capitalized(slots.person_name)  # «agenda a doña Mari …, su cel es 55 …»: someone new
            return found
        name = slots.person_name
        if name is None and chat.in_state("asking_customer") and heard.text and heard.intent in (Intent.INFORM, Intent.OTHER):
            name = name_answer(heard.text)
        if name:
            return await self._by_name(name)
        wants_without_phone = declined or (option is not None and option.id == "nophone")
        if draft.errand == "book" and who.new_name and wants_without_phone:
            who.new_without_phone = True
            return True
        return False

    async def _by_phone(self, phone: str) -> bool:
        chat, who = self.chat, self.draft.customer
        customer = await customer_with_phone(chat.session, chat.business.id, phone)
        if customer is not None:
            who.customer_id, who.choices = customer.id, []
            self._customer = customer
        elif self.draft.errand == "book":
            who.new_phone = phone
        elif self.draft.errand == "history":
            who.unknown_phone = phone
        else:
            who.note = replies_staff.no_customer_with_phone(display_phone(phone))
        return True

    async def _by_name(self, name: str) -> bool:
        chat, who = self.chat, self.draft.customer
        matches = await customers_named(chat.session, chat.business.id, name)
        who.choices = []
        if len(matches) == 1:
            who.customer_id = matches[0].id
            self._customer = matches[0]
        elif matches:
            who.choices = [customer.id for customer in matches[:10]]
        elif self.draft.errand == "book":
            who.new_name = capitalized(name)  # someone new: their phone is asked next
        else:
            who.note = replies_staff.no_customer_named(name)
        return True

    # -- facts ----------------------------------------------------------------------------------

    async def customer(self) -> Customer | None:
        """The customer the errand is for (None for someone new, not registered yet)."""
        wanted = self.draft.customer.customer_id
        if wanted is None:
            return None
        if self._customer is None or self._customer.id != wanted:
            found = await self.chat.session.get(Customer, wanted)
            self._customer = found if found is not None and found.organization_id == self.chat.business.id else None
        return self._customer

    async def upcoming(self) -> list[Appointment]:
        customer = await self.customer()
        if customer is None:
            return []
        if self._upcoming is None:
            self._upcoming = await upcoming_of(self.chat.session, customer.id, self.chat.now)
        return self._upcoming

    async def words(self) -> tuple[str | None, str | None]:
        """The customer's name and display phone (someone new's, before they are registered)."""
        customer = await self.customer()
        if customer is not None:
            return customer.name, display_phone(customer.phone) if customer.phone else None
        who = self.draft.customer
        return who.new_name, display_phone(who.new_phone) if who.new_phone else None

    async def customer_to_book(self) -> Customer:
        """The customer, registering someone new (name from staff, phone if given)."""
        customer = await self.customer()
        if customer is not None:
            return customer
        chat, who = self.chat, self.draft.customer
        customer = Customer(
            organization_id=chat.business.id,
            phone=who.new_phone,
            name=who.new_name,
            name_source=NameSource.staff if who.new_name else None,
            created_at=chat.now,
            updated_at=chat.now,
        )
        chat.session.add(customer)
        await chat.session.flush()
        who.customer_id, who.new_name, who.new_phone = customer.id, None, None
        self._customer = customer
        return customer

    def tell_customer(self, customer: Customer, reply: Reply) -> bool:
        """Tell the customer what the business did for them; False when we have no way to reach them."""
        if not reachable(customer):
            return False
        self.chat.notify(customer, reply)
        return True

    # -- guards -----------------------------------------------------------------------------------

    def knows_customer(self) -> bool:
        """Guard: we know who (someone new counts when booking, an unknown phone for history)."""
        who, errand = self.draft.customer, self.draft.errand
        if who.customer_id is not None:
            return True
        if errand == "book" and who.new_name and (who.new_phone or who.new_without_phone):
            return True
        if errand == "book" and who.new_phone and not who.new_name:
            return True
        return errand == "history" and bool(who.unknown_phone)

    def for_history(self) -> bool:
        """Guard: the errand is the customer's history."""
        return self.draft.errand == "history"

    def for_message(self) -> bool:
        """Guard: the errand is a message to the customer."""
        return self.draft.errand == "message"

    def for_booking(self) -> bool:
        """Guard: the errand is booking for the customer."""
        return self.draft.errand == "book"

    def for_move(self) -> bool:
        """Guard: the errand is moving one of the customer's appointments."""
        return self.draft.errand == "move"

    def knows_message(self) -> bool:
        """Guard: we have the words to pass on."""
        return bool(self.draft.message)

    async def customer_has_appointments(self) -> bool:
        """Guard: the customer has an appointment that has not happened yet."""
        return bool(await self.upcoming())

    # -- the steps ----------------------------------------------------------------------------------

    async def on_enter_asking_customer(self) -> None:
        chat, who = self.chat, self.draft.customer
        if who.choices:
            rows = [await chat.session.get(Customer, c) for c in who.choices]
            cards = [CustomerCard(str(c.id), c.name, display_phone(c.phone) if c.phone else None) for c in rows if c is not None]
            chat.ask(replies_staff.ask_which_of_customers(cards))
        elif self.draft.errand == "book" and who.new_name:
            chat.ask(replies_staff.ask_new_customer_phone(who.new_name))
        else:
            chat.ask(replies_staff.ask_which_customer(who.note))

    async def on_enter_history_shown(self) -> None:
        """Visits, last visit, no-shows and upcoming appointments (or: a first visit)."""
        chat = self.chat
        customer = await self.customer()
        if customer is None:
            unknown = self.draft.customer.unknown_phone
            chat.say(replies_staff.first_visit(display_phone(unknown) if unknown else ""))
            return
        rows = (
            (await chat.session.execute(select(Appointment).where(Appointment.customer_id == customer.id).order_by(Appointment.starts_at)))
            .scalars()
            .all()
        )
        completed = [a for a in rows if a.status == AppointmentStatus.completed]
        upcoming = [a for a in rows if a.is_active and a.starts_at >= chat.now]
        info = [await appointment_info(chat.session, chat.business, a) for a in upcoming[:3]]
        history = History(
            visits=len(completed),
            last_visit=await appointment_info(chat.session, chat.business, completed[-1]) if completed else None,
            no_shows=sum(1 for a in rows if a.status == AppointmentStatus.no_show),
            cancellations=sum(1 for a in rows if a.status == AppointmentStatus.cancelled),
            upcoming=tuple(info),
        )
        phone = display_phone(customer.phone) if customer.phone else None
        chat.say(replies_staff.customer_history(customer.name, phone, history, chat.today))

    async def on_enter_asking_message(self) -> None:
        customer = await self.customer()
        self.chat.ask(replies_staff.ask_message_words(customer.name if customer else None))

    async def on_enter_message_sent(self) -> None:
        """The staff member's words, wrapped in the business's name; what was sent is said back."""
        chat = self.chat
        customer = await self.customer()
        if customer is None or not reachable(customer):
            chat.say(replies_staff.customer_unreachable(customer.name if customer else None))
            return
        message = replies_staff.message_from_staff(customer.name, self.staff.name, chat.business.name, self.draft.message or "")
        chat.notify(customer, message)
        phone = display_phone(customer.phone) if customer.phone else None
        chat.say(replies_staff.message_sent_to(customer.name, phone, message.text))

    async def on_enter_customer_has_none(self) -> None:
        name, phone = await self.words()
        self.chat.say(replies_staff.customer_has_no_appointments(name, phone))

    async def ask_which_of_theirs(self, shown: list[Appointment], purpose: str) -> None:
        """Which of the customer's appointments to move or cancel."""
        chat = self.chat
        customer = await self.customer()
        infos = [await appointment_info(chat.session, chat.business, a) for a in shown]
        chat.ask(replies_staff.ask_customer_appointment(customer.name if customer else None, infos, chat.today, purpose))


class ErrandBooking(Booking):
    """Booking on a customer's behalf: no minimum notice; the customer is told."""

    source = AppointmentSource.manual  # a person of the business books: always made, and counted

    @property
    def draft(self) -> BookingDraft:
        errand = self.chat.part(Errand).draft
        if errand.booking is None:
            errand.booking = BookingDraft()
        return errand.booking

    def ignores_notice(self) -> bool:
        return True

    def staff_wanted(self) -> uuid.UUID | None:
        """Whom they named; else an employee who does it books with themselves; else anyone free."""
        if self.draft.staff_id is not None:
            return self.draft.staff_id
        return None

    async def day_question(self, offers: list[DayOffer], problem: str | None) -> tuple[Reply, str | None]:
        service = await self.service_to_schedule()
        name, _ = await self.chat.part(Errand).words()
        question = replies_staff.ask_day_for_customer(name, service.name if service else "cita", offers, self.chat.today, problem)
        return question, None

    async def on_enter_choosing_service(self) -> None:  # type: ignore[override]
        name, _ = await self.chat.part(Errand).words()
        services = [service_info(s) for s in self.chat.business.services]
        self.chat.ask(replies_staff.ask_service_for_customer(name, services))

    async def book(self, service: ServiceType, start: datetime) -> Appointment:
        chat = self.chat
        errand = chat.part(Errand)
        customer = await errand.customer_to_book()
        staff_id = self.draft.staff_id or await self._writer_if_they_do_it(service)
        return await booking.book(
            chat.session,
            known=known_business(chat.session, chat.business),
            organization_id=chat.business.id,
            customer_id=customer.id,
            service_id=service.id,
            start=start,
            now=chat.now,
            staff_id=staff_id,
            source=AppointmentSource.manual,
            policy=booking.STAFF_POLICY,
        )

    async def _writer_if_they_do_it(self, service: ServiceType) -> uuid.UUID | None:
        """An employee booking a service they do gets it themselves; an owner books whoever is free."""
        staff = self.chat.staff  # type: ignore[attr-defined]
        if staff.is_owner:
            return None
        mine = await self.chat.my_services()  # type: ignore[attr-defined]
        return staff.id if any(s.id == service.id for s in mine) else None

    async def booked(self, appointment: Appointment) -> None:
        chat = self.chat
        errand = chat.part(Errand)
        customer = await errand.customer()
        assert customer is not None
        info = await appointment_info(chat.session, chat.business, appointment)
        told = errand.tell_customer(customer, replies_staff.customer_told_booked(customer.name, info, chat.business.name))
        chat.say(replies_staff.booked_for_customer(info, chat.today, told))
        chat.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_new_booking(info, for_staff=False),
            replies.notice_new_booking(info, for_staff=True),
        )


class ErrandMoving(Moving):
    """Moving a customer's appointment on their behalf; the customer is told."""

    @property
    def draft(self) -> MoveDraft:
        errand = self.chat.part(Errand).draft
        if errand.move is None:
            errand.move = MoveDraft()
        return errand.move

    async def candidates(self) -> list[Appointment]:
        return await self.chat.part(Errand).upcoming()

    def ignores_notice(self) -> bool:
        return True

    async def day_question(self, offers: list[DayOffer], problem: str | None) -> tuple[Reply, str | None]:
        appointment = await self.appointment()
        assert appointment is not None
        info = await self.info(appointment)
        return replies_staff.ask_new_day_for_customer(info, offers, self.chat.today, problem), None

    async def on_enter_choosing_appointment_to_move(self) -> None:  # type: ignore[override]
        await self.chat.part(Errand).ask_which_of_theirs(await self.shown_candidates(), "move")

    async def move(self, appointment: Appointment, start: datetime) -> None:
        chat = self.chat
        await booking.reschedule(
            chat.session,
            known=known_business(chat.session, chat.business),
            organization_id=chat.business.id,
            appointment_id=appointment.id,
            new_start=start,
            now=chat.now,
            policy=booking.STAFF_POLICY,
        )

    async def moved(self, appointment: Appointment, before: datetime) -> None:
        chat = self.chat
        errand = chat.part(Errand)
        customer = await errand.customer()
        assert customer is not None
        info = await self.info(appointment)
        told = errand.tell_customer(customer, replies_staff.customer_told_moved(customer.name, info, chat.business.name))
        chat.say(replies_staff.moved_for_customer(info, chat.today, told))
        chat.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_moved(info, before, for_staff=False),
            replies.notice_moved(info, before, for_staff=True),
        )


class ErrandCancelling(Cancelling):
    """Cancelling a customer's appointment on their behalf (after a yes); the customer is told, with the staff's words."""

    @property
    def draft(self) -> CancelDraft:
        errand = self.chat.part(Errand).draft
        if errand.cancel is None:
            errand.cancel = CancelDraft()
        return errand.cancel

    async def candidates(self) -> list[Appointment]:
        return await self.chat.part(Errand).upcoming()

    async def on_enter_choosing_appointment_to_cancel(self) -> None:  # type: ignore[override]
        choices = set(self.draft.choices)
        shown = [a for a in await self.candidates() if not choices or a.id in choices][:10]
        await self.chat.part(Errand).ask_which_of_theirs(shown, "cancel")

    async def cancel_question(self, appointment: Appointment) -> Reply:
        return replies_staff.confirm_customer_cancel(await self.info(appointment), self.chat.today)

    def kept_reply(self) -> Reply:
        return replies_staff.appointment_kept()

    async def cancel(self, appointment: Appointment) -> None:
        chat = self.chat
        staff = chat.staff  # type: ignore[attr-defined]
        await booking.cancel(
            chat.session, organization_id=chat.business.id, appointment_id=appointment.id, now=chat.now,
            reason=replies_staff.cancelled_by(staff.name),
        )

    async def cancelled(self, appointment: Appointment) -> None:
        chat = self.chat
        errand = chat.part(Errand)
        customer = await errand.customer()
        assert customer is not None
        info = await self.info(appointment)
        words = self.draft.message or errand.draft.message
        staff = chat.staff  # type: ignore[attr-defined]
        told = errand.tell_customer(
            customer, replies_staff.customer_told_cancelled(customer.name, info, chat.business.name, words, staff.name)
        )
        chat.say(replies_staff.cancelled_for_customer(info, chat.today, told))
        chat.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_cancelled(info, for_staff=False),
            replies.notice_cancelled(info, for_staff=True),
        )


def errand_draft_v1(raw: Mapping[str, Any]) -> ErrandDraft:
    """A version-1 errand (`errand`, `customer_id`, `new_customer`, `appointment_id`, `date`, `time`, …)."""
    kind = raw["errand"]
    new = raw.get("new_customer") or {}
    who = CustomerRef(
        customer_id=raw.get("customer_id"),
        new_name=new.get("name") or raw.get("customer_name"),
        new_phone=new.get("phone"),
        new_without_phone=bool(new) and not new.get("phone"),
        unknown_phone=raw.get("unknown_phone"),
        choices=raw.get("customer_choices") or [],
    )
    when = {"day": raw.get("date"), "time": raw.get("time")}
    return ErrandDraft(
        errand=kind,
        customer=who,
        message=raw.get("message"),
        booking=BookingDraft(service_id=raw.get("service_id"), staff_id=raw.get("staff_id"), **when) if kind == "book" else None,
        move=MoveDraft(appointment_id=raw.get("appointment_id"), **when) if kind == "move" else None,
        cancel=CancelDraft(appointment_id=raw.get("appointment_id")) if kind == "cancel" else None,
    )
