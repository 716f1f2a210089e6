"""What a staff member asks about their day: «¿qué tengo hoy?», «¿quién sigue?», «agenda del negocio mañana».

The day shown is remembered for the next message only, so «qué tengo mañana» → «bloquea de 2 a 3»
blocks tomorrow.
"""

from __future__ import annotations

from sqlalchemy import select

from flows.core import replies

from flows.staff import replies as replies_staff
from flows.core.agenda import staff_agenda
from flows.core.chat import Component
from flows.core.describe import appointment_info
from flows.core.week_page import week_page_link
from store.models import ACTIVE_STATUSES, Appointment, Permission


class Schedule(Component):
    """Agendas with free gaps: this person's, the next appointment only, someone's, or the whole business's."""

    async def show_my_schedule(self) -> None:
        chat = self.chat
        heard = chat.heard
        staff = chat.staff  # type: ignore[attr-defined]
        named = chat.business.staff_named(heard.slots.staff)
        if named is not None and named.id != staff.id:
            await self.show_business_schedule()  # «qué tiene Pedro mañana» reads like «mi agenda»
            return
        if heard.slots.next_only and heard.slots.date is None:
            await self.show_next()
            return
        day = heard.slots.date or chat.today
        agenda = await staff_agenda(chat.session, chat.business, [staff], day, chat.now)
        heading = replies.agenda_heading(staff.name, day, chat.today)
        chat.say(replies.agenda(heading, agenda.lines, agenda.appointments, agenda.closed))
        chat.data.talked_about = day

    async def show_next(self) -> None:
        """«¿Quién sigue?»: the next appointment only, with whom and what."""
        chat = self.chat
        staff = chat.staff  # type: ignore[attr-defined]
        query = (
            select(Appointment)
            .where(
                Appointment.staff_id == staff.id,
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at > chat.now,
            )
            .order_by(Appointment.starts_at)
            .limit(1)
        )
        upcoming = (await chat.session.execute(query)).scalars().first()
        info = await appointment_info(chat.session, chat.business, upcoming) if upcoming is not None else None
        chat.say(replies_staff.next_appointment(info, chat.today))

    def may_see_business_schedule(self) -> bool:
        """Guard: the owner, or an employee allowed to see everyone's agenda."""
        return self.chat.staff.may(Permission.view_business_schedule)  # type: ignore[attr-defined,no-any-return]

    async def show_business_schedule(self) -> None:
        """Everyone's day, or one person's («qué tiene Pedro mañana») for whoever may see it."""
        chat = self.chat
        heard = chat.heard
        staff = chat.staff  # type: ignore[attr-defined]
        day = heard.slots.date or chat.today
        named = chat.business.staff_named(heard.slots.staff)
        if named is not None and named.id != staff.id and not self.may_see_business_schedule():
            self.say_not_allowed_agenda()
            return
        people = [named] if named is not None else list(chat.business.staff)
        agenda = await staff_agenda(chat.session, chat.business, people, day, chat.now)
        if named is not None:
            heading = replies_staff.someones_agenda_heading(named.name, day, chat.today)
            someone_else = named.name if named.id != staff.id else None
            chat.say(replies.agenda(heading, agenda.lines, agenda.appointments, agenda.closed, whose=someone_else))
        else:
            heading = replies.agenda_heading(staff.name, day, chat.today, whole_business=True)
            chat.say(replies.agenda(heading, agenda.lines, agenda.appointments, agenda.closed, show_staff=True))
        chat.data.talked_about = day

    async def send_week_page(self) -> None:
        """«Ver mi semana»: an expiring link to the week page (everyone's columns only for whoever may see them)."""
        chat = self.chat
        staff = chat.staff  # type: ignore[attr-defined]
        link = await week_page_link(chat.session, staff, chat.now, chat.turn.base_url)
        chat.say(replies_staff.week_page(link.url, chat.business.local(link.expires_at), chat.today, link.whole_business))

    def say_not_allowed_agenda(self) -> None:
        owner = self.chat.business.owner
        self.chat.say(replies.not_allowed(owner.name if owner else None))
