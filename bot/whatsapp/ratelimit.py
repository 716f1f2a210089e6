"""Meta's per-number send rate (20 messages/second on coexistence numbers), kept by every process.

In one process `PerNumberRateLimit` spaces the sends of a number evenly. With several processes
on one PostgreSQL database `SharedRateLimit` reserves each send's slot in the number's `sendpace`
row instead (one statement, autocommit: the row is locked for microseconds), so N processes
together still send at most `rate` messages a second from one number. SQLite is one process by
design: the in-process spacing is the whole story there.

Both pace at 95% of the rate (19/s for Meta's 20): a send that leaves a few milliseconds late
must not put 21 inside one second at Meta's end.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from sqlalchemy import text

from store.database import Database

PACING = 0.95  # of the allowed rate: room for the jitter between a slot and the request reaching Meta

# Take the number's slot if it is free now (the next one is then an interval away), else say how
# long until it is. A slot is only ever taken at the moment of sending: a sender that wakes up
# late takes a later slot instead of crowding the next one. statement_timestamp(): one instant for
# the whole statement, on the database's clock (the processes' own clocks never matter). The final
# SELECT sees the row as it was before this statement (same snapshot): the wait when not taken.
_TAKE = text(
    """
    WITH taken AS (
        INSERT INTO sendpace (phone_number_id, next_free_at)
        VALUES (:number, statement_timestamp() + make_interval(secs => :interval))
        ON CONFLICT (phone_number_id) DO UPDATE
            SET next_free_at = statement_timestamp() + make_interval(secs => :interval)
            WHERE sendpace.next_free_at <= statement_timestamp()
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM taken) AS taken,
           (SELECT extract(epoch FROM next_free_at - statement_timestamp())
              FROM sendpace WHERE phone_number_id = :number) AS wait
    """
)
MIN_WAIT = 0.001


class RateLimit(Protocol):
    async def acquire(self, number: str) -> None:
        """Wait for this number's next free sending slot."""
        ...


class PerNumberRateLimit:
    """Spaces sends from one number `1/rate` seconds apart, first come first served (this process)."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("the rate limit must be positive")
        self.interval = 1.0 / (per_second * PACING)
        self._next_free: dict[str, float] = {}

    async def acquire(self, number: str) -> None:
        """Wait for this number's next free sending slot, and take it."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            free_at = self._next_free.get(number, now)
            if free_at <= now:
                self._next_free[number] = now + self.interval
                return
            await asyncio.sleep(free_at - now)


class SharedRateLimit:
    """The rate of a number shared by every process on one PostgreSQL database."""

    def __init__(self, database: Database, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("the rate limit must be positive")
        self.interval = 1.0 / (per_second * PACING)
        self._engine = database.engine.execution_options(isolation_level="AUTOCOMMIT")

    async def acquire(self, number: str) -> None:
        """Wait for this number's next free sending slot (whichever process frees it), and take it."""
        while True:
            async with self._engine.connect() as connection:
                taken, wait = (await connection.execute(_TAKE, {"number": number, "interval": self.interval})).one()
            if taken:
                return
            await asyncio.sleep(max(MIN_WAIT, float(wait or 0)))


def rate_limit_for(database: Database, per_second: float) -> RateLimit:
    """Shared through PostgreSQL when there may be several processes; in memory on SQLite."""
    if database.dialect == "postgresql":
        return SharedRateLimit(database, per_second)
    return PerNumberRateLimit(per_second)
