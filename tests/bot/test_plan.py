"""The free plan: 50 bookings a calendar month in the business's timezone, counted in the store,
set by the operator only (both databases)."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bot import metrics
from flows.appointments import plan_replies as replies_plan
from scheduler import booking
from scheduler.plan import FREE_MONTHLY_BOOKINGS, Plan, PlanUsage, month_bounds, thresholds, thresholds_crossed
from scheduler.usage import notices_due, plan_usage
from store.database import Database
from store.models import Appointment, AppointmentSource, AppointmentStatus, Organization
from tests.bot.api import NOW, OPERATOR_TOKEN, Api, Tenant
from tests.helpers import local

MEXICO_CITY = ZoneInfo("America/Mexico_City")
TIJUANA = ZoneInfo("America/Tijuana")


# --- the rule (pure) -------------------------------------------------------------------------------


def test_a_month_runs_from_local_midnight_to_local_midnight() -> None:
    start, end = month_bounds(datetime(2026, 12, 1, 5, 30, tzinfo=timezone.utc), MEXICO_CITY)  # Nov 30, 23:30 local
    assert (start, end) == (datetime(2026, 11, 1, 6, tzinfo=timezone.utc), datetime(2026, 12, 1, 6, tzinfo=timezone.utc))
    start, end = month_bounds(datetime(2026, 12, 15, tzinfo=timezone.utc), MEXICO_CITY)
    assert end == datetime(2027, 1, 1, 6, tzinfo=timezone.utc)  # December rolls into the next year


def test_tijuana_months_follow_its_clock_changes() -> None:
    start, end = month_bounds(datetime(2027, 3, 20, tzinfo=timezone.utc), TIJUANA)  # DST starts March 14
    assert start == datetime(2027, 3, 1, 8, tzinfo=timezone.utc) and end == datetime(2027, 4, 1, 7, tzinfo=timezone.utc)


def test_the_owner_hears_at_40_and_at_50_and_only_when_crossing() -> None:
    assert thresholds(FREE_MONTHLY_BOOKINGS) == (40, 50)
    assert thresholds_crossed(39, 40) == {40}
    assert thresholds_crossed(40, 41) == set()
    assert thresholds_crossed(49, 50) == {50}
    assert thresholds_crossed(38, 52) == {40, 50}  # several at once (a batch of walk-ins)
    assert thresholds_crossed(50, 51) == set()
    assert thresholds_crossed(0, 100, limit=None) == set()  # the paid plan
    assert thresholds(100) == (80, 100)


def test_past_the_limit_yume_stops_booking_alone_but_people_of_the_business_still_book() -> None:
    usage = PlanUsage(Plan.free, 50, 50, date(2026, 12, 1))
    assert usage.at_limit and usage.remaining == 0
    assert not usage.allows("whatsapp") and not usage.allows("web")
    assert usage.allows("manual") and usage.allows("walk_in")
    assert PlanUsage(Plan.free, 50, 49, date(2026, 12, 1)).allows("whatsapp")
    assert PlanUsage(Plan.paid, None, 900, date(2026, 12, 1)).allows("whatsapp")


def test_the_plan_replies_say_what_happens_in_spanish() -> None:
    december = date(2026, 12, 1)
    warning = replies_plan.plan_warning(PlanUsage(Plan.free, 50, 40, december)).text
    assert "40 de tus 50 citas gratis" in warning and "diciembre" in warning and "Te quedan 10" in warning
    reached = replies_plan.plan_limit_reached(PlanUsage(Plan.free, 50, 50, december), "https://yume.mx/plan").text
    assert "50 citas gratis de diciembre" in reached and "https://yume.mx/plan" in reached
    assert "el negocio te confirma en un momento" in replies_plan.request_taken("Ana López").text
    owner = replies_plan.request_for_owner(
        customer="Ana López", phone="55 1234 5678", service="Corte de cabello",
        start=datetime(2026, 12, 18, 16, tzinfo=MEXICO_CITY), today=date(2026, 12, 17),
        usage=PlanUsage(Plan.free, 50, 50, december),
    ).text
    assert "Ana López (55 1234 5678) quiere Corte de cabello mañana viernes 18 de diciembre a las 4:00 PM" in owner
    assert replies_plan.plan_usage_line(PlanUsage(Plan.free, 50, 32, december)) == (
        "Plan gratis: 32 de 50 citas en diciembre (te quedan 18)."
    )


# --- counting in the store (SQLite and PostgreSQL) ---------------------------------------------------


_SLOTS = itertools.count()


async def _add_bookings(
    db: Database, tenant: Tenant, count: int, made_at: datetime, *, source: str = AppointmentSource.whatsapp,
    status: str = AppointmentStatus.confirmed, people: tuple[str, str, str] = ("miguel", "pedro", "Corte de cabello"),
) -> None:
    """`count` appointments made at `made_at` (written directly: the count is about rows, not slots)."""
    customer, staff, service = people
    async with db.transaction() as session:
        for _ in range(count):
            start = made_at + timedelta(days=3, minutes=30 * next(_SLOTS))  # never two at once
            session.add(Appointment(
                organization_id=tenant.id, customer_id=uuid.UUID(tenant.customer(customer)),
                staff_id=uuid.UUID(tenant.staff(staff)), service_id=uuid.UUID(tenant.service(service)),
                starts_at=start, ends_at=start + timedelta(minutes=30), busy_until=start + timedelta(minutes=30),
                status=status, source=source, created_at=made_at, updated_at=made_at,
            ))


async def _usage(db: Database, organization_id: uuid.UUID, now: datetime) -> PlanUsage:
    async with db.transaction() as session:
        organization = await session.get(Organization, organization_id)
        assert organization is not None
        return await plan_usage(session, organization, now)


async def test_bookings_count_in_the_local_month_they_were_made_from_every_source(
    db: Database, carlos: Tenant, lupita: Tenant
) -> None:
    december = local("2026-12-10T12:00")
    await _add_bookings(db, carlos, 3, december, source=AppointmentSource.whatsapp)
    await _add_bookings(db, carlos, 1, december, source=AppointmentSource.walk_in)
    await _add_bookings(db, carlos, 1, december, source=AppointmentSource.manual)
    await _add_bookings(db, carlos, 1, december, source=AppointmentSource.web)
    await _add_bookings(db, carlos, 2, december, status=AppointmentStatus.cancelled)  # cancelling gives nothing back
    await _add_bookings(db, carlos, 1, local("2026-11-30T23:30"))  # 05:30 UTC on Dec 1, still November in CDMX
    await _add_bookings(db, carlos, 1, local("2027-01-01T00:10"))
    await _add_bookings(db, lupita, 4, december, people=("rosa", "lupita", "Manicure"))  # its own bookings
    usage = await _usage(db, carlos.id, december)
    assert (usage.plan, usage.limit, usage.used, usage.remaining, usage.at_limit) == (Plan.free, 50, 8, 42, False)
    assert usage.month == date(2026, 12, 1)
    assert (await _usage(db, carlos.id, local("2026-11-15T12:00"))).used == 1


async def test_a_reschedule_moves_the_same_booking_and_counts_once(db: Database, carlos: Tenant) -> None:
    async with db.transaction() as session:
        made = await booking.book(
            session, organization_id=carlos.id, customer_id=uuid.UUID(carlos.customer("miguel")),
            service_id=uuid.UUID(carlos.service("Corte de cabello")), start=local("2027-01-15T11:00"), now=NOW,
            staff_id=uuid.UUID(carlos.staff("pedro")),
        )
    async with db.transaction() as session:
        await booking.reschedule(session, organization_id=carlos.id, appointment_id=made.id,
                                 new_start=local("2027-01-15T13:00"), now=NOW)
    assert (await _usage(db, carlos.id, NOW)).used == 1


async def test_each_notice_is_claimed_once_a_month_even_by_two_processes(
    db: Database, database_url: str, carlos: Tenant
) -> None:
    other = Database(database_url)
    try:
        december = local("2026-12-10T12:00")
        before, after = PlanUsage(Plan.free, 50, 39, date(2026, 12, 1)), PlanUsage(Plan.free, 50, 40, date(2026, 12, 1))
        claimed = []
        for database in (db, other):
            async with database.transaction() as session:
                organization = await session.get(Organization, carlos.id)
                claimed.append(await notices_due(session, organization, before, after, december))
        assert claimed == [{40}, set()]
        async with db.transaction() as session:  # the next month starts over
            organization = await session.get(Organization, carlos.id)
            january = (PlanUsage(Plan.free, 50, 39, date(2027, 1, 1)), PlanUsage(Plan.free, 50, 40, date(2027, 1, 1)))
            assert await notices_due(session, organization, *january, local("2027-01-05T12:00")) == {40}
    finally:
        await other.dispose()


@pytest.mark.postgres
async def test_two_customers_racing_for_the_50th_booking_are_counted_one_after_the_other(
    db: Database, database_url: str, carlos: Tenant
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite serializes every write transaction: there is no race to lose")
    now = local("2026-12-10T12:00")
    await _add_bookings(db, carlos, 49, now)
    other = Database(database_url)
    gate = asyncio.Event()

    async def customer(database: Database, start: str) -> bool:
        async with database.transaction() as session:
            organization = await session.get(Organization, carlos.id)
            usage = await plan_usage(session, organization, now, lock=True)
            await gate.wait()
            if not usage.allows(AppointmentSource.whatsapp):
                return False
            await booking.book(
                session, organization_id=carlos.id, customer_id=uuid.UUID(carlos.customer("miguel")),
                service_id=uuid.UUID(carlos.service("Corte de cabello")), start=local(start), now=now,
                staff_id=uuid.UUID(carlos.staff("pedro")),
            )
            return True

    try:
        racing = [asyncio.create_task(customer(db, "2026-12-11T11:00")),
                  asyncio.create_task(customer(other, "2026-12-11T12:00"))]
        await asyncio.sleep(0.3)
        gate.set()
        booked = await asyncio.gather(*racing)
    finally:
        await other.dispose()
    assert sorted(booked) == [False, True]
    assert (await _usage(db, carlos.id, now)).used == 50


@pytest.mark.postgres
async def test_far_from_the_limit_two_bookings_of_one_business_do_not_wait_for_each_other(
    db: Database, database_url: str, carlos: Tenant
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite serializes every write transaction: there is no race to lose")
    now = local("2026-12-10T12:00")
    await _add_bookings(db, carlos, 5, now)
    other = Database(database_url)
    try:
        async with db.transaction() as first:
            organization = await first.get(Organization, carlos.id)
            assert (await plan_usage(first, organization, now, lock=True)).used == 5  # this booking is under way
            async with other.transaction() as second:
                organization = await second.get(Organization, carlos.id)
                counted = await asyncio.wait_for(plan_usage(second, organization, now, lock=True), timeout=2)
                assert counted.used == 5  # counted at once: 5 of 50 cannot become a notice or the limit
    finally:
        await other.dispose()


# --- the admin API: usage visible, plan and limit the operator's ----------------------------------


async def test_the_organization_shows_its_plan_and_this_months_usage(api: Api, db: Database, carlos: Tenant) -> None:
    await _add_bookings(db, carlos, 12, NOW - timedelta(days=2))
    reply = await api.call("GET", carlos.path, token=carlos.token)
    assert reply.status == 200
    assert (reply.json["plan"], reply.json["monthly_booking_limit"]) == ("free", None)
    assert reply.json["usage"] == {"month": "2027-01", "used": 12, "limit": 50, "remaining": 38, "at_limit": False}
    assert "monthly_free_bookings" not in reply.json["settings"]


@pytest.mark.parametrize(
    "change",
    [{"plan": "paid"}, {"monthly_booking_limit": 100_000}, {"monthly_booking_limit": 500},
     {"settings": {"monthly_free_bookings": 100_000}}],
)
async def test_a_business_cannot_change_its_own_plan_or_limit(api: Api, carlos: Tenant, change: dict[str, Any]) -> None:
    reply = await api.call("PATCH", carlos.path, token=carlos.token, json=change)
    assert reply.status == 403 and reply.code == "forbidden"
    assert "only the operator changes the plan" in reply.json["error"]["message"]
    after = await api.call("GET", carlos.path, token=carlos.token)
    assert (after.json["plan"], after.json["usage"]["limit"]) == ("free", 50)


async def test_the_operator_sets_the_plan_and_the_limit(api: Api, db: Database, carlos: Tenant) -> None:
    await _add_bookings(db, carlos, 12, NOW - timedelta(days=2))
    reply = await api.call("PATCH", carlos.path, token=OPERATOR_TOKEN, json={"monthly_booking_limit": 10})
    assert reply.status == 200 and reply.json["usage"] == {
        "month": "2027-01", "used": 12, "limit": 10, "remaining": 0, "at_limit": True,
    }
    paid = await api.call("PATCH", carlos.path, token=OPERATOR_TOKEN, json={"plan": "paid"})
    assert (paid.json["plan"], paid.json["usage"]["limit"], paid.json["usage"]["at_limit"]) == ("paid", None, False)
    back = await api.call("PATCH", carlos.path, token=OPERATOR_TOKEN,
                          json={"plan": "free", "monthly_booking_limit": None, "settings": {"slot_step_minutes": 30}})
    assert (back.json["usage"]["limit"], back.json["settings"]["slot_step_minutes"]) == (50, 30)
    legacy = await api.call("PATCH", carlos.path, token=OPERATOR_TOKEN, json={"settings": {"monthly_free_bookings": 80}})
    assert legacy.json["monthly_booking_limit"] == 80 and "monthly_free_bookings" not in legacy.json["settings"]
    assert (await api.call("PATCH", carlos.path, token=OPERATOR_TOKEN, json={"plan": "gold"})).status == 422


async def test_the_operator_creates_a_business_on_a_plan(api: Api) -> None:
    reply = await api.call("POST", "/api/v1/organizations", token=OPERATOR_TOKEN,
                           json={"name": "Salón Nuevo", "plan": "paid"})
    assert reply.status == 201 and reply.json["plan"] == "paid" and reply.json["usage"]["used"] == 0


async def test_the_owner_books_through_the_api_past_the_limit_and_it_counts(
    api: Api, db: Database, carlos: Tenant
) -> None:
    """Decision: past the limit the API still books (a person of the business decided), and it counts."""
    await _add_bookings(db, carlos, 50, NOW - timedelta(days=1))
    counted = metrics.BOOKINGS.labels("manual")._value.get()
    reply = await api.call("POST", f"{carlos.path}/appointments", token=carlos.token, json={
        "service_id": carlos.service("Corte de cabello"), "customer_id": carlos.customer("miguel"),
        "staff_id": carlos.staff("pedro"), "starts_at": "2027-01-15T11:00:00-06:00",
    })
    assert reply.status == 201 and reply.json["source"] == "manual"
    usage = (await api.call("GET", carlos.path, token=carlos.token)).json["usage"]
    assert (usage["used"], usage["remaining"], usage["at_limit"]) == (51, 0, True)
    assert metrics.BOOKINGS.labels("manual")._value.get() == counted + 1  # yume_bookings_total{source="manual"}


async def test_a_booking_rolled_back_is_not_counted_in_the_metrics(db: Database, carlos: Tenant) -> None:
    counted = metrics.BOOKINGS.labels("whatsapp")._value.get()
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await booking.book(
                session, organization_id=carlos.id, customer_id=uuid.UUID(carlos.customer("miguel")),
                service_id=uuid.UUID(carlos.service("Corte de cabello")), start=local("2027-01-15T11:00"), now=NOW,
                staff_id=uuid.UUID(carlos.staff("pedro")),
            )
            raise RuntimeError("the turn failed after booking")
    assert metrics.BOOKINGS.labels("whatsapp")._value.get() == counted


async def test_an_unknown_plan_in_the_database_reads_as_free(db: Database, carlos: Tenant) -> None:
    async with db.transaction() as session:
        await session.execute(update(Organization).where(Organization.id == carlos.id).values(plan="legacy"))
    assert (await _usage(db, carlos.id, NOW)).limit == 50
