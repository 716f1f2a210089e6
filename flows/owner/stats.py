"""«¿Cómo nos fue esta semana?»: bookings, completed, no-shows and revenue against the previous period, and the plan's usage."""

from __future__ import annotations

from sqlalchemy import select

from flows.owner import replies as replies_owner

from flows.appointments import plan_replies as replies_plan
from flows.core.chat import Component
from flows.owner.period_stats import Visit, change_percent, comparison_windows, period_asked, summarize
from scheduler.usage import plan_usage
from store.models import Appointment, Organization


class Stats(Component):
    """How a period went, against the previous one up to the same point."""

    async def show_stats(self) -> None:
        chat = self.chat
        slots = chat.heard.slots
        business = chat.business
        period = period_asked(slots.date, slots.date_end, chat.today)
        (start, cut), (before_start, before_end) = comparison_windows(period, chat.now, business.tz)
        _, end = period.bounds(business.tz)
        rows = await chat.session.execute(
            select(Appointment.starts_at, Appointment.status, Appointment.price_cents).where(
                Appointment.organization_id == business.id,
                Appointment.starts_at >= before_start,
                Appointment.starts_at < end,
            )
        )
        visits = [Visit(starts_at, status, price) for starts_at, status, price in rows.all()]
        summary = summarize(visits, start, end)
        now_part, before = summarize(visits, start, cut), summarize(visits, before_start, before_end)
        running = cut < end
        reply = replies_owner.stats(
            replies_owner.period_label(period, chat.today),
            summary,
            replies_owner.compared_with(period),
            before,
            running,
            change_percent(now_part.revenue_cents, before.revenue_cents),
        )
        organization = await chat.session.get(Organization, business.id)
        if organization is not None:
            usage = await plan_usage(chat.session, organization, chat.now)
            reply = reply.model_copy(update={"text": f"{reply.text}\n\n{replies_plan.plan_usage_line(usage)}"})
        chat.say(reply)
