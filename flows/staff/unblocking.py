"""Removing a block from an agenda: «desbloquea el jueves», «quita el bloqueo de las 3», «ya no bloquees el viernes».

Stateless, at rest: the blocks of the day (and hours, or part of the day) the message names are
removed at once and the time is bookable again; without a day, or with nothing to remove there, Yume
lists the upcoming blocks so the next message can name one. An owner may free a colleague's agenda
(«desbloquea a Luis el sábado»); an employee only their own.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta

from sqlalchemy import select

from flows.core.chat import Component
from flows.staff import replies as replies_staff
from flows.staff.blocking import PART_BOUNDS
from scheduler import booking
from store.models import Staff, TimeBlock

_LISTED = 5  # upcoming blocks shown when the message does not say which


class Unblocking(Component):
    """A staff member (or the owner, for anyone) frees blocked time."""

    async def unblock_time(self) -> None:
        chat = self.chat
        slots = chat.heard.slots
        me: Staff = chat.staff  # type: ignore[attr-defined]
        whose = me
        named = chat.business.staff_named(slots.staff)
        if named is not None and named.id != me.id:
            if not me.is_owner:
                owner = chat.business.owner
                chat.say(replies_staff.not_allowed_to_do(owner.name if owner else None))
                return
            whose = named
        upcoming = await self._upcoming(whose)
        someone = whose.name if whose.id != me.id else None
        day = slots.date or getattr(chat, "day_in_context", None)
        if day is None and slots.time is None and slots.part_of_day is None:
            chat.say(replies_staff.which_block(self._infos(upcoming[:_LISTED]), chat.today, someone))
            return
        span = self._span(day or chat.today, slots.time, slots.time_end, slots.part_of_day)
        chosen = [block for block in upcoming if block.starts_at < span[1] and block.ends_at > span[0]]
        if not chosen:
            chat.say(replies_staff.no_block_there(day or chat.today, chat.today, self._infos(upcoming[:_LISTED]), someone))
            return
        infos = self._infos(chosen)
        for block in chosen:
            await booking.delete_block(chat.session, organization_id=chat.business.id, block_id=block.id)
        chat.say(replies_staff.unblocked(infos, chat.today, someone))

    async def _upcoming(self, whose: Staff) -> list[TimeBlock]:
        rows = await self.chat.session.execute(
            select(TimeBlock)
            .where(TimeBlock.staff_id == whose.id, TimeBlock.ends_at > self.chat.now)
            .order_by(TimeBlock.starts_at)
        )
        return list(rows.scalars().all())

    def _span(
        self, day: dt.date, start: dt.time | None, end: dt.time | None, part: str | None,
    ) -> tuple[datetime, datetime]:
        """The stretch of the agenda the message names: a time (to its end, or one minute), a part of day, or the day."""
        business = self.chat.business
        if start is not None:
            begin = business.at(day, start)
            return begin, business.at(day, end) if end is not None and end > start else begin + timedelta(minutes=1)
        if part is not None:
            low, high = PART_BOUNDS[part]
            begin = business.at(day, dt.time(low // 60, low % 60))
            finish = business.at(day + timedelta(days=1), dt.time(0)) if high >= 24 * 60 else business.at(day, dt.time(high // 60))
            return begin, finish
        return business.at(day, dt.time(0)), business.at(day + timedelta(days=1), dt.time(0))

    def _infos(self, blocks: list[TimeBlock]) -> list[tuple[datetime, datetime, str | None]]:
        business = self.chat.business
        return [(business.local(b.starts_at), business.local(b.ends_at), b.reason) for b in blocks]
