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
from typing import Protocol

from sqlalchemy import text

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


class LaneLocks(Protocol):
    def hold(self, lane: Lane) -> AsyncIterator[bool]:
        """Try to hold the lane; yields whether this worker got it (never waits for another)."""
        ...


class LocalLaneLocks:
    """Lane locks inside one process (the embedded SQLite deployment)."""

    def __init__(self) -> None:
        self._held: set[str] = set()

    @asynccontextmanager
    async def hold(self, lane: Lane) -> AsyncIterator[bool]:
        if lane.name in self._held:
            yield False
            return
        self._held.add(lane.name)
        try:
            yield True
        finally:
            self._held.discard(lane.name)


class PostgresLaneLocks:
    """Lane locks shared by every process on one PostgreSQL database (advisory locks)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._local = LocalLaneLocks()
        self._engine = database.engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def hold(self, lane: Lane) -> AsyncIterator[bool]:
        async with self._local.hold(lane) as mine:
            if not mine:
                yield False
                return
            key = lane.lock_key()
            async with self._engine.connect() as connection:
                got = bool((await connection.execute(_TRY_LOCK, {"key": key})).scalar())
                try:
                    yield got
                finally:
                    if got:
                        try:
                            await connection.execute(_UNLOCK, {"key": key})
                        except BaseException:
                            # A pooled connection must never keep the lock: closing the session frees it.
                            await connection.invalidate()
                            raise


def lane_locks_for(database: Database) -> LaneLocks:
    """The right lane locks for the database behind `database`."""
    return PostgresLaneLocks(database) if database.dialect == "postgresql" else LocalLaneLocks()
