"""The plan's monthly limit on bookings (PRODUCT.md §9), as every booking by chat applies it.

Past the free plan's limit a customer's request is never refused or lost: Yume takes it, says the
business confirms in a moment, and hands it to the owner with how to upgrade. Bookings by the
business's own people (walk-ins, staff booking for a customer) are always made. The owner hears
once at 40 and once at 50 bookings of the month.
"""

from __future__ import annotations

from datetime import datetime

from flows.appointments import plan_replies as replies_plan
from flows.core.chat import Chat
from scheduler.plan import PlanUsage
from scheduler.usage import notices_due, plan_usage
from store.phones import display_phone


async def usage_before_booking(chat: Chat) -> PlanUsage:
    """This month's usage, counted under the organization's lock (two bookings racing for the 50th)."""
    return await plan_usage(chat.session, chat.business.calendar.organization, chat.now, lock=True)


async def after_booking(chat: Chat, usage: PlanUsage) -> None:
    """Tell the owner when this booking crossed 40 or 50 (once each per month, whichever process)."""
    after = usage.after()
    crossed = await notices_due(chat.session, chat.business.calendar.organization, usage, after, chat.now)
    reached = after.limit is not None and after.limit in crossed
    for owner in chat.owners:
        if reached:
            chat.notify(owner, replies_plan.plan_limit_reached(after))
        elif crossed:
            chat.notify(owner, replies_plan.plan_warning(after))


def hand_request_to_owner(chat: Chat, usage: PlanUsage, customer_name: str | None, phone: str | None,
                          service: str | None, start: datetime | None) -> None:
    """Past the limit: the customer is told the business confirms; the owner gets the request."""
    chat.say(replies_plan.request_taken(customer_name))
    notice = replies_plan.request_for_owner(
        customer=customer_name,
        phone=display_phone(phone) if phone else None,
        service=service,
        start=chat.business.local(start) if start else None,
        today=chat.today,
        usage=usage,
    )
    for owner in chat.owners:
        chat.notify(owner, notice)
