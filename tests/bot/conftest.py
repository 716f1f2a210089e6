"""Fixtures for the app and the admin API: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import create_app
from bot.settings import Settings
from scheduler.clock import FrozenClock
from store.database import Database
from tests.bot.api import NOW, OPERATOR_TOKEN, Api, Tenant, make_tenant
from tests.helpers import DON_CARLOS

# A second business, to prove one organization never sees another's data.
LUPITA = {
    "name": "Uñas Lupita",
    "timezone": "America/Tijuana",
    "address": "Av. Revolución 100, Tijuana",
    "hours": {day: ["09:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
    "services": [{"name": "Manicure", "minutes": 60, "price": 250}],
    "people": {
        "lupita": {"name": "Lupita Ortega", "phone": "664 111 2233", "role": "owner"},
        "rosa": {"name": "Rosa Lupita-Cliente", "phone": "664 999 8877", "role": "customer"},
    },
    "appointments": [{"customer": "rosa", "service": "Manicure", "start": "2027-01-15T10:00", "staff": "lupita"}],
    "blocks": [{"staff": "lupita", "start": "2027-01-15T14:00", "end": "2027-01-15T15:00", "reason": "comida Lupita"}],
}


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
