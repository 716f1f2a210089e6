"""How processing one inbox event ended (shared by the inbox and the handlers it calls)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    done: bool  # mark the event processed
    note: str | None = None  # why it was skipped (kept in last_error, prefixed "skipped:")
    error: str | None = None  # it failed; retried later, set aside after too many attempts
    order_free: bool = False  # a failure does not hold up the rest of the lane
    deferred: bool = False  # not yet possible (e.g. a status before its message's id is known)
    marked: bool = False  # the handler already marked the event processed, in its own transaction
    hopeless: bool = False  # retrying cannot help (the event itself is unusable): set aside at once

    @classmethod
    def ok(cls, note: str | None = None) -> Outcome:
        return cls(done=True, note=note)

    @classmethod
    def later(cls, why: str) -> Outcome:
        return cls(done=False, error=why, order_free=True, deferred=True)

    @classmethod
    def set_aside(cls, why: str) -> Outcome:
        """The event can never be processed as it is: set aside with `why`, for an operator to see."""
        return cls(done=False, error=why, order_free=True, hopeless=True)
