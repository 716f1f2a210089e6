"""A customer's conversation: the facts `CustomerFlow` runs on, and the tasks it composes.

`CustomerChat` knows who writes (their upcoming appointments, whether we know their name) and
turns a message at rest into a request; the tasks (`flows/appointments/`) do the rest, here with
the customer's own words: a new customer is asked their name once, a booking for someone else
(«un corte para mi hijo») carries the guest's name while the customer's record keeps theirs, and
every change is told to the owner and the staff member concerned.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select

from flows.core import formatting as fmt
from flows.core import replies
from flows.appointments.booking import Booking, BookingDraft
from flows.appointments.cancelling import CancelDraft, Cancelling
from flows.appointments.plan_limits import hand_request_to_owner
from flows.appointments.moving import MoveDraft, Moving
from flows.appointments.when import ChoosingWhen, fill_when
from flows.core.business import known_business
from flows.core.chat import Chat, Heard, Task, Turn, capitalized
from flows.core.drafts import Draft
from flows.customer.flow import CustomerFlow
from flows.customer.questions import BusinessQuestions, sounds_like_a_request
from flows.core.describe import appointment_info
from flows.core.handoff import hand_off
from flows.core.options import reminder_answer
from flows.core.replies import AppointmentInfo
from nlu.free_text import name_answer
from nlu.understanding import Intent
from scheduler import booking
from scheduler.plan import PlanUsage
from store.models import ACTIVE_STATUSES, Appointment, Customer, NameSource, ServiceType
from store.phones import display_phone

# Names the customer gave, or staff and contacts gave for them: trusted enough not to ask again.
TRUSTED_NAMES = (NameSource.customer, NameSource.staff, NameSource.contacts)
REQUESTS = {Intent.BOOK: "wants_to_book", Intent.RESCHEDULE: "wants_to_reschedule", Intent.CANCEL: "wants_to_cancel"}
SMALL_TALK = {Intent.GREET, Intent.THANKS, Intent.GOODBYE, Intent.AFFIRM, Intent.DENY, Intent.STOP}


class CustomerBooking(Booking):
    """A customer booking for themselves or for someone else."""

    async def fill_who(self, heard: Heard) -> bool:
        """The customer's own name («a nombre de Beto», «soy Kevin», the answer to «¿tu nombre?»), or the guest's."""
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        draft = self.draft
        if chat.in_state("asking_guest_name") and not heard.slots.guest_name:
            name = heard.slots.person_name or _typed_name(heard)
            if name:
                draft.guest_name = capitalized(name)
                return True
            return False
        option = heard.option_of("name")
        if option is not None:
            return chat.take_name(option.value)
        name = heard.slots.person_name
        if name is None and chat.in_state("asking_name"):
            name = _typed_name(heard)
        return chat.take_name(name) if name else False

    # -- guards ---------------------------------------------------------------------------------

    def needs_guest_name(self) -> bool:
        """Guard: the appointment is for someone else whose name we do not know yet."""
        return bool(self.draft.guest) and not self.draft.guest_name

    def knows_name(self) -> bool:
        """Guard: the customer told us their name (now or before)."""
        return self.chat.has_the_customers_name()  # type: ignore[attr-defined,no-any-return]

    def wants_another(self) -> bool:
        """Guard: they asked for another appointment besides the one they have (or for someone else)."""
        return self.draft.another

    # -- the steps --------------------------------------------------------------------------------

    async def on_enter_asking_guest_name(self) -> None:
        chat = self.chat
        service, start = await self.service_to_schedule(), chat.part(ChoosingWhen).wanted_start
        summary = replies.slot_summary(service.name, start, chat.today) if service and start else None
        chat.ask(replies.ask_guest_name(self.draft.guest, summary))

    async def on_enter_asking_name(self) -> None:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        customer = chat.customer
        suggested = customer.name if customer.name_source == NameSource.whatsapp_profile else None
        service, start = await self.service_to_schedule(), chat.part(ChoosingWhen).wanted_start
        summary = replies.slot_summary(service.name, start, chat.today) if service and start else None
        chat.ask(replies.ask_name(summary, suggested))

    async def book(self, service: ServiceType, start: datetime) -> Appointment:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        draft = self.draft
        return await booking.book(
            chat.session,
            known=known_business(chat.session, chat.business),
            organization_id=chat.business.id,
            customer_id=chat.customer.id,
            service_id=service.id,
            start=start,
            now=chat.now,
            staff_id=draft.staff_id,
            guest_name=draft.guest_name,
        )

    async def over_the_plan(self, usage: PlanUsage, service: ServiceType, start: datetime) -> None:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        who = chat.customer.name if chat.has_the_customers_name() else None
        if self.draft.guest_name:
            who = f"{self.draft.guest_name} (de {who or 'un cliente'})"
        hand_request_to_owner(chat, usage, who, chat.customer.phone, service.name, start)

    async def booked(self, appointment: Appointment) -> None:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        info = await chat.info(appointment)
        chat.say(replies.booked(chat.customer.name, info, business=chat.business.name))
        chat.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_new_booking(info, for_staff=False),
            replies.notice_new_booking(info, for_staff=True),
        )
        chat.data.recent = fmt.day_phrase(info.start.date(), chat.today)


class CustomerMoving(Moving):
    """A customer moving one of their appointments."""

    async def candidates(self) -> list[Appointment]:
        return await self.chat.upcoming()  # type: ignore[attr-defined]

    async def move(self, appointment: Appointment, start: datetime) -> None:
        chat = self.chat
        await booking.reschedule(
            chat.session,
            known=known_business(chat.session, chat.business),
            organization_id=chat.business.id,
            appointment_id=appointment.id,
            new_start=start,
            now=chat.now,
        )

    async def moved(self, appointment: Appointment, before: datetime) -> None:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        info = await chat.info(appointment)
        chat.say(replies.moved(info, chat.today, business=chat.business.name, name=chat.customer.name))
        chat.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_moved(info, before, for_staff=False),
            replies.notice_moved(info, before, for_staff=True),
        )
        chat.data.recent = fmt.day_phrase(info.start.date(), chat.today)


class CustomerCancelling(Cancelling):
    """A customer cancelling one of their appointments."""

    async def candidates(self) -> list[Appointment]:
        return await self.chat.upcoming()  # type: ignore[attr-defined]

    async def cancel(self, appointment: Appointment) -> None:
        chat = self.chat
        await booking.cancel(
            chat.session,
            organization_id=chat.business.id,
            appointment_id=appointment.id,
            now=chat.now,
            reason=replies.CANCELLED_BY_CUSTOMER,
        )

    async def cancelled(self, appointment: Appointment) -> None:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        info = await chat.info(appointment)
        chat.say(replies.cancelled(info, chat.today, business=chat.business.name, name=chat.customer.name))
        chat.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_cancelled(info, for_staff=False),
            replies.notice_cancelled(info, for_staff=True),
        )


class AnotherOrChange(Task):
    """Asked to book while having an appointment: another one, or change (or cancel) that one."""

    state = "deciding_another_or_change"
    intents = frozenset({Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL})

    async def fill(self, heard: Heard) -> bool | list[str]:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        choice = heard.option.id if heard.option is not None else None
        existing = await chat.upcoming()
        if choice == "move" or heard.intent == Intent.RESCHEDULE:
            # The day and time already said are for the appointment that moves.
            said = chat.part(CustomerBooking).draft
            move = MoveDraft(appointment_id=existing[0].id, day=said.day, time=said.time, part_of_day=said.part_of_day)
            fill_when(move, heard)
            chat.data.draft = move
            return ["chose_to_move"]
        if choice == "cancel" or heard.intent == Intent.CANCEL:
            chat.data.draft = CancelDraft(appointment_id=existing[0].id)
            return ["chose_to_cancel"]
        booking_part = chat.part(CustomerBooking)
        details = await booking_part.fill(heard)
        if choice == "another" or heard.intent in (Intent.AFFIRM, Intent.BOOK) or details:
            booking_part.draft.another = True
            return ["chose_another"]
        if heard.said_no:
            return ["gave_up"]
        return False

    async def on_enter_deciding_another_or_change(self) -> None:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        upcoming = await chat.upcoming()
        info = await chat.info(upcoming[0])
        chat.ask(replies.already_has_appointment(info, chat.today, len(upcoming) - 1))


class AttendanceDraft(Draft):
    """«No creo alcanzar»: the appointment it is about, while Yume asks «¿cancelar o cambiar?»."""

    task: Literal["attendance"] = "attendance"
    appointment_id: uuid.UUID | None = None


class CancelOrMove(Task):
    """«Uy, no creo alcanzar» after a reminder: cancel that appointment, or move it."""

    state = "deciding_cancel_or_move"
    intents = frozenset({Intent.RESCHEDULE, Intent.CANCEL, Intent.CANT_MAKE_IT})

    async def fill(self, heard: Heard) -> bool | list[str]:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        draft = self.draft_as(AttendanceDraft)
        choice = heard.option.id if heard.option is not None else None
        if choice == "cancel" or heard.intent == Intent.CANCEL:
            # Choosing «cancelarla» here is the yes: it is cancelled in this turn.
            chat.data.draft = CancelDraft(appointment_id=draft.appointment_id, confirmed=True)
            return ["chose_to_cancel"]
        move = MoveDraft(appointment_id=draft.appointment_id)
        if choice == "move" or heard.intent == Intent.RESCHEDULE or fill_when(move, heard):
            fill_when(move, heard)
            chat.data.draft = move
            return ["chose_to_move"]
        if heard.said_no:
            return ["gave_up"]
        return False

    async def on_enter_deciding_cancel_or_move(self) -> None:
        chat: CustomerChat = self.chat  # type: ignore[assignment]
        appointment = await chat.appointment_by_id(self.draft_as(AttendanceDraft).appointment_id)
        assert appointment is not None
        chat.ask(replies.cancel_or_move(await chat.info(appointment), chat.today))


class CustomerChat(Chat):
    """One customer's conversation: the model `CustomerFlow` runs on."""

    machine = CustomerFlow
    components = (
        CustomerBooking,
        CustomerMoving,
        CustomerCancelling,
        AnotherOrChange,
        CancelOrMove,
        ChoosingWhen,
        BusinessQuestions,
    )

    def __init__(self, turn: Turn) -> None:
        super().__init__(turn)
        self.customer: Customer = turn.person  # type: ignore[assignment]
        self._upcoming: list[Appointment] | None = None
        # A booking asked for while cancelling or moving one: another appointment, like that one.
        self.another_like: uuid.UUID | None = None

    # =========================================================================================
    # Facts
    # =========================================================================================

    def has_the_customers_name(self) -> bool:
        """The customer told us their name (now or before), or staff did."""
        return bool(self.customer.name) and self.customer.name_source in TRUSTED_NAMES

    async def has_upcoming_appointment(self) -> bool:
        """Guard: the customer has an appointment that has not happened yet."""
        return bool(await self.upcoming())

    async def upcoming(self) -> list[Appointment]:
        """The customer's active appointments from now on, soonest first."""
        if self._upcoming is None:
            rows = await self.session.execute(
                select(Appointment)
                .where(
                    Appointment.customer_id == self.customer.id,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.starts_at >= self.now,
                )
                .order_by(Appointment.starts_at)
            )
            self._upcoming = list(rows.scalars().all())
        return self._upcoming

    async def appointment_by_id(self, appointment_id: uuid.UUID | str | None) -> Appointment | None:
        wanted = str(appointment_id) if appointment_id else None
        return next((a for a in await self.upcoming() if str(a.id) == wanted), None)

    async def info(self, appointment: Appointment) -> AppointmentInfo:
        return await appointment_info(self.session, self.business, appointment)

    def take_name(self, name: str | None) -> bool:
        """Keep the name the customer gives for themselves (capitalised), unless they already gave one."""
        if not name:
            return False
        if self.customer.name_source != NameSource.customer or not self.customer.name:
            self.customer.name = capitalized(name)
            self.customer.name_source = NameSource.customer
            self.customer.updated_at = self.now
        return True

    # =========================================================================================
    # Listening at rest
    # =========================================================================================

    async def hear_at_rest(self, heard: Heard) -> list[str]:
        intent = heard.intent
        answer = reminder_answer(heard.option)
        if answer is not None:
            return await self.answered_reminder(*answer)
        if intent == Intent.AFFIRM and self.data.reminded and not self.has_booking_details(heard):
            return ["confirmed_attendance"]  # «sí» right after a reminder
        if heard.slots.person_name and not heard.slots.guest_name:
            self.take_name(heard.slots.person_name)
        if intent == Intent.CANT_MAKE_IT:
            return await self.cannot_make_it(heard)
        if intent == Intent.BOOK or (intent not in REQUESTS and self.asks_for_a_time(heard)):
            self.data.draft = BookingDraft(another=self.another_like is not None)
            await self.part(CustomerBooking).fill(heard)
            await self.same_service_as(self.another_like)
            await self.answer_questions(heard, booking=True)
            return ["wants_to_book"]
        if intent == Intent.RESCHEDULE:
            self.data.draft = MoveDraft(appointment_id=await self.reminded_or_only())
            await self.part(CustomerMoving).fill(heard)
            return ["wants_to_reschedule"]
        if intent == Intent.CANCEL:
            self.data.draft = CancelDraft(appointment_id=await self.reminded_or_only())
            await self.part(CustomerCancelling).fill(heard)
            return ["wants_to_cancel"]
        questions = self.part(BusinessQuestions)
        if questions.asks_what_we_do_not_offer(heard):
            return ["needs_the_owner"]
        if heard.questions:
            return ["asked_question"]
        if intent == Intent.GREET:
            return ["greeted"]
        if intent in SMALL_TALK:
            return ["thanked"]
        if intent == Intent.OTHER and sounds_like_a_request(heard):
            return ["needs_the_owner"]
        if intent == Intent.INFORM and heard.slots.person_name:
            return ["thanked"]  # «soy Beto»: noted
        return ["was_not_understood"]

    async def answered_reminder(self, kind: str, appointment_id: str) -> list[str]:
        """A reminder's Confirmo / Cancelar / Cambiar: about THAT appointment, through the usual tasks."""
        self.data.reminded = appointment_id
        if kind == "confirm":
            return ["confirmed_attendance"]
        appointment = await self.appointment_by_id(appointment_id)
        found = appointment.id if appointment is not None else await self.reminded_or_only()
        if kind == "cancel":
            self.data.draft = CancelDraft(appointment_id=found)
            return ["wants_to_cancel"]
        self.data.draft = MoveDraft(appointment_id=found)
        return ["wants_to_reschedule"]

    async def cannot_make_it(self, heard: Heard) -> list[str]:
        """«No creo alcanzar»: about the reminded appointment, or the only one (else the day named)."""
        appointment = await self.appointment_by_id(self.data.reminded)
        if appointment is None:
            upcoming = await self.upcoming()
            day = heard.slots.date
            on_day = [a for a in upcoming if day is not None and self.business.local(a.starts_at).date() == day]
            appointment = (on_day or upcoming or [None])[0]
        if appointment is None:
            return ["cannot_make_it"]  # no appointment ahead: said so
        self.data.draft = AttendanceDraft(appointment_id=appointment.id)
        return ["cannot_make_it"]

    async def same_service_as(self, appointment_id: uuid.UUID | None) -> None:
        """«Mejor quiero otra»: without a service named, the one of the appointment they were changing."""
        draft = self.data.draft
        appointment = await self.appointment_by_id(appointment_id)
        if isinstance(draft, BookingDraft) and draft.service_id is None and appointment is not None:
            if self.business.service(appointment.service_id) is not None:
                draft.service_id = appointment.service_id

    async def reminded_or_only(self) -> uuid.UUID | None:
        """The appointment a reminder just asked about, or the customer's only one."""
        reminded = await self.appointment_by_id(self.data.reminded)
        if reminded is not None:
            return reminded.id
        upcoming = await self.upcoming()
        return upcoming[0].id if len(upcoming) == 1 else None

    def asks_for_a_time(self, heard: Heard) -> bool:
        """Booking details with no request around them («mañana a las 4», «un corte el sábado»).

        A day in the past is not a request: «el corte de ayer me quedó mal» is for the owner.
        """
        day = heard.slots.date
        return self.has_booking_details(heard) and (day is None or day >= self.today)

    def has_booking_details(self, heard: Heard) -> bool:
        s = heard.slots
        tapped = heard.option is not None and heard.option.kind in ("slot", "day", "svc")
        return bool(s.service or s.date or s.time or s.part_of_day or s.staff or s.asap or s.guest or tapped)

    # =========================================================================================
    # Listening in the middle of a request
    # =========================================================================================

    def starts_something_else(self, heard: Heard, task: Task) -> bool:
        """Another request («mejor cancela mi cita» while booking), or a reminder tapped late."""
        if reminder_answer(heard.option) is not None:
            return True
        if heard.intent == Intent.CANT_MAKE_IT and not isinstance(task, CancelOrMove):
            return True
        if heard.intent in REQUESTS and heard.intent not in task.intents:
            # «siempre no, mejor quiero otra para hoy» while cancelling: the one they have stays, this is another.
            if heard.intent == Intent.BOOK and isinstance(task, Cancelling | Moving):
                self.another_like = task.draft.appointment_id
            return True
        return False

    def is_digression(self, heard: Heard) -> bool:
        questions = self.part(BusinessQuestions)
        return questions.asks_what_we_do_not_offer(heard) or (
            heard.intent == Intent.OTHER and sounds_like_a_request(heard)
        )

    async def answer_questions(self, heard: Heard, booking: bool = False) -> None:
        """Answer what the message asks beside its request (the day's hours a booking will say anyway are skipped)."""
        questions = self.part(BusinessQuestions)
        for asked in heard.questions:
            if booking and asked == Intent.ASK_HOURS and heard.slots.date and not self.business.is_open_on(heard.slots.date):
                continue  # «¿abren el domingo? quiero corte…»: the booking says Sunday is closed
            await questions.answer(asked, heard)

    # =========================================================================================
    # At rest: what Yume says
    # =========================================================================================

    def greet(self) -> None:
        self.say(replies.greeting(self.business.name, self.customer.name if self.has_the_customers_name() else None))

    def say_you_are_welcome(self) -> None:
        self.say(replies.you_are_welcome(self.data.recent))
        self.data.recent = None

    async def answer_question(self) -> None:
        await self.answer_questions(self.heard)

    async def confirm_attendance(self) -> None:
        """The customer confirmed a reminded appointment: mark it confirmed by them, thank them."""
        wanted = self.data.reminded
        self.data.reminded = None
        self.data.offered_at_rest = []
        appointment = await self.appointment_by_id(wanted)
        if appointment is None:
            self.say(replies.reminded_appointment_gone())
            return
        await booking.confirm_by_customer(
            self.session, organization_id=self.business.id, appointment_id=appointment.id, now=self.now
        )
        self.say(replies.attendance_confirmed(self.customer.name, await self.info(appointment), self.today))

    def say_no_appointments(self) -> None:
        self.say(replies.no_upcoming_appointments())

    def show_general_help(self) -> None:
        self.data.misunderstood += 1
        self.say(replies.general_help())

    def on_enter_chatting(self) -> None:
        """Back at rest: forget the half-collected request (keep what «gracias» may refer to)."""
        self.back_at_rest()
        self.data.reminded = None

    # =========================================================================================
    # Repair
    # =========================================================================================

    async def answer_digression(self) -> None:
        """Answer the side question (or pass it to the owner), then ask the pending question again."""
        heard = self.heard
        questions = self.part(BusinessQuestions)
        if questions.asks_what_we_do_not_offer(heard) or heard.intent == Intent.OTHER:
            questions.forward_to_owner()
        elif heard.questions:
            await self.answer_questions(heard)
        elif heard.intent == Intent.GREET:
            self.say(replies.hello())
        self.reask()

    async def on_enter_handed_off(self, event: str) -> None:
        """Stop answering this customer: the owner is told with context, the customer too."""
        reason = "asked" if event == "asked_for_person" else "misunderstood"
        hand_off(self.conversation, self.now, "customer_asked" if reason == "asked" else "not_understood")
        owner = self.business.owner
        phone = display_phone(self.customer.phone) if self.customer.phone else None
        notice = replies.notice_handoff(self.customer.name, phone, reason, self.heard.text, await self.context())
        for person in self.owners:
            self.notify(person, notice)
        self.say(replies.handed_off(owner.name if owner else None, reason))

    async def context(self) -> str | None:
        """What the customer was booking, for the owner who takes over."""
        draft = self.data.draft
        if not isinstance(draft, BookingDraft | MoveDraft):
            return None
        service = self.business.service(draft.service_id) if isinstance(draft, BookingDraft) else None
        when = fmt.day_phrase(draft.day, self.today) if draft.day else None
        if service is None and when is None:
            return None
        return replies.handoff_context_booking(service.name if service else None, when)

    # =========================================================================================
    # Conversations stored before drafts (flow_data version 1)
    # =========================================================================================

    @classmethod
    def migrate_v1(cls, raw: Mapping[str, Any]) -> Draft | None:
        """The request a version-1 chat was collecting (`mode`, `service_id`, `date`, `time`, …)."""
        mode = raw.get("mode")
        when = {
            "day": raw.get("date"),
            "time": raw.get("time"),
            "part_of_day": raw.get("part_of_day"),
        }
        if mode == "book":
            return BookingDraft(service_id=raw.get("service_id"), staff_id=raw.get("staff_id"), **when)
        if mode == "move":
            return MoveDraft(appointment_id=raw.get("appointment_id"), **when)
        if mode == "cancel":
            return CancelDraft(appointment_id=raw.get("appointment_id"))
        return None


def _typed_name(heard: Heard) -> str | None:
    """A bare name typed as the answer to «¿cómo te llamas?» («Toño, y que me corte Pedro»: Toño).

    Only the first words before a comma when the rest gave something else (a staff member, a
    service): «espérame, mejor solo barba» is not a name.
    """
    if not heard.text or heard.intent not in (Intent.INFORM, Intent.OTHER, Intent.GREET):
        return None
    whole = name_answer(heard.text)
    if whole:
        return whole
    first, _, rest = heard.text.partition(",")
    if rest and heard.slots.staff and first.strip()[:1].isupper():
        return name_answer(first)  # written as a name («Toño»), not a lead-in («ah, y que sea con Pedro»)
    return None
