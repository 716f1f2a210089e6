"""Opening hours: the week («el sábado abrimos de 9 a 3», «los domingos cerramos») and single days
(«el 24 de diciembre cerramos, no agendes a nadie», «el 31 abrimos de 10 a 3»).

A change of the week is confirmed first; appointments booked that now fall outside it are listed,
never cancelled. A special day (a closure of the location, or short hours) applies to every staff
member at once; with appointments in the way, the owner is told which and decides: cancel them and
tell the customers, or keep them.

    changing_hours_steps(), special_day_steps()   # compound states of the owner's machine
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import select
from statemachine import State

from flows.core import formatting as fmt
from flows.owner import replies as replies_owner
from flows.core.chat import Chat, Heard, Task
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info, week_hours
from flows.core.hours_change import Booked, HoursChange, changed_days, new_week, outside_hours
from nlu.context import Expecting
from nlu.understanding import WEEKDAYS, Intent
from scheduler import booking, special_days
from scheduler.calendar import special_day_hours
from scheduler.errors import SchedulingError
from store.hours import HoursRange, weekly_hours_to_json
from store.models import ACTIVE_STATUSES, Appointment, Customer, Location


def changing_hours_steps() -> State:
    """Which days and hours while missing, then a yes."""

    class changing_hours(State.Compound):
        """The business's weekly opening hours."""

        next_hours_step = NextStep(initial=True)
        asking_new_hours = Step(Expecting.OPENING_HOURS, help=replies_owner.HELP_NEW_HOURS)
        confirming_hours = Step(Expecting.YES_NO, help=replies_owner.HELP_CONFIRM_HOURS)
        hours_saved = Outcome()
        hours_kept = Outcome()
        hours_done = Done()

        next_hours_step.to(asking_new_hours, unless="knows_new_hours")
        next_hours_step.to(confirming_hours, unless="hours_answered")
        next_hours_step.to(hours_saved, cond="hours_confirmed")
        next_hours_step.to(hours_kept)
        answered = next_hours_step.from_(asking_new_hours, confirming_hours)
        hours_saved.to(hours_done)
        hours_kept.to(hours_done)

    return changing_hours


def special_day_steps() -> State:
    """Closed (or short hours) that day; with appointments in the way, cancel them or keep them."""

    class special_day(State.Compound):
        """One date's hours for everyone: closed, or a short day."""

        next_special_day_step = NextStep(initial=True)
        deciding_on_colliding = Step(Expecting.CHOICE, help=replies_owner.HELP_COLLIDING)
        special_day_saved = Outcome()
        special_day_done = Done()

        next_special_day_step.to(deciding_on_colliding, cond="special_day_collides", unless="colliding_answered")
        next_special_day_step.to(special_day_saved)
        answered = next_special_day_step.from_(deciding_on_colliding)
        special_day_saved.to(special_day_done)

    return special_day


class HoursDraft(Draft):
    """A change of the weekly hours as far as it was said."""

    task: Literal["changing_hours"] = "changing_hours"
    weekdays: list[int] = []
    opens: int | None = None  # minutes since midnight
    closes: int | None = None
    closed: bool = False
    confirmed: bool | None = None


class SpecialDayDraft(Draft):
    """One date's hours, as said: closed, or `opens`–`closes`."""

    task: Literal["special_day"] = "special_day"
    day: dt.date
    opens: int | None = None
    closes: int | None = None
    cancel_colliding: bool | None = None


class ChangingHours(Task):
    """The weekly opening hours."""

    state = "changing_hours"
    intents = frozenset({Intent.SET_HOURS})

    @property
    def draft(self) -> HoursDraft:
        return self.draft_as(HoursDraft)

    async def fill(self, heard: Heard) -> bool:
        """The weekdays, opening and closing times said (added to what was said before)."""
        draft, slots = self.draft, heard.slots
        answer = self.yes_or_no("confirming_hours", heard)
        if answer is not None:
            draft.confirmed = answer
            return True
        gave = False
        if slots.weekdays:
            draft.weekdays = [WEEKDAYS.index(day) for day in slots.weekdays]
            gave = True
        if slots.closed:
            draft.closed, draft.opens, draft.closes = True, None, None
            gave = True
        for name, clock in (("opens", slots.time), ("closes", slots.time_end)):
            if clock is not None:
                setattr(draft, name, clock.hour * 60 + clock.minute)
                draft.closed = False
                gave = True
        if gave:
            draft.confirmed = None
        return gave

    def change(self) -> HoursChange:
        draft = self.draft
        return HoursChange(weekdays=tuple(draft.weekdays), opens=draft.opens, closes=draft.closes, closed=draft.closed)

    def week(self) -> dict[int, tuple[HoursRange, ...]] | None:
        return new_week(self.chat.business.calendar.hours, self.change())

    # -- guards -------------------------------------------------------------------------------

    def knows_new_hours(self) -> bool:
        """Guard: the days and hours said make a valid new week."""
        return self.week() is not None

    def hours_answered(self) -> bool:
        """Guard: the yes or no was given."""
        return self.draft.confirmed is not None

    def hours_confirmed(self) -> bool:
        """Guard: it was a yes."""
        return bool(self.draft.confirmed)

    # -- the steps --------------------------------------------------------------------------------

    def on_enter_asking_new_hours(self) -> None:
        self.chat.ask(replies_owner.ask_new_hours(self.note()))

    def note(self) -> str | None:
        """Why what was said is not enough yet: one end for a day that is closed now."""
        change = self.change()
        current = self.chat.business.calendar.hours
        if change.opens is not None and change.closes is not None and not change.weekdays:
            return None
        if (change.opens is None) != (change.closes is None) and change.weekdays:
            closed = [d for d in changed_days(current, change) if not current.get(d)]
            if closed:
                return replies_owner.hours_need_both_ends(fmt.join_words([fmt.WEEKDAYS[d] for d in closed]))
        return None

    def on_enter_confirming_hours(self) -> None:
        week = self.week()
        assert week is not None
        days = changed_days(self.chat.business.calendar.hours, self.change())
        self.chat.ask(replies_owner.confirm_hours(week_hours(week, days)))

    async def on_enter_hours_saved(self) -> None:
        """Store the new week; list (never cancel) the appointments ahead that no longer fit."""
        chat = self.chat
        week = self.week()
        assert week is not None and chat.business.calendar.location is not None
        location = await chat.session.get(Location, chat.business.calendar.location.id)
        assert location is not None
        location.business_hours = weekly_hours_to_json(week)
        location.updated_at = chat.now
        ahead = (
            (
                await chat.session.execute(
                    select(Appointment)
                    .where(
                        Appointment.organization_id == chat.business.id,
                        Appointment.status.in_(ACTIVE_STATUSES),
                        Appointment.starts_at >= chat.now,
                    )
                    .order_by(Appointment.starts_at)
                )
            )
            .scalars()
            .all()
        )
        business = chat.business
        booked = [Booked(business.local(a.starts_at), business.local(a.busy_until)) for a in ahead]
        outside = [await appointment_info(chat.session, business, ahead[i]) for i in outside_hours(booked, week)]
        chat.say(replies_owner.hours_saved(week_hours(week), outside, chat.today))

    def on_enter_hours_kept(self) -> None:
        self.chat.say(replies_owner.hours_kept())


class SpecialDay(Task):
    """A date closed for everyone, or with short hours."""

    state = "special_day"
    intents = frozenset({Intent.SET_HOURS, Intent.CANCEL})

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        self._colliding: list[Appointment] | None = None

    @property
    def draft(self) -> SpecialDayDraft:
        draft = self.chat.data.draft
        assert isinstance(draft, SpecialDayDraft)
        return draft

    def begin(self, heard: Heard) -> None:
        """«El 24 de diciembre cerramos» (closed); «mañana cerramos a las 5», «el 31 abrimos de 10 a 3» (short hours).

        A time said alone changes that end of the day's usual hours; with neither, the day is closed.
        """
        slots = heard.slots
        assert slots.date is not None
        usual = self.chat.business.day_hours(slots.date)
        opens = closes = None
        if not slots.closed or slots.time or slots.time_end:
            if slots.time is not None:
                opens = slots.time.hour * 60 + slots.time.minute
            if slots.time_end is not None:
                closes = slots.time_end.hour * 60 + slots.time_end.minute
            if (opens is None) != (closes is None) and usual:
                opens = usual[0].start if opens is None else opens
                closes = usual[-1].end if closes is None else closes
        self.chat.data.draft = SpecialDayDraft(day=slots.date, opens=opens, closes=closes)

    async def fill(self, heard: Heard) -> bool:
        if not self.chat.in_state("deciding_on_colliding"):
            return False
        choice = heard.option.id if heard.option is not None else None
        if choice == "cancel" or heard.intent == Intent.CANCEL or heard.said_yes:
            self.draft.cancel_colliding = True
            return True
        if choice == "keep" or heard.said_no or heard.intent in (Intent.STOP, Intent.INFORM, Intent.OTHER):
            self.draft.cancel_colliding = False
            return True
        return False

    def hours(self) -> list[HoursRange]:
        """The day's new opening range (none: closed)."""
        draft = self.draft
        if draft.opens is None or draft.closes is None or draft.closes <= draft.opens:
            return []
        return [HoursRange(draft.opens, draft.closes)]

    async def colliding(self) -> list[Appointment]:
        """Active appointments that day that the new hours leave out."""
        if self._colliding is None:
            chat, draft = self.chat, self.draft
            start, end = chat.business.calendar.local_day_bounds(draft.day, draft.day)
            rows = (
                await chat.session.execute(
                    select(Appointment)
                    .where(
                        Appointment.organization_id == chat.business.id,
                        Appointment.status.in_(ACTIVE_STATUSES),
                        Appointment.starts_at >= start,
                        Appointment.starts_at < end,
                    )
                    .order_by(Appointment.starts_at)
                )
            ).scalars().all()
            hours = self.hours()
            booked = [Booked(chat.business.local(a.starts_at), chat.business.local(a.busy_until)) for a in rows]
            week = {draft.day.weekday(): tuple(hours)}
            self._colliding = [rows[i] for i in outside_hours(booked, week)]
        return self._colliding

    # -- guards -------------------------------------------------------------------------------

    async def special_day_collides(self) -> bool:
        """Guard: appointments that day fall outside the new hours."""
        return bool(await self.colliding())

    def colliding_answered(self) -> bool:
        """Guard: the owner said what to do with them."""
        return self.draft.cancel_colliding is not None

    # -- the steps --------------------------------------------------------------------------------

    async def on_enter_deciding_on_colliding(self) -> None:
        chat, draft = self.chat, self.draft
        infos = [await appointment_info(chat.session, chat.business, a) for a in await self.colliding()]
        chat.ask(replies_owner.special_day_collides(draft.day, chat.today, self.hours(), infos))

    async def on_enter_special_day_saved(self) -> None:
        """Save the day for everyone; cancel (and tell) the appointments in the way only if asked to."""
        chat, draft = self.chat, self.draft
        try:
            result = await special_days.set_special_day(
                chat.session, organization_id=chat.business.id, day=draft.day, hours=self.hours(), now=chat.now
            )
        except SchedulingError:
            chat.say(replies_owner.special_day_past())
            return
        cancelled = []
        if draft.cancel_colliding:
            for appointment in result.outside:
                await booking.cancel(
                    chat.session, organization_id=chat.business.id, appointment_id=appointment.id, now=chat.now,
                    reason=replies_owner.CLOSED_THAT_DAY,
                )
                info = await appointment_info(chat.session, chat.business, appointment)
                cancelled.append(info)
                customer = await chat.session.get(Customer, appointment.customer_id)
                if customer is not None:
                    chat.notify(customer, replies_owner.customer_told_closed(customer.name, info, chat.business.name))
                staff = chat.business.staff_member(appointment.staff_id)
                chat.notify(staff, replies_owner.staff_told_closed(info))
        kept = [] if draft.cancel_colliding else [await appointment_info(chat.session, chat.business, a) for a in result.outside]
        saved = special_day_hours(result.special_day.hours)
        chat.say(replies_owner.special_day_saved(draft.day, chat.today, list(saved), len(cancelled), kept))
