"""Lanes: the unit of ordering. One lane per person per business number, one worker per lane.

Events of one lane are processed one at a time, oldest WhatsApp timestamp first. Across server
processes sharing a PostgreSQL database the lane is held with a session-level advisory lock on a
dedicated connection (released on unlock, or by the server if the process dies). SQLite is
single-process by design, so an in-process lock is the whole story there.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import BigInteger, Select, bindparam, func, select, text

from store.database import Database

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")


@dataclass(frozen=True)
class Lane:
    """Events that must be processed in order: the same business number and the same sender."""

    phone_number_id: str | None
    sender: str | None

    @property
    def name(self) -> str:
        return f"{self.phone_number_id or '-'}|{self.sender or '-'}"

    def lock_key(self) -> int:
        """A signed 64-bit advisory-lock key for this lane."""
        digest = hashlib.blake2b(f"yume-lane:{self.name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class Holding:
    """Whether this worker holds the lane, and the rows of `read` when the lock could read them at once."""

    got: bool
    rows: list[dict[str, Any]] | None = None  # None: not read with the lock (the caller reads them)


class LaneLocks(Protocol):
    def hold(self, lane: Lane, read: Select[Any] | None = None, params: dict[str, Any] | None = None) -> AsyncIterator[Holding]:
        """Try to hold the lane; yields whether this worker got it (never waits for another).

        `read` (with `params`): a query the lock may run in its own statement once it got the lane.
        """
        ...


class LocalLaneLocks:
    """Lane locks inside one process (the embedded SQLite deployment)."""

    def __init__(self) -> None:
        self._held: set[str] = set()

    @asynccontextmanager
    async def hold(self, lane: Lane, read: Select[Any] | None = None, params: dict[str, Any] | None = None) -> AsyncIterator[Holding]:
        if lane.name in self._held:
            yield Holding(False)
            return
        self._held.add(lane.name)
        try:
            yield Holding(True)
        finally:
            self._held.discard(lane.name)


class PostgresLaneLocks:
    """Lane locks shared by every process on one PostgreSQL database (advisory locks)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._local = LocalLaneLocks()
        self._engine = database.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._with_read: dict[int, Select[Any]] = {}

    @asynccontextmanager
    async def hold(self, lane: Lane, read: Select[Any] | None = None, params: dict[str, Any] | None = None) -> AsyncIterator[Holding]:
        async with self._local.hold(lane) as mine:
            if not mine.got:
                yield mine
                return
            key = lane.lock_key()
            async with self._engine.connect() as connection:
                if read is None:
                    holding = Holding(bool((await connection.execute(_TRY_LOCK, {"key": key})).scalar()))
                else:
                    # One round trip: the lock and the lane's events. The rows are those of the
                    # statement's snapshot, which may predate the lock by microseconds: an event
                    # another worker finished in that instant is still pending here, and its
                    # guarded mark (processed_at IS NULL) keeps it from being answered twice.
                    found = (await connection.execute(self._locked_read(read), {**(params or {}), "key": key})).mappings().all()
                    got = bool(found and found[0]["lane_got"])
                    rows = [dict(row) for row in found if got and row["id"] is not None]
                    for row in rows:
                        row.pop("lane_got")
                    holding = Holding(got, rows if got else None)
                try:
                    yield holding
                finally:
                    if holding.got:
                        try:
                            await connection.execute(_UNLOCK, {"key": key})
                        except BaseException:
                            # A pooled connection must never keep the lock: closing the session frees it.
                            await connection.invalidate()
                            raise

    def _locked_read(self, read: Select[Any]) -> Select[Any]:
        statement = self._with_read.get(id(read))
        if statement is None:
            lock = select(func.pg_try_advisory_lock(bindparam("key", type_=BigInteger)).label("lane_got")).cte("lane_lock")
            rows = read.subquery("lane_rows")
            statement = select(lock.c.lane_got, rows).select_from(lock.outerjoin(rows, lock.c.lane_got))
            self._with_read[id(read)] = statement  # built once per query (building costs more than running)
        return statement


def lane_locks_for(database: Database) -> LaneLocks:
    """The right lane locks for the database behind `database`."""
    return PostgresLaneLocks(database) if database.dialect == "postgresql" else LocalLaneLocks()
