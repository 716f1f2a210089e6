"""Fixtures for the app and the admin API: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import create_app
from bot.settings import Settings
from scheduler.clock import FrozenClock
from store.database import Database
from tests.bot.api import NOW, OPERATOR_TOKEN, Api, Tenant, make_tenant
from tests.bot.samples import LUPITA, Ids, seed_two_tenants
from tests.helpers import DON_CARLOS


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings() -> Settings:
    return Settings(operator_token=OPERATOR_TOKEN)


@pytest.fixture
async def api(aiohttp_client: Any, db: Database, settings: Settings, clock: FrozenClock) -> Api:
    """The app on the test database, with a frozen clock."""
    return Api(await aiohttp_client(create_app(settings, database=db, clock=clock)))


@pytest.fixture
async def carlos(db: Database) -> Tenant:
    """Barbería Don Carlos (Mexico City), with an organization token."""
    return await make_tenant(db, DON_CARLOS)


@pytest.fixture
async def lupita(db: Database) -> Tenant:
    """Uñas Lupita (Tijuana): the other tenant."""
    return await make_tenant(db, LUPITA)


@pytest.fixture
async def two_tenants(db: Database) -> tuple[Tenant, Ids, Tenant, Ids]:
    """Don Carlos (A) and Uñas Lupita (B), each with one of everything the API reaches."""
    return await seed_two_tenants(db)
