"""A business's plan usage this month, from the database: what the flows and the admin API call.

    usage = await plan_usage(session, organization, now, lock=True)   # inside the booking transaction
    if usage.allows(source): book …                                    # else hand the request to the owner
    crossed = await notices_due(session, organization, usage, usage.after())  # {40} or {50}: tell the owner

`lock=True` locks the organization row first, so two bookings of one business racing for the
50th place are counted one after the other (PostgreSQL; SQLite transactions are serialized anyway).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.plan import Plan, PlanUsage, month_bounds, month_of, monthly_limit, thresholds_crossed
from store.organizations import Organization
from store.plan import bookings_made, claim_notices, lock_organization


async def plan_usage(session: AsyncSession, organization: Organization, now: datetime, *, lock: bool = False) -> PlanUsage:
    """Bookings made this calendar month (the business's timezone) against its plan's limit."""
    if lock:
        organization = await lock_organization(session, organization.id) or organization
    tz = ZoneInfo(organization.timezone)
    start, end = month_bounds(now, tz)
    used = await bookings_made(session, organization.id, start, end)
    plan = Plan(organization.plan) if organization.plan in Plan.__members__ else Plan.free
    return PlanUsage(plan, monthly_limit(plan, organization.monthly_booking_limit), used, month_of(now, tz))


async def notices_due(
    session: AsyncSession, organization: Organization, before: PlanUsage, after: PlanUsage, now: datetime
) -> set[int]:
    """The thresholds `before` → `after` crossed that no one told the owner about yet this month (claimed now)."""
    crossed = thresholds_crossed(before.used, after.used, after.limit)
    if not crossed:
        return set()
    return await claim_notices(session, organization.id, after.month, crossed, now)
