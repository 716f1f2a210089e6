"""A business's plan usage this month, from the database: what the flows and the admin API call.

    usage = await plan_usage(session, organization, now, lock=True)   # inside the booking transaction
    if usage.allows(source): book …                                    # else hand the request to the owner
    crossed = await notices_due(session, organization, usage, usage.after())  # {40} or {50}: tell the owner

`lock=True` near a notice or the limit locks the organization row, so two bookings of one business
racing for the 50th place are counted one after the other (PostgreSQL; SQLite transactions are
serialized anyway); further from them the bookings of one business never wait for each other.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.plan import Plan, PlanUsage, month_bounds, month_of, monthly_limit, thresholds, thresholds_crossed
from store.organizations import Organization
from store.plan import bookings_made, claim_notices, read_organization


# Bookings of one business wait for each other only this close to a notice or the limit: further
# away, two of them racing cannot change what either is told, so neither waits for the other.
UNCONTENDED_MARGIN = 10


async def plan_usage(session: AsyncSession, organization: Organization, now: datetime, *, lock: bool = False) -> PlanUsage:
    """Bookings made this calendar month (the business's timezone) against its plan's limit.

    `lock` (a booking is about to be made): counted under the organization's lock when the count is
    near a notice or the limit; the organization row is read in this transaction either way.
    """
    if lock:
        organization = await read_organization(session, organization.id, lock=False) or organization
    usage = await _count(session, organization, now)
    if lock and _contended(usage):
        organization = await read_organization(session, organization.id, lock=True) or organization
        usage = await _count(session, organization, now)  # again, now that no one else can count
    return usage


async def _count(session: AsyncSession, organization: Organization, now: datetime) -> PlanUsage:
    tz = ZoneInfo(organization.timezone)
    start, end = month_bounds(now, tz)
    used = await bookings_made(session, organization.id, start, end)
    plan = Plan(organization.plan) if organization.plan in Plan.__members__ else Plan.free
    return PlanUsage(plan, monthly_limit(plan, organization.monthly_booking_limit), used, month_of(now, tz))


def _contended(usage: PlanUsage) -> bool:
    """Whether a few bookings racing this one could cross a notice or the limit with it."""
    return any(usage.used + UNCONTENDED_MARGIN >= threshold for threshold in thresholds(usage.limit))


async def notices_due(
    session: AsyncSession, organization: Organization, before: PlanUsage, after: PlanUsage, now: datetime
) -> set[int]:
    """The thresholds `before` → `after` crossed that no one told the owner about yet this month (claimed now)."""
    crossed = thresholds_crossed(before.used, after.used, after.limit)
    if not crossed:
        return set()
    return await claim_notices(session, organization.id, after.month, crossed, now)
