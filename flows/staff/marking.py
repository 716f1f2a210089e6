"""How an appointment went: «el de las 11 no llegó» (a no-show, asked first) or «ya terminé con el de las 12».

The appointment meant is found among the day's appointments that already started (this person's;
everyone's for an owner): by time, name or service, the last one started when nothing is said.
A no-show is confirmed first, then Yume offers to write to the customer once; completed is marked
at once.

    marking_steps()   # the steps, as a compound state of the staff and owner machines
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from sqlalchemy import select
from statemachine import State

from flows.core import replies

from flows.staff import replies as replies_staff
from flows.core.chat import Chat, Heard, Task
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info
from flows.core.references import appointments_meant
from flows.staff.customers import reachable
from flows.core.replies import AppointmentInfo
from nlu.context import Expecting
from nlu.understanding import Intent
from scheduler import booking
from scheduler.errors import SchedulingError
from store.models import ACTIVE_STATUSES, Appointment, Customer, Permission


def marking_steps() -> State:
    """Which appointment (when unclear); a no-show is confirmed, then a message to the customer is offered."""

    class marking(State.Compound):
        """An appointment marked completed, or a no-show (after a yes)."""

        next_mark_step = NextStep(initial=True)
        choosing_appointment_to_mark = Step(Expecting.CHOICE, help=replies.HELP_WHICH_TO_MARK)
        confirming_no_show = Step(Expecting.YES_NO, help=replies.HELP_CONFIRM_NO_SHOW)
        offering_to_message = Step(Expecting.YES_NO, help=replies.HELP_OFFER_MESSAGE)
        marked_completed = Outcome()
        marked_no_show = Outcome()
        no_show_kept = Outcome()
        no_show_messaged = Outcome()
        message_declined = Outcome()
        mark_done = Done()

        next_mark_step.to(choosing_appointment_to_mark, unless="knows_appointment_to_mark")
        next_mark_step.to(marked_completed, cond="marking_completed")
        next_mark_step.to(confirming_no_show, unless="no_show_answered")
        next_mark_step.to(no_show_kept, unless="no_show_confirmed")
        next_mark_step.to(marked_no_show, unless="no_show_marked")
        next_mark_step.to(offering_to_message, cond="may_message_no_show", unless="message_answered")
        next_mark_step.to(no_show_messaged, cond="message_confirmed")
        next_mark_step.to(message_declined, cond="message_answered")
        next_mark_step.to(mark_done)
        answered = next_mark_step.from_(choosing_appointment_to_mark, confirming_no_show, offering_to_message)
        marked_no_show.to(next_mark_step)
        marked_completed.to(mark_done)
        no_show_kept.to(mark_done)
        no_show_messaged.to(mark_done)
        message_declined.to(mark_done)

    return marking


class MarkDraft(Draft):
    """Marking an appointment as far as it was said."""

    task: Literal["marking"] = "marking"
    kind: Literal["no_show", "completed"] = "no_show"
    day: dt.date | None = None
    appointment_id: uuid.UUID | None = None
    choices: list[uuid.UUID] = []
    note: str | None = None  # «No encuentro una cita a las 3» before the list
    not_yet: uuid.UUID | None = None  # «el de las 5» is still to come
    confirmed: bool | None = None
    marked: bool = False
    failed: bool = False  # someone changed it a moment ago: nothing was marked
    message_answer: bool | None = None
    message: str | None = None  # words to add to the no-show message


class Marking(Task):
    """Marking how an appointment went."""

    state = "marking"
    intents = frozenset({Intent.MARK_NO_SHOW, Intent.MARK_COMPLETED, Intent.MESSAGE_CUSTOMER})

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        self._started: list[Appointment] | None = None

    @property
    def draft(self) -> MarkDraft:
        return self.draft_as(MarkDraft)

    @property
    def day(self) -> dt.date:
        return self.draft.day or self.chat.today

    # -- which appointment ----------------------------------------------------------------------

    async def appointments_of_the_day(self, started: bool) -> list[Appointment]:
        """Active appointments of the day talked about: this person's, or everyone's for an owner."""
        chat = self.chat
        staff = chat.staff  # type: ignore[attr-defined]
        start, end = chat.business.calendar.local_day_bounds(self.day, self.day)
        query = (
            select(Appointment)
            .where(
                Appointment.organization_id == chat.business.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
            )
            .order_by(Appointment.starts_at)
        )
        if not staff.is_owner:
            query = query.where(Appointment.staff_id == staff.id)
        query = query.where(Appointment.starts_at <= chat.now) if started else query.where(Appointment.starts_at > chat.now)
        return list((await chat.session.execute(query)).scalars().all())

    async def started(self) -> list[Appointment]:
        """The ones that may be marked: they have started and are still pending."""
        if self._started is None:
            self._started = await self.appointments_of_the_day(started=True)
        return self._started

    async def info(self, appointment: Appointment) -> AppointmentInfo:
        return await appointment_info(self.chat.session, self.chat.business, appointment)

    async def begin(self, heard: Heard, kind: Literal["no_show", "completed"]) -> None:
        """A new request: which started appointment «el de las 11» / «Juan no vino» / «ya terminé» means."""
        slots = heard.slots
        day = slots.date if slots.date is not None and slots.date <= self.chat.today else None
        self.chat.data.draft = MarkDraft(kind=kind, day=day, message=slots.message)
        draft = self.draft
        infos = [await self.info(a) for a in await self.started()]
        meant = appointments_meant(infos, at=slots.time, name=slots.person_name, service=slots.service)
        if len(meant) == 1:
            draft.appointment_id = uuid.UUID(meant[0].id)
            return
        if not meant:
            later = [await self.info(a) for a in await self.appointments_of_the_day(started=False)]
            not_yet = appointments_meant(later, at=slots.time, name=slots.person_name, service=slots.service)
            if not_yet and (slots.time is not None or slots.person_name):
                draft.not_yet = uuid.UUID(not_yet[0].id)  # «el de las 5» is still to come
                return
            # Nothing matches what was said: offer the day's started ones, latest first.
            meant = sorted(infos, key=lambda a: a.start, reverse=True)
            if slots.time is not None:
                draft.note = replies_staff.no_time_match(slots.time)
        draft.choices = [uuid.UUID(a.id) for a in meant[:10]]

    async def fill(self, heard: Heard) -> bool:
        draft = self.draft
        chat = self.chat
        if chat.in_state("choosing_appointment_to_mark"):
            return await self._pick(heard)
        confirmed = self.yes_or_no("confirming_no_show", heard, Intent.MARK_NO_SHOW)
        if confirmed is not None:
            draft.confirmed = confirmed
            return True
        message = self.yes_or_no("offering_to_message", heard, Intent.MESSAGE_CUSTOMER)
        if message is None and chat.in_state("offering_to_message") and heard.slots.message:
            message = True  # «dile que la esperamos mañana» is a yes with the words
        if message is not None:
            draft.message_answer = message
            draft.message = heard.slots.message or draft.message
            return True
        return False

    async def _pick(self, heard: Heard) -> bool:
        draft = self.draft
        option = heard.option_of("appt")
        if option is not None and uuid.UUID(option.value) in draft.choices:
            draft.appointment_id = uuid.UUID(option.value)
            return True
        slots = heard.slots
        if slots.time is None and not slots.person_name and not slots.service:
            return False
        infos = [await self.info(a) for a in await self.started() if a.id in draft.choices]
        meant = appointments_meant(infos, at=slots.time, name=slots.person_name, service=slots.service)
        if len(meant) == 1:
            draft.appointment_id = uuid.UUID(meant[0].id)
            return True
        return False

    async def appointment(self) -> Appointment | None:
        wanted = self.draft.appointment_id
        appointment = await self.chat.session.get(Appointment, wanted) if wanted else None
        return appointment if appointment is not None and appointment.organization_id == self.chat.business.id else None

    # -- guards -------------------------------------------------------------------------------

    async def has_appointments_to_mark(self) -> bool:
        """Guard: some appointment of that day has started and is still pending (and the one meant is not still to come)."""
        return self.draft.not_yet is None and bool(await self.started())

    def knows_appointment_to_mark(self) -> bool:
        """Guard: what was said points at exactly one appointment."""
        return self.draft.appointment_id is not None

    def marking_completed(self) -> bool:
        """Guard: it went fine («ya terminé»): marked at once."""
        return self.draft.kind == "completed"

    def no_show_answered(self) -> bool:
        """Guard: the yes or no about the no-show was given."""
        return self.draft.confirmed is not None

    def no_show_confirmed(self) -> bool:
        """Guard: it was a yes."""
        return bool(self.draft.confirmed)

    def no_show_marked(self) -> bool:
        """Guard: the no-show is marked."""
        return self.draft.marked

    async def may_message_no_show(self) -> bool:
        """Guard: the no-show was marked, this person may write to customers, and the customer has WhatsApp."""
        staff = self.chat.staff  # type: ignore[attr-defined]
        if not self.draft.marked or self.draft.failed or not staff.may(Permission.message_customers):
            return False
        appointment = await self.appointment()
        customer = await self.chat.session.get(Customer, appointment.customer_id) if appointment else None
        return customer is not None and reachable(customer)

    def message_answered(self) -> bool:
        """Guard: the yes or no about writing to the customer was given."""
        return self.draft.message_answer is not None

    def message_confirmed(self) -> bool:
        """Guard: they want the customer written to."""
        return bool(self.draft.message_answer)

    # -- the steps --------------------------------------------------------------------------------

    async def say_nothing_to_mark(self) -> None:
        """Nothing started to mark; or the appointment meant has not begun yet (then say so)."""
        chat = self.chat
        not_yet = await chat.session.get(Appointment, self.draft.not_yet) if self.draft.not_yet else None
        info = await self.info(not_yet) if not_yet is not None else None
        chat.say(replies_staff.nothing_to_mark(self.day, chat.today, info))
        chat.back_at_rest()

    async def on_enter_choosing_appointment_to_mark(self) -> None:
        chat, draft = self.chat, self.draft
        by_id = {a.id: a for a in await self.started()}
        infos = [await self.info(by_id[i]) for i in draft.choices if i in by_id]
        staff = chat.staff  # type: ignore[attr-defined]
        chat.ask(replies_staff.ask_which_to_mark(infos, draft.kind, staff.is_owner, draft.note))

    async def on_enter_confirming_no_show(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        staff = self.chat.staff  # type: ignore[attr-defined]
        self.chat.ask(replies_staff.confirm_no_show(await self.info(appointment), staff.is_owner))

    async def on_enter_marked_no_show(self) -> None:
        """Mark it; the question about messaging the customer carries the ✓ when it follows."""
        chat = self.chat
        appointment = await self.appointment()
        assert appointment is not None
        try:
            await booking.mark_no_show(chat.session, organization_id=chat.business.id, appointment_id=appointment.id, now=chat.now)
        except SchedulingError:
            chat.say(replies_staff.mark_failed())
            self.draft.marked = self.draft.failed = True  # nothing was marked: nothing to tell the customer
            return
        self.draft.marked = True
        if not await self.may_message_no_show():
            chat.say(replies_staff.marked_no_show())

    async def on_enter_offering_to_message(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        # Said once with the ✓; asked again (after «gracias», or help) without it.
        self.chat.ask(replies_staff.offer_no_show_message(await self.info(appointment)), lead=replies_staff.MARKED_NO_SHOW)

    async def on_enter_no_show_messaged(self) -> None:
        chat = self.chat
        appointment = await self.appointment()
        assert appointment is not None
        customer = await chat.session.get(Customer, appointment.customer_id)
        assert customer is not None
        staff = chat.staff  # type: ignore[attr-defined]
        message = replies_staff.no_show_message(
            customer.name, await self.info(appointment), chat.today, chat.business.name, self.draft.message, staff.name
        )
        chat.notify(customer, message)
        chat.say(replies_staff.message_sent(message.text))

    def on_enter_no_show_kept(self) -> None:
        self.chat.say(replies_staff.not_marked())

    def on_enter_message_declined(self) -> None:
        self.chat.say(replies_staff.not_messaged())

    async def on_enter_marked_completed(self) -> None:
        chat = self.chat
        appointment = await self.appointment()
        assert appointment is not None
        try:
            await booking.complete(chat.session, organization_id=chat.business.id, appointment_id=appointment.id, now=chat.now)
        except SchedulingError:
            chat.say(replies_staff.mark_failed())
            return
        staff = chat.staff  # type: ignore[attr-defined]
        chat.say(replies_staff.marked_completed(await self.info(appointment), staff.is_owner))

