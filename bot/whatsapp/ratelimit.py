"""A client-side rate limit per business number (coexistence numbers take 20 messages/second)."""

from __future__ import annotations

import asyncio


class PerNumberRateLimit:
    """Spaces sends from one number `1/rate` seconds apart, first come first served."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("the rate limit must be positive")
        self.interval = 1.0 / per_second
        self._next_free: dict[str, float] = {}

    async def acquire(self, number: str) -> None:
        """Wait for this number's next free sending slot."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next_free.get(number, now))
        self._next_free[number] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
