"""A circuit breaker for Claude: after repeated failures, skip it for a cool-down.

While Claude is down every message would otherwise wait the whole budget (`YUME_NLU_TIMEOUT_S`)
before the rules answer. After `failures` failed messages in a row the breaker opens: Claude is
not called for `cooldown_s` seconds and the rules answer at once. Then one message tries Claude
again (half-open): success closes the breaker, another failure opens it for a new cool-down.

The state is kept per process, on purpose: the breaker only saves waiting, it never changes what
a message means (the rules are the same fallback with or without it), so two processes that
disagree about Claude's health are both correct; each learns of an outage within `failures`
messages. Sharing the state through the database would add a round trip to every message to save
a few seconds on a few of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_FAILURES = 3
DEFAULT_COOLDOWN_S = 30.0


class CircuitBreaker:
    """Closed (call Claude), open (skip it until the cool-down ends), half-open (one trial call)."""

    def __init__(
        self,
        failures: int = DEFAULT_FAILURES,
        cooldown_s: float = DEFAULT_COOLDOWN_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._consecutive = 0
        self._open_until: float | None = None
        self._trial_running = False
        self.opened = 0  # how many times it opened (for logs and tests)

    @property
    def state(self) -> str:
        """ "closed", "open" or "half_open"."""
        if self._open_until is None:
            return "closed"
        return "open" if self._clock() < self._open_until else "half_open"

    def allow(self) -> bool:
        """True when Claude may be called now (a half-open breaker lets one trial through at a time)."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def succeeded(self) -> None:
        """Claude answered: close."""
        self._consecutive = 0
        self._open_until = None
        self._trial_running = False

    def failed(self) -> None:
        """Claude failed or timed out: count it, and open after `failures` in a row (or a failed trial)."""
        self._consecutive += 1
        if self._trial_running or self._consecutive >= self.failures:
            self._open_until = self._clock() + self.cooldown_s
            self._trial_running = False
            self.opened += 1

    def released(self) -> None:
        """A trial that ended without telling anything about Claude's health (e.g. a rejected request)."""
        self._trial_running = False
