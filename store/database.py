"""Engines and transactions for the embedded SQLite default and for PostgreSQL.

SQLite: one file, WAL, and every transaction opened with BEGIN IMMEDIATE, so writers queue up
(busy timeout) instead of interleaving: the "serialized write transaction" the agenda invariant
relies on. PostgreSQL: asyncpg, READ COMMITTED, row locks and exclusion constraints.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from store.models import metadata

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./yume.db"
SQLITE_BUSY_TIMEOUT_MS = 15_000
POOL_RECYCLE_SECONDS = 1800

T = TypeVar("T")


class DatabaseUrlError(ValueError):
    """DATABASE_URL names a database Yume cannot use."""


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings (postgres://, postgresql://, sqlite:///) and pick the async driver."""
    try:
        parsed = make_url(url)
    except Exception as error:  # sqlalchemy raises ArgumentError with a terse message
        raise DatabaseUrlError(f"DATABASE_URL is not a database URL: {url!r}") from error
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url` with Yume's per-database settings applied."""
    url = normalize_database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _serialize_sqlite_transactions(engine)
        return engine
    # No ping per checkout (a round trip on every transaction, ~3.5 ms a message): a connection the
    # server dropped (restart, failover, idle timeout) fails its first statement instead, SQLAlchemy
    # then recycles every connection opened before it, and the units of work retry once on a
    # disconnect (`is_disconnect`). Connections are renewed after half an hour regardless.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_SECONDS)
    kwargs.setdefault("pool_size", 25)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def is_disconnect(error: BaseException) -> bool:
    """Whether `error` means the database connection was lost (the pool has recycled it: retry once)."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


async def retry_on_disconnect(work: Callable[[], Awaitable[T]], attempts: int = 2) -> T:
    """`work()`, once more on fresh connections when the first try found its connection dropped.

    The unit of work must be safe to repeat: a transaction that failed on a dropped connection
    was rolled back by the server.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await work()
        except Exception as error:
            if attempt == attempts or not is_disconnect(error):
                raise
    raise AssertionError("unreachable")


def _serialize_sqlite_transactions(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over BEGIN from the driver so we can make it IMMEDIATE (see module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (replies are rendered after it)."""
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    """One engine and its sessions; `transaction()` is the unit of work everywhere in Yume."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalize_database_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessions = make_sessionmaker(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session:
            async with session.begin():
                yield session

    async def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def create_all(self) -> None:
        """Create every table straight from the models (tests and throwaway databases)."""
        await create_all(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()


async def create_all(engine: AsyncEngine) -> None:
    """Create the schema from the models (stamped as the newest migration), with the PostgreSQL extension."""
    from store.migrate import stamp_head  # Alembic is only needed here and for migrations

    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        await connection.run_sync(metadata.create_all)
        await connection.run_sync(stamp_head)
