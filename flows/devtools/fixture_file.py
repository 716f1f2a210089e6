"""Conversation fixtures as files: the shape of `spec/fixtures.md`, validated, and where to find them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from store.business_file import AppointmentSpec, BlockSpec, BusinessSpec

MEDIA_TYPES = ("audio", "image", "sticker", "location", "video", "document")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class FixtureError(ValueError):
    """A fixture file that cannot be read as the contract describes."""


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


class MessageExpectation(BaseModel):
    """What the messages to one person in one turn must (not) say."""

    model_config = ConfigDict(extra="forbid")

    to: str | None = None
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    regex: str | None = None
    none: bool = False

    @field_validator("contains", "not_contains", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> list[str]:
        return _as_list(value)

    @field_validator("to", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str | None:
        return None if value is None else str(value)


class EchoSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str
    text: str

    @field_validator("to", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return str(value)


class MediaSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: str | None = Field(default=None, alias="from")
    type: str

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MEDIA_TYPES:
            raise ValueError(f"media type must be one of {', '.join(MEDIA_TYPES)}")
        return value

    @field_validator("sender", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str | None:
        return None if value is None else str(value)


class TurnSpec(BaseModel):
    """One turn: a message, a tap, an owner echo, a wait, or a media message."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    sender: str | None = Field(default=None, alias="from")
    text: str | None = None
    choose: str | None = None
    echo: EchoSpec | None = None
    wait: str | None = None
    media: MediaSpec | None = None
    reply: MessageExpectation | None = None
    notify: list[MessageExpectation] = Field(default_factory=list)
    sent: list[MessageExpectation] = Field(default_factory=list)

    @field_validator("sender", "text", "choose", "wait", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str | None:
        return None if value is None else str(value)

    @model_validator(mode="after")
    def _one_action(self) -> TurnSpec:
        actions = [name for name in ("text", "choose", "echo", "wait", "media") if getattr(self, name) is not None]
        if len(actions) != 1:
            raise ValueError(f"a turn has exactly one of text, choose, echo, wait, media (got {actions or 'none'})")
        for item in (*self.notify, *self.sent):
            if not item.to:
                raise ValueError("notify and sent items need `to:`")
        if self.wait is not None:
            wait_delta(self.wait)
        return self

    @property
    def kind(self) -> str:
        return next(name for name in ("text", "choose", "echo", "wait", "media") if getattr(self, name) is not None)


class FinalExpectations(BaseModel):
    model_config = ConfigDict(extra="forbid")

    appointments: list[dict[str, Any]] | None = None
    blocks: list[dict[str, Any]] | None = None
    customers: list[dict[str, Any]] | None = None
    staff: list[dict[str, Any]] | None = None
    handed_off: list[str] | None = None
    # Extension (fixtures/README.md): businesses signed up during the conversation, by name.
    organizations: list[dict[str, Any]] | None = None


class Fixture(BaseModel):
    """One conversation fixture."""

    model_config = ConfigDict(extra="forbid")

    name: str
    now: datetime
    business: str | dict[str, Any]
    settings: dict[str, Any] = Field(default_factory=dict)
    appointments: list[AppointmentSpec] = Field(default_factory=list)
    blocks: list[BlockSpec] = Field(default_factory=list)
    turns: list[TurnSpec]
    expect: FinalExpectations | None = None
    path: Path | None = None

    @field_validator("now", mode="before")
    @classmethod
    def _local(cls, value: Any) -> datetime:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            raise ValueError("`now` is local time in the business timezone, without an offset")
        return moment

    @property
    def asserts_something(self) -> bool:
        """It checks at least one message or the final state (only these count for transition coverage)."""
        if self.expect is not None and any(value is not None for value in self.expect.model_dump().values()):
            return True
        for turn in self.turns:
            for item in (*([turn.reply] if turn.reply else []), *turn.notify, *turn.sent):
                if item.contains or item.not_contains or item.regex or item.none:
                    return True
        return False

    def business_spec(self) -> BusinessSpec:
        """The business, from the inline mapping or the file beside the fixture."""
        if isinstance(self.business, dict):
            return BusinessSpec.model_validate(self.business)
        base = self.path.parent if self.path else Path.cwd()
        return BusinessSpec.from_file(base / self.business)


def wait_delta(text: str) -> timedelta:
    """ "90m", "1d2h", "23h", "30s" → a timedelta."""
    compact = text.replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != compact:
        raise ValueError(f"cannot read wait {text!r}: use s, m, h, d units such as '90m' or '1d2h'")
    return sum((timedelta(**{_UNITS[unit]: float(number)}) for number, unit in parts), timedelta())


def load_fixture(path: Path) -> Fixture | None:
    """The fixture in a YAML file, or None when the file is not a fixture (no `turns`, e.g. a business)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise FixtureError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or "turns" not in data:
        return None
    try:
        fixture = Fixture.model_validate(data)
    except ValueError as error:
        raise FixtureError(f"{path}: {error}") from error
    fixture.path = path
    return fixture


def fixture_paths(paths: list[Path]) -> list[Path]:
    """Every *.yaml file under the given files and folders (recursively), sorted, each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        elif path.exists():
            found.append(path)
        else:
            raise FixtureError(f"{path}: no such file or folder")
    unique: list[Path] = []
    for path in found:
        if path.resolve() not in {p.resolve() for p in unique}:
            unique.append(path)
    return unique
