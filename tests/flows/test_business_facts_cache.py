"""Business facts are cached per process and never stale: a change made anywhere is seen everywhere.

Two engines with their own connection pools stand for two `yume serve` processes on one database.
"""

from __future__ import annotations

from datetime import time

from sqlalchemy import delete, select, update

from flows.core.business import known_business, load_facts
from flows.engine import Engine
from nlu.rules import RuleEngine
from store.database import Database
from store.plan import lock_organization
from store.models import Location, Organization, ServiceType, Staff, StaffHours, StaffService
from tests.flows.conversation import open_chat, texts


async def test_an_owners_price_change_through_one_process_is_what_the_next_customer_sees_through_another(db) -> None:
    chat = await open_chat(db)
    other_pool = Database(db.url)
    other = Engine(other_pool, RuleEngine(), chat.clock)
    try:
        before = texts(await chat.says("5215511110001", "¿cuánto cuesta el corte?"))
        assert "$150" in before
        assert chat.engine.facts.loads == 1  # this process now keeps the facts
        await chat.says("rosa", "quiero cambiar un precio", engine=other)
        changed = texts(await chat.says("rosa", "el corte, a $200", engine=other))
        assert "ahora cuesta $200" in changed
        after = texts(await chat.says("5215511110002", "¿cuánto cuesta el corte?"))
        assert "$200" in after and "$150" not in after
        assert chat.engine.facts.loads == 2, "the change was noticed and the facts read again"
        again = texts(await chat.says("5215511110003", "¿cuánto cuesta el corte?"))
        assert "$200" in again and chat.engine.facts.hits >= 1, "and then kept again"
    finally:
        await other_pool.dispose()


async def test_every_kind_of_change_to_a_business_moves_its_facts_version(db) -> None:
    chat = await open_chat(db)
    organization_id = chat.loaded.organization_id

    async def version() -> int:
        async with db.transaction() as session:
            return (await session.execute(select(Organization.facts_version).where(Organization.id == organization_id))).scalar_one()

    seen = [await version()]
    changes = [
        update(ServiceType).where(ServiceType.organization_id == organization_id).values(price_cents=18000),
        update(Location).where(Location.organization_id == organization_id).values(business_hours={}),
        update(Staff).where(Staff.organization_id == organization_id).values(name="Otro nombre"),
        update(Organization).where(Organization.id == organization_id).values(name="Barbería Nueva"),
    ]
    for change in changes:  # Core statements, as a migration or psql would: no ORM hook involved
        async with db.transaction() as session:
            await session.execute(change)
        seen.append(await version())
    async with db.transaction() as session:
        session.add(ServiceType(organization_id=organization_id, name="Tinte", duration_minutes=60, price_cents=50000))
    seen.append(await version())
    async with db.transaction() as session:
        tinte = (await session.execute(select(ServiceType).where(ServiceType.name == "Tinte"))).scalar_one()
        await session.delete(tinte)
    seen.append(await version())
    async with db.transaction() as session:
        pedro = (await session.execute(select(Staff).where(Staff.organization_id == organization_id).limit(1))).scalar_one()
        session.add(StaffHours(staff_id=pedro.id, weekday=0, starts=time(10), ends=time(14)))  # their own hours
    seen.append(await version())
    async with db.transaction() as session:
        await session.execute(update(StaffHours).where(StaffHours.staff_id == pedro.id).values(ends=time(15)))
    seen.append(await version())
    async with db.transaction() as session:
        service = (await session.execute(select(ServiceType).where(ServiceType.organization_id == organization_id).limit(1))).scalar_one()
        await session.execute(delete(StaffService).where(StaffService.staff_id == pedro.id))
        session.add(StaffService(staff_id=pedro.id, service_id=service.id))  # who does which service
    seen.append(await version())
    assert seen == sorted(set(seen)) and len(seen) == 10, f"every change bumped it once or more: {seen}"


async def test_a_business_can_still_be_deleted_with_everything_it_has(db) -> None:
    chat = await open_chat(db)
    async with db.transaction() as session:
        organization = await session.get(Organization, chat.loaded.organization_id)
        await session.delete(organization)
    async with db.transaction() as session:
        assert (await session.execute(select(Organization))).scalars().all() == []


async def test_a_booking_uses_the_turns_facts_only_while_nobody_changed_them(db) -> None:
    chat = await open_chat(db)
    organization_id = chat.loaded.organization_id
    async with db.transaction() as session:
        facts = await load_facts(session, organization_id)
    async with db.transaction() as session:
        assert known_business(session, facts) is None  # the organization row was not read here: read it all again
        await lock_organization(session, organization_id)
        known = known_business(session, facts)  # read under the booking's lock, unchanged
        assert known is not None and known.business is facts.calendar
    async with db.transaction() as session:
        await session.execute(update(Location).where(Location.organization_id == organization_id).values(business_hours={}))
    async with db.transaction() as session:
        await lock_organization(session, organization_id)
        # The owner closed every day meanwhile: the booking must read the business again, not trust the turn's copy.
        assert known_business(session, facts) is None
