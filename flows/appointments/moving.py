"""Moving an appointment: which one, the new day, the new time — the same appointment moves (no new row).

Shared by customers (their own appointments) and staff (a customer's, on their behalf); the role
subclass says which appointments can be meant and who is told. A failed move leaves the
appointment exactly as it was.

    moving_steps()   # the steps, as a compound state of the role machine
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from statemachine import State

from flows.core import replies
from flows.appointments.when import ChoosingWhen, WhenDraft, fill_when
from flows.appointments.which import Candidate, point_at
from flows.core.chat import Chat, Heard, Task
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info
from flows.core.replies import AppointmentInfo, DayOffer, Reply
from nlu.context import Expecting
from nlu.understanding import Intent
from scheduler.errors import SchedulingError
from store.models import Appointment, ServiceType


def moving_steps() -> State:
    """Which appointment, then the new day and time (each asked only while missing)."""

    class moving(State.Compound):
        """The same appointment to a new day and time."""

        next_move_step = NextStep(initial=True)
        choosing_appointment_to_move = Step(Expecting.CHOICE, help=replies.HELP_WHICH_APPOINTMENT)
        choosing_new_day = Step(Expecting.DATE, help=replies.HELP_DAY)
        choosing_new_slot = Step(Expecting.SLOT, help=replies.HELP_TIME)
        moved = Outcome()
        move_done = Done()

        next_move_step.to(choosing_appointment_to_move, unless="knows_appointment_to_move")
        next_move_step.to(choosing_new_slot, cond="wants_earliest")
        next_move_step.to(choosing_new_day, unless="day_has_openings")
        next_move_step.to(choosing_new_slot, unless="picked_free_time")
        next_move_step.to(moved)
        answered = next_move_step.from_(choosing_appointment_to_move, choosing_new_day, choosing_new_slot)
        # Someone took the new time a moment ago: back to what is still missing.
        moved.to(next_move_step, cond="lost_the_slot")
        moved.to(move_done)

    return moving


class MoveDraft(WhenDraft):
    """A move as far as it was said: the appointment, and the new moment."""

    task: Literal["moving"] = "moving"
    appointment_id: uuid.UUID | None = None
    choices: list[uuid.UUID] = []  # the appointments still in question («la del sábado» when there are two)


class Moving(Task):
    """The moving task, shared by customers and staff."""

    state = "moving"
    intents = frozenset({Intent.RESCHEDULE})

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        self._appointment: Appointment | None = None

    @property
    def draft(self) -> MoveDraft:
        return self.draft_as(MoveDraft)

    @property
    def when(self) -> MoveDraft:
        return self.draft

    # -- which appointments ---------------------------------------------------------------------

    async def candidates(self) -> list[Appointment]:
        """The appointments this move can be about, soonest first (each role)."""
        raise NotImplementedError

    async def appointment(self) -> Appointment | None:
        """The appointment being moved (when it is still one of the candidates)."""
        wanted = self.draft.appointment_id
        if wanted is None:
            return None
        if self._appointment is None or self._appointment.id != wanted:
            self._appointment = next((a for a in await self.candidates() if a.id == wanted), None)
        return self._appointment

    # -- listening ----------------------------------------------------------------------------

    async def fill(self, heard: Heard) -> bool:
        """Which appointment, and the new day and time, from whatever the message carries."""
        gave = await self.point(heard)
        gave = fill_when(self.draft, heard) or gave
        if gave:
            self.draft.lost = False
        await self.stay_on_its_day()
        return gave

    async def point(self, heard: Heard) -> bool:
        """Name the appointment from a tapped one, or from the «de»-day/time of the request.

        «Cambia mi cita del viernes para el sábado»: viernes (`from_date`) names it; a plain day or
        time is the new moment («para el sábado a las 11»). With one appointment ahead, it is that one.
        """
        draft = self.draft
        option = heard.option_of("appt")
        candidates = await self.candidates()
        if option is not None:
            if any(str(a.id) == option.value for a in candidates):
                draft.appointment_id = uuid.UUID(option.value)
                return True
            return False
        slots = heard.slots
        if draft.appointment_id is not None and not slots.from_date and not slots.from_time:
            return False
        pool = [Candidate(str(a.id), self.chat.business.local(a.starts_at)) for a in candidates]
        if draft.choices:
            pool = [c for c in pool if uuid.UUID(c.id) in draft.choices] or pool
        at_choice = self.chat.in_state("choosing_appointment_to_move")
        # Answering «¿cuál cambio?», a plain day or time names the appointment («la del viernes»).
        day, clock = (slots.date, slots.time) if at_choice else (None, None)
        pointed = point_at(pool, day=day, clock=clock, from_day=slots.from_date, from_clock=slots.from_time)
        if pointed.chosen is not None:
            draft.appointment_id = uuid.UUID(pointed.chosen)
            draft.choices = []
            if at_choice:
                heard.slots = heard.slots.model_copy(update={"date": None, "time": None})
            return True
        if pointed.used_day or pointed.used_time:
            draft.choices = [uuid.UUID(c) for c in pointed.narrowed]
            return True
        return False

    async def stay_on_its_day(self) -> None:
        """A new time without a new day is on the appointment's own day («mueve la de Juan a las 5»)."""
        draft = self.draft
        if draft.time is not None and draft.day is None:
            appointment = await self.appointment()
            if appointment is not None:
                draft.day = self.chat.business.local(appointment.starts_at).date()

    # -- guards -------------------------------------------------------------------------------

    def knows_appointment_to_move(self) -> bool:
        """Guard: we know which appointment moves."""
        return self.draft.appointment_id is not None

    # -- what choosing when needs ----------------------------------------------------------------

    async def service_to_schedule(self) -> ServiceType | None:
        appointment = await self.appointment()
        if appointment is None:
            return None
        return self.chat.business.service(appointment.service_id) or await self.chat.session.get(
            ServiceType, appointment.service_id
        )

    def staff_wanted(self) -> uuid.UUID | None:
        return None  # a move keeps anyone who does the service: the booking rules pick who is free

    def appointment_moving(self) -> uuid.UUID | None:
        return self.draft.appointment_id

    def ignores_notice(self) -> bool:
        return False

    async def day_question(self, offers: list[DayOffer], problem: str | None) -> tuple[Reply, str | None]:
        appointment = await self.appointment()
        assert appointment is not None
        return replies.ask_new_day(await self.info(appointment), offers, self.chat.today, problem), None

    async def info(self, appointment: Appointment) -> AppointmentInfo:
        return await appointment_info(self.chat.session, self.chat.business, appointment)

    # -- the steps --------------------------------------------------------------------------------

    async def on_enter_choosing_appointment_to_move(self) -> None:
        shown = await self.shown_candidates()
        self.chat.ask(replies.ask_which_appointment([await self.info(a) for a in shown], self.chat.today, "move"))

    async def shown_candidates(self) -> list[Appointment]:
        choices = set(self.draft.choices)
        candidates = await self.candidates()
        return [a for a in candidates if not choices or a.id in choices][:10]

    async def on_enter_moved(self) -> None:
        """Move the same appointment; a failed move leaves it exactly as it was."""
        when = self.chat.part(ChoosingWhen)
        appointment = await self.appointment()
        start = when.wanted_start
        assert appointment is not None and start is not None  # the route checked both
        before = self.chat.business.local(appointment.starts_at)
        if start == before:
            # Nothing changes: no write, no notice, and no «cambié».
            self.chat.say(replies.move_is_no_change(await self.info(appointment), self.chat.today))
            return
        try:
            await self.move(appointment, start)
        except SchedulingError:
            self.draft.lost = True
            self.draft.note = replies.lost_the_slot()
            self.draft.time = None
            when.forget_openings()
            return
        await self.moved(appointment, before)

    async def move(self, appointment: Appointment, start: datetime) -> None:
        """Write the move (each role: with which rules)."""
        raise NotImplementedError

    async def moved(self, appointment: Appointment, before: datetime) -> None:
        """Tell the person and whoever else must know (each role)."""
        raise NotImplementedError
