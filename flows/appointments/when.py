"""Choosing when: the day and the time of a booking or of a move, for customers and staff alike.

`WhenDraft` holds what was said about the moment (day, time, part of day, «lo antes que se
pueda»); `fill_when` merges a message into it; `ChoosingWhen` is the component with the guards
every booking and moving route shares (`day_has_openings`, `picked_free_time`, …) and the two
questions it asks: which day, which time. The free times come from the availability engine for
the service being scheduled, with the person asked for (or anyone who does it).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from flows.core import replies
from flows.core.chat import Chat, Component, Heard
from flows.core.describe import part_of_day, service_info
from flows.core.drafts import Draft
from flows.core.openings import Opening, openings_by_day
from flows.core.options import option_day, option_slot
from flows.core.replies import DayOffer, Reply
from nlu.understanding import PartOfDay
from store.models import ServiceType

#: At most this many times in one question, spread over the part of day asked for.
TIMES_LISTED = 5
DAYS_OFFERED = 7
WEEK_READ = 7  # days of free times read at once when looking ahead
ALTERNATIVES = 3


class WhenDraft(Draft):
    """The moment a booking or a move is for, as far as the person said it."""

    day: dt.date | None = None
    time: dt.time | None = None
    part_of_day: PartOfDay | None = None
    asap: bool = False  # «lo antes que se pueda»: the earliest openings, offered directly
    lost: bool = False  # the time was taken a moment ago by someone else
    keep_time: bool = False  # the days were offered for this time: a day alone keeps it
    note: str | None = None  # a line to say before the next options (why they are offered)

    @property
    def has_moment(self) -> bool:
        return self.day is not None and self.time is not None


def fill_when(draft: WhenDraft, heard: Heard) -> bool:
    """Keep the day, time, part of day and «lo antes posible» the message gives; True when it gave any.

    A tapped time stands for its day and time unless the message names another day («el lunes a
    las 4» is not the «4:00 PM» of the day listed). A new day without a time forgets the old time
    (its options are shown instead); a part of day without a time replaces the time.
    """
    slots, option = heard.slots, heard.option
    day, clock = slots.date, slots.time
    picked = option_slot(option.id) if option is not None else None
    if picked is not None and (day is None or day == picked[0]):
        day, clock = picked
    elif option is not None and option_day(option.id) is not None and day is None:
        day = option_day(option.id)
    gave = False
    if day is not None:
        gave = True
        if day != draft.day:
            draft.day = day
            if clock is None and not draft.keep_time:
                draft.time = None
            if slots.part_of_day is None:
                draft.part_of_day = None
    if clock is not None:
        draft.time = clock
        gave = True
    draft.keep_time = False
    if slots.part_of_day is not None:
        draft.part_of_day = slots.part_of_day
        if clock is None:
            draft.time = None
        gave = True
    if slots.asap:
        draft.asap = True
        gave = True
    return gave


class Schedules(Protocol):
    """What a task that needs a moment tells `ChoosingWhen` (booking, moving)."""

    @property
    def when(self) -> WhenDraft: ...

    async def service_to_schedule(self) -> ServiceType | None: ...

    def staff_wanted(self) -> uuid.UUID | None: ...

    def appointment_moving(self) -> uuid.UUID | None: ...

    def ignores_notice(self) -> bool: ...

    async def day_question(self, offers: list[DayOffer], problem: str | None) -> tuple[Reply, str | None]:
        """The «which day?» question in this task's words, and the lead said the first time."""
        ...


@dataclass(frozen=True)
class Moment:
    """A wanted moment that cannot be booked, and why ("taken", "off_grid", "too_soon", …)."""

    start: datetime
    why: str


class ChoosingWhen(Component):
    """Guards and questions for the day and time of whatever is being scheduled."""

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        # The turn's free times, per (service, person, moved appointment, notice) and then per day:
        # a day read once (alone or within a week) is never read again in the same turn.
        self._openings: dict[tuple[object, ...], dict[date, list[Opening]]] = {}

    @property
    def scheduling(self) -> Schedules:
        task = self.chat.task
        assert task is not None and hasattr(task, "when"), "choosing when outside a booking or a move"
        return task  # type: ignore[return-value]

    @property
    def wanted_start(self) -> datetime | None:
        when = self.scheduling.when
        if when.day is None or when.time is None:
            return None
        return self.chat.business.at(when.day, when.time)

    # -- the free times ---------------------------------------------------------------------

    async def openings(self, first: date, last: date) -> dict[date, list[Opening]]:
        """Free starts per local day for the service being scheduled (days already read come from the turn's cache)."""
        task = self.scheduling
        service = await task.service_to_schedule()
        if service is None:
            return {}
        staff_id, exclude = task.staff_wanted(), task.appointment_moving()
        known = self._openings.setdefault((service.id, staff_id, exclude, task.ignores_notice()), {})
        days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
        missing = [day for day in days if day not in known]
        if missing:
            found = await openings_by_day(
                self.chat.session,
                self.chat.business,
                service,
                missing[0],
                missing[-1],
                self.chat.now,
                staff_id=staff_id,
                exclude_appointment_id=exclude,
                ignore_notice=task.ignores_notice(),
            )
            for day in missing:
                known[day] = found.get(day, [])
        return {day: known[day] for day in days if known[day]}

    async def openings_on(self, day: date) -> list[Opening]:
        return (await self.openings(day, day)).get(day, [])

    async def days_ahead(self, start: date | None = None) -> AsyncIterator[tuple[date, list[Opening]]]:
        """The open days from `start` (today by default) to the end of the booking horizon, read a week at a time.

        Most questions need the first few open days only: the weeks after them are never read.
        """
        today = self.chat.today
        horizon_end = today + timedelta(days=self.chat.business.calendar.settings.max_days_ahead)
        first = max(start or today, today)
        while first <= horizon_end:
            last = min(first + timedelta(days=WEEK_READ - 1), horizon_end)
            week = await self.openings(first, last)
            for day in sorted(week):
                yield day, week[day]
            first = last + timedelta(days=1)

    def forget_openings(self) -> None:
        """Someone else booked meanwhile: read the free times again."""
        self._openings.clear()

    # -- guards -------------------------------------------------------------------------------

    async def day_has_openings(self) -> bool:
        """Guard: a day was given and it has at least one free time for the service."""
        when = self.scheduling.when
        return when.day is not None and bool(await self.openings_on(when.day))

    async def picked_free_time(self) -> bool:
        """Guard: a day and time were given and that start is free (for anyone who does it, or the one asked for)."""
        start = self.wanted_start
        return start is not None and any(opening.start == start for opening in await self.openings_on(start.date()))

    def wants_earliest(self) -> bool:
        """Guard: «lo antes que se pueda» and no time picked yet."""
        when = self.scheduling.when
        return when.asap and when.time is None

    def lost_the_slot(self) -> bool:
        """Guard: the time was taken a moment ago by someone else."""
        return self.scheduling.when.lost

    # -- the questions -----------------------------------------------------------------------

    async def on_enter_choosing_day(self) -> None:
        await self.ask_day()

    async def on_enter_choosing_new_day(self) -> None:
        await self.ask_day()

    async def on_enter_choosing_slot(self) -> None:
        await self.offer_times()

    async def on_enter_choosing_new_slot(self) -> None:
        await self.offer_times()

    async def ask_day(self) -> None:
        """Which day: why the one said cannot be (closed, full, past…), and the days that can."""
        task, chat = self.scheduling, self.chat
        when = task.when
        problem = await self.day_problem()
        offers = await self.day_offers(at=when.time)
        note = when.note
        when.note = None
        if note:
            problem = f"{note} {problem}" if problem else note
        question, lead = await task.day_question(offers, problem)
        chat.ask(question, lead=None if problem else lead)

    async def day_problem(self) -> str | None:
        """Why the wanted day cannot be offered (saying which time was taken, when one was asked for)."""
        when = self.scheduling.when
        day = when.day
        if day is None:
            return None
        chat = self.chat
        settings = chat.business.calendar.settings
        if day < chat.today:
            kind = "past"
        elif day > chat.today + timedelta(days=settings.max_days_ahead):
            kind = "too_far"
        elif not chat.business.is_open_on(day):
            kind = "closed"
        else:
            kind = "full"
        taken = self.wanted_start if kind == "full" else None
        if kind == "full":
            when.time = None  # nothing is free that day: the time goes with it
        return replies.day_problem(kind, day, chat.today, settings.max_days_ahead, taken_at=taken)

    async def day_offers(self, at: time | None = None) -> list[DayOffer]:
        """The next days with free times; with a wanted time, the days where that time is free."""
        business = self.chat.business
        days: list[DayOffer] = []
        at_time: list[DayOffer] = []
        async for day, found in self.days_ahead():
            if len(days) < DAYS_OFFERED:
                days.append(DayOffer(day=day, first=found[0].start))
            if at is not None and any(opening.start.time() == at for opening in found):
                at_time.append(DayOffer(day=day, first=business.at(day, at), at_time=True))
            if len(days) >= DAYS_OFFERED and (at is None or len(at_time) >= DAYS_OFFERED):
                break
        if at_time:
            self.scheduling.when.keep_time = True
            return at_time
        return days

    async def offer_times(self) -> None:
        """The day's times; the earliest ones («lo antes posible»); or, after a time that cannot be, the nearest."""
        task, chat = self.scheduling, self.chat
        when = task.when
        service = await task.service_to_schedule()
        assert service is not None  # the route asks for the service first
        note = when.note
        when.note = None
        if self.wants_earliest():
            await self._offer_earliest(service, note)
            return
        assert when.day is not None
        openings = await self.openings_on(when.day)
        if not openings:
            # Someone took the last time of the day meanwhile: say so, then offer other days.
            problem = await self.day_problem()
            problem = f"{note} {problem}" if note and problem else note or problem
            question, _ = await task.day_question(await self.day_offers(), problem)
            chat.ask(question)
            return
        start = self.wanted_start
        if start is not None:
            why = self.why_not(start, service, openings)
            nearest = sorted(openings, key=lambda o: (abs((o.start - start).total_seconds()), o.start))[:ALTERNATIVES]
            when.time = None
            settings = chat.business.calendar.settings
            problem = note or replies.slot_problem(
                why, start, chat.today, settings.min_notice_minutes, settings.slot_step_minutes
            )
            chat.ask(replies.offer_alternatives(problem, sorted(o.start for o in nearest), chat.today, start.date()))
            return
        listed, part_note = self.pick_listed(openings, when.part_of_day)
        chat.ask(
            replies.offer_slots(when.day, chat.today, service_info(service), listed, len(listed) < len(openings), note or part_note)
        )

    async def _offer_earliest(self, service: ServiceType, note: str | None) -> None:
        """«Lo antes que se pueda»: the first free times from the day asked for (or today) on."""
        when, chat = self.scheduling.when, self.chat
        wanted_day = when.day
        async for first_day, found in self.days_ahead(wanted_day):
            break
        else:
            question, _ = await self.scheduling.day_question([], replies.no_openings_soon())
            chat.ask(question)
            return
        earliest = [opening.start for opening in found][:TIMES_LISTED]
        full = wanted_day if wanted_day is not None and wanted_day != first_day else None
        chat.ask(replies.offer_earliest(first_day, chat.today, service_info(service), earliest, full, note))

    def pick_listed(self, openings: list[Opening], part: PartOfDay | None) -> tuple[list[datetime], str | None]:
        """At most five times, spread over the part of day asked for (the whole day without one)."""
        starts = [opening.start for opening in openings]
        note = None
        if part:
            inside = [s for s in starts if part_of_day(s) == part]
            if inside:
                starts = inside
            else:
                note = replies.part_of_day_full(part)
        if len(starts) <= TIMES_LISTED:
            return starts, note
        for grid in (60, 30):  # round times read best: on the hour, else on the half hour
            rounded = [s for s in starts if s.minute % grid == 0]
            if len(rounded) >= TIMES_LISTED:
                starts = rounded
                break
        last = len(starts) - 1
        picked = sorted({starts[round(i * last / (TIMES_LISTED - 1))] for i in range(TIMES_LISTED)})
        return picked, note

    def why_not(self, start: datetime, service: ServiceType, openings: list[Opening]) -> str:
        """Why a start on an open day is not offered: past, too soon, too far, closed, off the grid, or taken."""
        chat = self.chat
        settings = chat.business.calendar.settings
        if start < chat.now:
            return "past"
        if not self.scheduling.ignores_notice() and start < chat.now + timedelta(minutes=settings.min_notice_minutes):
            return "too_soon"
        if start.date() > chat.today + timedelta(days=settings.max_days_ahead):
            return "too_far"
        minutes = start.hour * 60 + start.minute
        need = service.duration_minutes + service.buffer_minutes
        ranges = chat.business.day_hours(start.date())
        if not any(r.start <= minutes and minutes + need <= r.end for r in ranges):
            return "closed"
        on_grid = any((minutes - r.start) % settings.slot_step_minutes == 0 for r in ranges if r.start <= minutes)
        if not on_grid:
            return "off_grid"
        return "taken"

