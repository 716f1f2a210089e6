"""Cancelling an appointment: which one, then yes or no (always asked), then cancelled.

Shared by customers (their own) and staff (a customer's, who is told); the role subclass says
which appointments can be meant and who hears about it. Freeing time needs no lock.

    cancelling_steps()   # the steps, as a compound state of the role machine
"""

from __future__ import annotations

import uuid
from typing import Literal

from statemachine import State

from flows.core import replies
from flows.appointments.which import Candidate, point_at
from flows.core.chat import Chat, Heard, Task
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info
from flows.core.replies import AppointmentInfo
from nlu.context import Expecting
from nlu.understanding import Intent
from scheduler.errors import SchedulingError
from store.models import Appointment


def cancelling_steps() -> State:
    """Which appointment, then yes or no."""

    class cancelling(State.Compound):
        """An appointment cancelled after a yes (kept after a no)."""

        next_cancel_step = NextStep(initial=True)
        choosing_appointment_to_cancel = Step(Expecting.CHOICE, help=replies.HELP_WHICH_APPOINTMENT)
        confirming_cancel = Step(Expecting.YES_NO, help=replies.HELP_CONFIRM_CANCEL)
        cancelled = Outcome()
        kept = Outcome()
        cancel_done = Done()

        next_cancel_step.to(choosing_appointment_to_cancel, unless="knows_appointment_to_cancel")
        next_cancel_step.to(confirming_cancel, unless="cancel_answered")
        next_cancel_step.to(cancelled, cond="cancel_confirmed")
        next_cancel_step.to(kept)
        answered = next_cancel_step.from_(choosing_appointment_to_cancel, confirming_cancel)
        cancelled.to(cancel_done)
        kept.to(cancel_done)

    return cancelling


class CancelDraft(Draft):
    """A cancellation as far as it was said: which appointment, and the yes or no."""

    task: Literal["cancelling"] = "cancelling"
    appointment_id: uuid.UUID | None = None
    choices: list[uuid.UUID] = []
    confirmed: bool | None = None
    message: str | None = None  # staff: words for the customer («avísale que me surgió algo»)


class Cancelling(Task):
    """The cancelling task, shared by customers and staff."""

    state = "cancelling"
    intents = frozenset({Intent.CANCEL})

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        self._appointment: Appointment | None = None

    @property
    def draft(self) -> CancelDraft:
        return self.draft_as(CancelDraft)

    async def candidates(self) -> list[Appointment]:
        """The appointments this cancellation can be about, soonest first (each role)."""
        raise NotImplementedError

    async def appointment(self) -> Appointment | None:
        wanted = self.draft.appointment_id
        if wanted is None:
            return None
        if self._appointment is None or self._appointment.id != wanted:
            self._appointment = next((a for a in await self.candidates() if a.id == wanted), None)
        return self._appointment

    # -- listening ----------------------------------------------------------------------------

    async def fill(self, heard: Heard) -> bool:
        """Which appointment; yes or no once it is known (a «cancélala» is a yes)."""
        gave = await self.point(heard)
        draft = self.draft
        if heard.slots.message:
            draft.message = heard.slots.message
            gave = True
        answer = self.yes_or_no("confirming_cancel", heard, Intent.CANCEL) if draft.appointment_id else None
        if answer is not None:
            draft.confirmed = answer
            return True
        return gave

    async def point(self, heard: Heard) -> bool:
        draft = self.draft
        option = heard.option_of("appt")
        candidates = await self.candidates()
        if option is not None:
            if any(str(a.id) == option.value for a in candidates):
                draft.appointment_id = uuid.UUID(option.value)
                return True
            return False
        if draft.appointment_id is not None:
            return False
        slots = heard.slots
        pool = [Candidate(str(a.id), self.chat.business.local(a.starts_at)) for a in candidates]
        if draft.choices:
            pool = [c for c in pool if uuid.UUID(c.id) in draft.choices] or pool
        pointed = point_at(pool, day=slots.from_date or slots.date, clock=slots.from_time or slots.time)
        if pointed.chosen is not None:
            draft.appointment_id = uuid.UUID(pointed.chosen)
            draft.choices = []
            return True
        if pointed.used_day or pointed.used_time:
            draft.choices = [uuid.UUID(c) for c in pointed.narrowed]
            return True
        return False

    # -- guards -------------------------------------------------------------------------------

    def knows_appointment_to_cancel(self) -> bool:
        """Guard: we know which appointment to cancel."""
        return self.draft.appointment_id is not None

    def cancel_answered(self) -> bool:
        """Guard: the yes or no was given."""
        return self.draft.confirmed is not None

    def cancel_confirmed(self) -> bool:
        """Guard: it was a yes."""
        return bool(self.draft.confirmed)

    # -- the steps --------------------------------------------------------------------------------

    async def info(self, appointment: Appointment) -> AppointmentInfo:
        return await appointment_info(self.chat.session, self.chat.business, appointment)

    async def on_enter_choosing_appointment_to_cancel(self) -> None:
        choices = set(self.draft.choices)
        shown = [a for a in await self.candidates() if not choices or a.id in choices][:10]
        self.chat.ask(replies.ask_which_appointment([await self.info(a) for a in shown], self.chat.today, "cancel"))

    async def on_enter_confirming_cancel(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        self.chat.ask(await self.cancel_question(appointment))

    async def cancel_question(self, appointment: Appointment) -> replies.Reply:
        return replies.confirm_cancel(await self.info(appointment), self.chat.today)

    async def on_enter_cancelled(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        try:
            await self.cancel(appointment)
        except SchedulingError:
            self.chat.say(replies.could_not_cancel())
            return
        await self.cancelled(appointment)

    async def on_enter_kept(self) -> None:
        self.chat.say(self.kept_reply())

    def kept_reply(self) -> replies.Reply:
        return replies.kept_appointment()

    async def cancel(self, appointment: Appointment) -> None:
        """Cancel it (each role: with which reason)."""
        raise NotImplementedError

    async def cancelled(self, appointment: Appointment) -> None:
        """Tell the person and whoever else must know (each role)."""
        raise NotImplementedError
