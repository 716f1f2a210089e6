"""Meta's per-number send rate (20 messages/second on coexistence numbers), kept by every process.

In one process `PerNumberRateLimit` spaces the sends of a number evenly. With several processes
on one PostgreSQL database `SharedRateLimit` reserves the sends' slots in the number's `sendpace`
row instead (one statement per round of sends, autocommit: the row is locked for microseconds), so N processes
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

# Reserve the number's next `:count` slots, back to back from the later of now and its next free
# one, and say how many seconds until the first. One statement for every send of a round (the
# outbox delivers a claimed batch at once); the row is locked for microseconds. Each send then
# sleeps until its own slot, so sends never leave earlier than their slot; a late wake-up only
# makes one later. statement_timestamp(): the database's clock (the processes' clocks never matter).
_RESERVE = text(
    """
    INSERT INTO sendpace (phone_number_id, next_free_at)
    VALUES (:number, statement_timestamp() + make_interval(secs => :span))
    ON CONFLICT (phone_number_id) DO UPDATE
        SET next_free_at = greatest(sendpace.next_free_at, statement_timestamp()) + make_interval(secs => :span)
    RETURNING extract(epoch FROM next_free_at - statement_timestamp()) - :span AS wait
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
    """The rate of a number shared by every process on one PostgreSQL database.

    The sends of one number waiting at the same moment reserve their slots together, in one statement.
    """

    def __init__(self, database: Database, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("the rate limit must be positive")
        self.interval = 1.0 / (per_second * PACING)
        self._engine = database.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._waiting: dict[str, list[asyncio.Future[float]]] = {}
        self._reserving: set[asyncio.Task[None]] = set()

    async def acquire(self, number: str) -> None:
        """Wait for this number's next free sending slot (shared with every process), and take it."""
        loop = asyncio.get_running_loop()
        slot: asyncio.Future[float] = loop.create_future()
        waiting = self._waiting.setdefault(number, [])
        waiting.append(slot)
        if len(waiting) == 1:
            task = loop.create_task(self._reserve(number), name="send pace")
            self._reserving.add(task)
            task.add_done_callback(self._reserving.discard)
        at = await slot
        delay = at - loop.time()
        if delay > MIN_WAIT:
            await asyncio.sleep(delay)

    async def _reserve(self, number: str) -> None:
        await asyncio.sleep(0)  # the other sends of this round join first
        waiters = self._waiting.pop(number, [])
        try:
            async with self._engine.connect() as connection:
                found = await connection.execute(
                    _RESERVE, {"number": number, "span": self.interval * len(waiters)}
                )
                wait = float(found.scalar_one() or 0)
        except BaseException as error:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        first = asyncio.get_running_loop().time() + wait
        for index, waiter in enumerate(waiters):
            if not waiter.done():  # a send cancelled meanwhile leaves its slot unused (harmless)
                waiter.set_result(first + index * self.interval)


def rate_limit_for(database: Database, per_second: float) -> RateLimit:
    """Shared through PostgreSQL when there may be several processes; in memory on SQLite."""
    if database.dialect == "postgresql":
        return SharedRateLimit(database, per_second)
    return PerNumberRateLimit(per_second)
