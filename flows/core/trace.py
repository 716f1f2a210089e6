"""What the running task works for: the WhatsApp message id, the organization and the lane.

The edges set it (the inbox for each inbound event, the outbox for each row it sends, the job
runner for each run) with `tracing(...)`; it follows the task through the engine, the NLU and the
store because it is a context variable. The logs print it on every line (bot/logs.py), and
`flows/outbound.record_outbound` writes the cause on each outbox row, so the send of a reply is
logged with the id of the message it answers. The lane carries a masked phone, never a full one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Trace:
    message_id: str | None = None  # the inbound WhatsApp message id (wamid…), or "job:<name>"
    organization_id: str | None = None
    lane: str | None = None  # "<phone_number_id>|<masked sender>"

    def fields(self) -> dict[str, str]:
        """The fields that are set, for a log line."""
        return {key: value for key, value in vars(self).items() if value}


_CURRENT: ContextVar[Trace] = ContextVar("yume_trace", default=Trace())


def current() -> Trace:
    """The trace of the running task (empty outside any traced work)."""
    return _CURRENT.get()


@contextmanager
def tracing(**fields: object) -> Iterator[Trace]:
    """Add these fields (message_id, organization_id, lane) to the trace while the block runs."""
    given = {key: str(value) for key, value in fields.items() if value is not None}
    token = _CURRENT.set(replace(_CURRENT.get(), **given))
    try:
        yield _CURRENT.get()
    finally:
        _CURRENT.reset(token)
