"""Blocking time on a staff member's own agenda: lunch, an errand, a day off.

«Bloquea de 2 a 3 para mi comida», «bloquea mañana toda la tarde», «bloquea las 4» (one hour).
A block that would cancel appointments is asked first (yes/no), naming them; with nothing in the
way it is made at once. «Qué tengo mañana» then «bloquea de 2 a 3» blocks tomorrow: the day the
chat was just talking about.

    blocking_steps()   # the steps, as a compound state of the staff and owner machines
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from statemachine import State

from flows.core import replies

from flows.staff import replies as replies_staff
from flows.core.chat import Chat, Heard, Task
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info
from flows.core.replies import BlockInfo
from nlu.context import Expecting
from nlu.understanding import Intent, PartOfDay
from scheduler import booking
from scheduler.errors import BlockCollides, SchedulingError
from store.models import ACTIVE_STATUSES, Appointment, Customer

DEFAULT_BLOCK = timedelta(hours=1)  # «bloquea las 4»: one hour from then
# Where the contract's parts of day begin and end (spec/nlu.md), clipped to the day's hours.
PART_BOUNDS: dict[str, tuple[int, int]] = {"morning": (0, 12 * 60), "afternoon": (12 * 60, 19 * 60), "evening": (19 * 60, 24 * 60)}


def blocking_steps() -> State:
    """Which hours (when not said), then yes or no only when appointments are in the way."""

    class blocking(State.Compound):
        """Time off the agenda; appointments in the way are cancelled only after a yes."""

        next_block_step = NextStep(initial=True)
        asking_block_hours = Step(Expecting.HOURS, help=replies.HELP_BLOCK_HOURS)
        confirming_block = Step(Expecting.YES_NO, help=replies.HELP_CONFIRM_BLOCK)
        blocked = Outcome()
        block_kept = Outcome()
        block_done = Done()

        next_block_step.to(asking_block_hours, unless="knows_block_hours")
        next_block_step.to(confirming_block, cond="block_collides", unless="block_answered")
        next_block_step.to(block_kept, cond="block_answered", unless="block_confirmed")
        next_block_step.to(blocked)
        answered = next_block_step.from_(asking_block_hours, confirming_block)
        blocked.to(block_done)
        block_kept.to(block_done)

    return blocking


class BlockDraft(Draft):
    """A block as far as it was said."""

    task: Literal["blocking"] = "blocking"
    day: dt.date | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    all_day: bool = False
    part_of_day: PartOfDay | None = None
    reason: str | None = None
    confirmed: bool | None = None


class Blocking(Task):
    """A staff member blocks time on their own agenda."""

    state = "blocking"
    intents = frozenset({Intent.BLOCK_TIME})

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        self._colliding: list[Appointment] | None = None

    @property
    def draft(self) -> BlockDraft:
        return self.draft_as(BlockDraft)

    # -- listening ----------------------------------------------------------------------------

    async def fill(self, heard: Heard) -> bool:
        """The day, hours («de 2 a 4», «las 4», «toda la tarde», «todo el día») and reason a message gives."""
        draft, slots = self.draft, heard.slots
        gave = False
        if heard.option is not None and heard.option.id == "allday":
            draft.all_day, draft.start, draft.end, draft.part_of_day = True, None, None, None
            gave = True
        if slots.date is not None:
            draft.day = slots.date
            gave = True
        if slots.time is not None:
            draft.start, draft.end = slots.time, slots.time_end
            draft.all_day, draft.part_of_day = False, None
            gave = True
        elif slots.part_of_day is not None:
            draft.part_of_day, draft.start, draft.end, draft.all_day = slots.part_of_day, None, None, False
            gave = True
        if slots.reason:
            draft.reason = slots.reason
            gave = True
        answer = self.yes_or_no("confirming_block", heard, Intent.BLOCK_TIME)
        if answer is not None:
            draft.confirmed = answer
            return True
        if gave:
            draft.confirmed = None
            self._colliding = None
        return gave

    def begin(self, heard_day: dt.date | None) -> None:
        """A new block: the day the chat was just talking about, unless the message names one."""
        self.chat.data.draft = BlockDraft(day=heard_day)

    # -- the block as instants ----------------------------------------------------------------

    @property
    def day(self) -> dt.date:
        return self.draft.day or self.chat.today

    def span(self) -> tuple[datetime, datetime] | None:
        """The block as aware instants, from what was said."""
        draft, business, day = self.draft, self.chat.business, self.day
        if draft.all_day:
            return business.at(day, dt.time(0)), business.at(day + timedelta(days=1), dt.time(0))
        if draft.part_of_day is not None:
            return self._part_span(day, draft.part_of_day)
        if draft.start is None:
            return None
        start = business.at(day, draft.start)
        end = business.at(day, draft.end) if draft.end else start + DEFAULT_BLOCK
        if end <= start:
            end = start + DEFAULT_BLOCK
        return start, end

    def _part_span(self, day: dt.date, part: str) -> tuple[datetime, datetime] | None:
        """«toda la tarde»: the part of day inside the day's opening hours (from opening to closing)."""
        ranges = self.chat.business.day_hours(day)
        if not ranges:
            return None
        low, high = PART_BOUNDS[part]
        start, end = max(low, ranges[0].start), min(high, ranges[-1].end)
        if start >= end:
            return None
        return self._at(day, start), self._at(day, end)

    def _at(self, day: dt.date, minutes: int) -> datetime:
        """A wall-clock minute of a local day (24:00 is the next midnight)."""
        if minutes >= 24 * 60:
            return self.chat.business.at(day + timedelta(days=1), dt.time(0))
        return self.chat.business.at(day, dt.time(minutes // 60, minutes % 60))

    async def colliding(self) -> list[Appointment]:
        """Active appointments of this person inside the block."""
        if self._colliding is None:
            span = self.span()
            if span is None:
                return []
            staff = self.chat.staff  # type: ignore[attr-defined]
            rows = await self.chat.session.execute(
                select(Appointment)
                .where(
                    Appointment.staff_id == staff.id,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.starts_at < span[1],
                    Appointment.ends_at > span[0],
                )
                .order_by(Appointment.starts_at)
            )
            self._colliding = list(rows.scalars().all())
        return self._colliding

    def block_info(self) -> BlockInfo:
        span = self.span()
        assert span is not None
        business = self.chat.business
        return BlockInfo(business.local(span[0]), business.local(span[1]), self.draft.reason)

    # -- guards -------------------------------------------------------------------------------

    def knows_block_hours(self) -> bool:
        """Guard: we know when to block, and it has not already passed."""
        span = self.span()
        return span is not None and span[1] > self.chat.now

    async def block_collides(self) -> bool:
        """Guard: active appointments fall inside the block."""
        return bool(await self.colliding())

    def block_answered(self) -> bool:
        """Guard: the yes or no about the appointments in the way was given."""
        return self.draft.confirmed is not None

    def block_confirmed(self) -> bool:
        """Guard: it was a yes."""
        return bool(self.draft.confirmed)

    # -- the steps --------------------------------------------------------------------------------

    def on_enter_asking_block_hours(self) -> None:
        chat, draft = self.chat, self.draft
        span = self.span()
        if span is not None and span[1] <= chat.now:
            chat.say(replies.block_in_past())
            draft.start = draft.end = None
            draft.part_of_day = None
            draft.all_day = False
        chat.ask(replies.ask_block_hours(self.day, chat.today))

    async def on_enter_confirming_block(self) -> None:
        chat = self.chat
        colliding = [await appointment_info(chat.session, chat.business, a) for a in await self.colliding()]
        chat.ask(replies.confirm_block(self.block_info(), colliding, chat.today))

    async def on_enter_blocked(self) -> None:
        """Block the time; appointments in the way are cancelled only after a yes."""
        chat, draft = self.chat, self.draft
        staff = chat.staff  # type: ignore[attr-defined]
        span = self.span()
        assert span is not None
        try:
            result = await booking.block_time(
                chat.session,
                organization_id=chat.business.id,
                staff_id=staff.id,
                start=span[0],
                end=span[1],
                now=chat.now,
                reason=draft.reason,
                cancel_colliding=bool(draft.confirmed),
                cancellation_reason=replies_staff.blocked_by(staff.name),
            )
        except BlockCollides:
            chat.say(replies.block_raced())  # an appointment arrived between our check and the block
            return
        except SchedulingError:
            chat.say(replies.block_not_made())
            return
        cancelled = [await appointment_info(chat.session, chat.business, a) for a in result.cancelled]
        whole_day = draft.all_day
        chat.say(replies.blocked(self.block_info(), chat.today, whole_day, len(cancelled)))
        for appointment, info in zip(result.cancelled, cancelled):
            customer = await chat.session.get(Customer, appointment.customer_id)
            if customer is not None:
                chat.notify(
                    customer,
                    replies.customer_told_cancelled_by_business(customer.name, staff.name, info, chat.business.name),
                )
        if cancelled:
            for owner in chat.owners:
                chat.notify(owner, replies.notice_block_cancelled(staff.name, cancelled))

    def on_enter_block_kept(self) -> None:
        self.chat.say(replies.block_not_made())
