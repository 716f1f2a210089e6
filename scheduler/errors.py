"""Why a scheduling operation said no. Each error has a stable `code` for the API and the flows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any


class SchedulingError(Exception):
    """A booking rule was not met; nothing was written."""

    code = "scheduling_error"
    status = 409

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(SchedulingError):
    code = "not_found"
    status = 404


class InvalidRequest(SchedulingError):
    """The request itself is malformed (end before start, naive time, inactive service)."""

    code = "invalid_request"
    status = 422


class SlotTaken(SchedulingError):
    """Someone (or a block) already has that time."""

    code = "slot_taken"


class OutsideHours(SchedulingError):
    """The business is closed then, or the staff member does not work then."""

    code = "outside_hours"


class TooSoon(SchedulingError):
    """Inside the minimum notice (the salon needs time to prepare)."""

    code = "too_soon"


class InPast(SchedulingError):
    code = "in_past"


class TooFarAhead(SchedulingError):
    """Beyond the booking horizon."""

    code = "too_far_ahead"


class NotEligible(SchedulingError):
    """That staff member does not perform that service (or is inactive)."""

    code = "not_eligible"


class InvalidTransition(SchedulingError):
    """The appointment is not in a state that allows this (e.g. cancelling a completed one)."""

    code = "invalid_transition"


class BlockCollides(SchedulingError):
    """The block would cover active appointments; confirm to cancel them, or pick other times."""

    code = "block_collides"

    def __init__(self, message: str, appointment_ids: Sequence[Any], starts: Sequence[datetime]) -> None:
        super().__init__(message, appointment_ids=[str(a) for a in appointment_ids], starts=[s.isoformat() for s in starts])
        self.appointment_ids = list(appointment_ids)


class AgendaBusy(SchedulingError):
    """Another booking for the same people held the lock too long; try again."""

    code = "agenda_busy"
    status = 503
