"""Shared test fixtures: every store and flow test runs on SQLite and on PostgreSQL.

PostgreSQL: YUME_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432/test). Each test session
creates its own throwaway database and drops it at the end, so parallel runs never interfere.
When no server answers, PostgreSQL tests are skipped with the reason, unless
YUME_REQUIRE_POSTGRES=1 (CI), where they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from store.database import Database, create_all, normalize_database_url
from store.models import metadata

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
POSTGRES_URL = normalize_database_url(
    os.environ.get("YUME_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
REQUIRE_POSTGRES = os.environ.get("YUME_REQUIRE_POSTGRES") == "1"


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    """Run one statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class PostgresServer:
    """A throwaway database on the test server, created once per test session."""

    def __init__(self) -> None:
        self.database = f"yume_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = make_url(POSTGRES_URL).set(database=self.database).render_as_string(hide_password=False)
        self.error: str | None = None
        self.schema_ready = False
        self.extra: list[str] = []

    def create(self) -> None:
        try:
            asyncio.run(_admin(f'CREATE DATABASE "{self.database}"'))
        except Exception as error:  # unreachable server, refused auth, …
            self.error = f"PostgreSQL not reachable at {POSTGRES_URL}: {error}"

    def drop(self) -> None:
        if self.error:
            return
        for name in [self.database, *self.extra]:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    async def new_database_url(self, name: str) -> str:
        """Create one more empty database on the server (migration tests need a blank one)."""
        await _admin(f'CREATE DATABASE "{name}"')
        self.extra.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.create()
    yield server
    server.drop()


def require_postgres(server: PostgresServer) -> None:
    """Skip (locally) or fail (CI) when PostgreSQL is not there."""
    if server.error:
        if REQUIRE_POSTGRES:
            pytest.fail(f"YUME_REQUIRE_POSTGRES=1 but {server.error}")
        pytest.skip(server.error)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL with no schema yet: a fresh SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'yume.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    require_postgres(server)
    return server.url


@pytest.fixture
async def db(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """An empty Yume database with the current schema, on SQLite and on PostgreSQL."""
    database = Database(database_url)
    if database.dialect == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        if not server.schema_ready:
            await create_all(database.engine)
            server.schema_ready = True
        await _truncate_all(database)
    else:
        await create_all(database.engine)
    try:
        yield database
    finally:
        await database.dispose()


async def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    async with database.engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} CASCADE"))
