"""The schema: migrations match the models, datetimes keep their instant, uniqueness holds."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from store.database import Database
from store.migrate import current_revision, head_revision, upgrade_to_head
from store.models import Customer, Organization, Staff, metadata
from store.types import NaiveDatetimeError


@pytest.fixture
async def empty(database_url: str, request: pytest.FixtureRequest):
    """A database with no tables at all (a brand-new PostgreSQL database, or a new SQLite file)."""
    if database_url.startswith("postgresql"):
        server = request.getfixturevalue("postgres_server")
        database_url = await server.new_database_url(f"yume_mig_{uuid.uuid4().hex[:10]}")
    database = Database(database_url)
    yield database
    await database.dispose()


async def test_migrations_upgrade_an_empty_database_to_head(empty: Database) -> None:
    assert await current_revision(empty.engine) is None
    await upgrade_to_head(empty.engine)
    assert await current_revision(empty.engine) == head_revision()
    await upgrade_to_head(empty.engine)  # a second run is a no-op


async def test_models_and_migrations_agree(empty: Database) -> None:
    await upgrade_to_head(empty.engine)
    async with empty.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
        )
    assert diff == [], f"models changed without a migration (run `yume db revision -m ...`): {diff}"


async def test_migrated_postgres_has_the_no_overlap_constraints(empty: Database) -> None:
    if empty.dialect != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only")
    await upgrade_to_head(empty.engine)
    async with empty.engine.connect() as connection:
        names = set((await connection.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'x'"))).scalars())
    assert names == {"ex_appointment_staff_no_overlap", "ex_timeblock_staff_no_overlap"}


async def test_datetimes_come_back_aware_and_at_the_same_instant(db: Database) -> None:
    tijuana_evening = datetime(2027, 3, 14, 19, 30, tzinfo=ZoneInfo("America/Tijuana"))
    async with db.transaction() as session:
        org = Organization(name="Uñas Lupita", created_at=tijuana_evening)
        session.add(org)
    async with db.transaction() as session:
        stored = (await session.execute(select(Organization))).scalar_one()
    assert stored.created_at == tijuana_evening
    assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused_instead_of_guessed(db: Database) -> None:
    with pytest.raises(StatementError) as error:
        async with db.transaction() as session:
            session.add(Organization(name="Sin zona", created_at=datetime(2027, 1, 15, 16, 0)))
    assert isinstance(error.value.orig, NaiveDatetimeError)


async def test_a_phone_is_one_staff_member_and_one_customer_per_business(db: Database) -> None:
    async with db.transaction() as session:
        org = Organization(name="Barbería")
        other = Organization(name="Otra")
        session.add_all([org, other])
        await session.flush()
        session.add(Staff(organization_id=org.id, name="Pedro", phone="+525520203030"))
        session.add(Customer(organization_id=org.id, phone="+525598765432"))
        # The same people may be customers or staff of another business.
        session.add(Staff(organization_id=other.id, name="Pedro", phone="+525520203030"))
        session.add(Customer(organization_id=other.id, phone="+525598765432"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Staff(organization_id=org.id, name="Otro Pedro", phone="+525520203030"))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            session.add(Customer(organization_id=org.id, phone="+525598765432"))


async def test_json_settings_round_trip(db: Database) -> None:
    async with db.transaction() as session:
        session.add(Organization(name="X", settings={"slot_step_minutes": 30, "reminder_hours_before": [24, 2]}))
    async with db.transaction() as session:
        org = (await session.execute(select(Organization))).scalar_one()
    assert org.business_settings().slot_step_minutes == 30
    assert org.business_settings().reminder_hours_before == [24, 2]
    assert org.business_settings().min_notice_minutes == 60
