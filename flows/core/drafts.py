"""What a conversation remembers between messages (`Conversation.flow_data`), typed.

`FlowData` is the whole of it: the draft of the task in progress (a `BookingDraft`, a
`BlockDraft`, …), the question Yume asked last (its text, options and what it expects), how many
answers in a row were not understood, and a few facts about the last thing done. Each task module
declares its draft as a subclass of `Draft` with its own `task` name; every message's slots are
merged into it, whatever step asked.

Stored conversations carry `version`. Version 1 (an untyped dict, before this module) is read by
each role's `migrate_v1`, so chats in flight when Yume is upgraded continue where they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, field_validator

from flows.core.options import Option
from flows.core.replies import Reply
from nlu.context import Expecting

VERSION = 2

_DRAFTS: dict[str, type[Draft]] = {}


class Draft(BaseModel):
    """What one task has collected so far; every field optional until the task needs it.

    Each subclass names its task with a default: `task: Literal["booking"] = "booking"`. That name
    is how a stored draft finds its class again, so it is unique and never changes.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    task: str

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        name = cls.model_fields["task"].default
        if isinstance(name, str) and name:
            if name in _DRAFTS and _DRAFTS[name].__qualname__ != cls.__qualname__:
                raise TypeError(f"two drafts are called {name!r}")
            _DRAFTS[name] = cls


def draft_from_stored(raw: Mapping[str, Any]) -> Draft | None:
    """A stored draft as its own class (None for a task this version no longer knows)."""
    cls = _DRAFTS.get(str(raw.get("task")))
    return cls.model_validate(dict(raw)) if cls is not None else None


class Question(BaseModel):
    """The question Yume asked last: asked again after a digression, read back by the NLU."""

    reply: Reply
    expecting: Expecting | None = None

    @property
    def offered(self) -> list[Option]:
        return self.reply.options


class FlowData(BaseModel):
    """Everything a conversation keeps between messages."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    version: int = VERSION
    draft: SerializeAsAny[Draft] | None = None
    question: Question | None = None
    #: Answers in a row that were not understood (the second one hands the chat to a person).
    misunderstood: int = 0
    #: The appointment a reminder just asked about: «sí» or «cancelar» at rest refer to it.
    reminded: str | None = None
    #: Options offered at rest (a reminder's Confirmo/Cancelar/Cambiar), without a question.
    offered_at_rest: list[Option] = Field(default_factory=list)
    #: What a «gracias» right after a booking refers to («¡A ti! Te esperamos el jueves»).
    recent: str | None = None
    #: The last request expired (a long pause): the next reply says so first.
    expired: bool = False
    #: The day an agenda just shown was about: «bloquea de 2 a 3» in the next message means that day.
    talked_about: dt.date | None = None
    #: Yume already said it speaks Spanish only (once per chat is enough).
    told_spanish_only: bool = False

    @field_validator("draft", mode="before")
    @classmethod
    def _typed_draft(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return draft_from_stored(value)
        return value

    @property
    def offered(self) -> list[Option]:
        """The options of the last question (or those offered at rest), in order."""
        if self.question is not None and self.question.offered:
            return self.question.offered
        return list(self.offered_at_rest)

    @property
    def expecting(self) -> Expecting | None:
        return self.question.expecting if self.question is not None else None

    def stored(self) -> dict[str, Any]:
        """The JSON written to `Conversation.flow_data`."""
        return self.model_dump(mode="json", exclude_defaults=False)

    @classmethod
    def restore(cls, raw: Mapping[str, Any] | None, migrate_v1: Callable[[Mapping[str, Any]], Draft | None]) -> FlowData:
        """What a conversation stored, in this version's shape (a version-1 dict is migrated)."""
        if not raw:
            return cls()
        if raw.get("version") == VERSION:
            return cls.model_validate(dict(raw))
        return cls._from_v1(raw, migrate_v1)

    @classmethod
    def _from_v1(cls, raw: Mapping[str, Any], migrate_v1: Callable[[Mapping[str, Any]], Draft | None]) -> FlowData:
        question = None
        if raw.get("question"):
            reply = Reply.model_validate(raw["question"])
            question = Question(reply=reply, expecting=Expecting(raw["expecting"]) if raw.get("expecting") else None)
        offered = [Option.model_validate(item) for item in raw.get("offered") or []]
        return cls(
            draft=migrate_v1(raw),
            question=question,
            misunderstood=int(raw.get("misunderstood") or 0),
            reminded=raw.get("reminded"),
            offered_at_rest=offered if question is None else [],
            recent=raw.get("recent"),
            expired=bool(raw.get("expired")),
        )
