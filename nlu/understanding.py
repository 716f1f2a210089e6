"""The result of understanding one message: an intent, its slots and where it came from.

This is the contract of `spec/nlu.md`: the intent names and the JSON names of the slots are
fixed; flows consume only these models. Extension slots (marked below) are optional additions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

PartOfDay = Literal["morning", "afternoon", "evening"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Role(StrEnum):
    """Who is writing, decided by the sender's phone number, never by what they say."""

    CUSTOMER = "customer"
    STAFF = "staff"
    OWNER = "owner"


class Intent(StrEnum):
    """The intent names of the contract, plus Yume's extensions (docs/nlu.md)."""

    # common
    GREET = "greet"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    AFFIRM = "affirm"
    DENY = "deny"
    INFORM = "inform"
    STOP = "stop"
    HUMAN = "human"
    OTHER = "other"
    # customer (book/reschedule/cancel also on a customer's behalf by staff)
    BOOK = "book"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    MY_APPOINTMENTS = "my_appointments"
    ASK_SERVICES = "ask_services"
    ASK_HOURS = "ask_hours"
    ASK_LOCATION = "ask_location"
    CANT_MAKE_IT = "cant_make_it"  # extension (docs/nlu.md): can't make it, without saying cancel or move
    # staff
    MY_SCHEDULE = "my_schedule"
    BUSINESS_SCHEDULE = "business_schedule"
    BLOCK_TIME = "block_time"
    UNBLOCK = "unblock"  # extension (docs/nlu.md): remove a block («desbloquea el jueves»)
    MARK_NO_SHOW = "mark_no_show"
    MARK_COMPLETED = "mark_completed"
    WALK_IN = "walk_in"
    CUSTOMER_HISTORY = "customer_history"
    MESSAGE_CUSTOMER = "message_customer"
    WEEK_PAGE = "week_page"  # extension (docs/nlu.md): the week's agenda as a web page
    # owner
    ADD_STAFF = "add_staff"
    REMOVE_STAFF = "remove_staff"
    SET_HOURS = "set_hours"
    ADD_SERVICE = "add_service"
    UPDATE_SERVICE = "update_service"
    STATS = "stats"


COMMON_INTENTS: frozenset[Intent] = frozenset(
    {
        Intent.GREET, Intent.THANKS, Intent.GOODBYE, Intent.AFFIRM, Intent.DENY,
        Intent.INFORM, Intent.STOP, Intent.HUMAN, Intent.OTHER,
    }
)
CUSTOMER_INTENTS: frozenset[Intent] = COMMON_INTENTS | {
    Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL, Intent.MY_APPOINTMENTS,
    Intent.ASK_SERVICES, Intent.ASK_HOURS, Intent.ASK_LOCATION, Intent.CANT_MAKE_IT,
}
# The contract gives staff only the customer intents that make sense on a customer's behalf.
STAFF_INTENTS: frozenset[Intent] = COMMON_INTENTS | {
    Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL,
    Intent.MY_SCHEDULE, Intent.BUSINESS_SCHEDULE, Intent.BLOCK_TIME, Intent.UNBLOCK, Intent.MARK_NO_SHOW,
    Intent.MARK_COMPLETED, Intent.WALK_IN, Intent.CUSTOMER_HISTORY, Intent.MESSAGE_CUSTOMER, Intent.WEEK_PAGE,
}
OWNER_INTENTS: frozenset[Intent] = STAFF_INTENTS | {
    Intent.ADD_STAFF, Intent.REMOVE_STAFF, Intent.SET_HOURS, Intent.ADD_SERVICE,
    Intent.UPDATE_SERVICE, Intent.STATS,
}

_INTENTS_BY_ROLE: dict[Role, frozenset[Intent]] = {
    Role.CUSTOMER: CUSTOMER_INTENTS,
    Role.STAFF: STAFF_INTENTS,
    Role.OWNER: OWNER_INTENTS,
}

# When an engine reads an intent the role does not have, the nearest one the role does have.
_ROLE_EQUIVALENTS: dict[tuple[Role, Intent], Intent] = {
    (Role.STAFF, Intent.MY_APPOINTMENTS): Intent.MY_SCHEDULE,
    (Role.OWNER, Intent.MY_APPOINTMENTS): Intent.MY_SCHEDULE,
    (Role.CUSTOMER, Intent.MY_SCHEDULE): Intent.MY_APPOINTMENTS,
    (Role.CUSTOMER, Intent.WEEK_PAGE): Intent.MY_APPOINTMENTS,
    # Staff who can't make it are asking about their own time off: the block flow asks what to block.
    (Role.STAFF, Intent.CANT_MAKE_IT): Intent.BLOCK_TIME,
    (Role.OWNER, Intent.CANT_MAKE_IT): Intent.BLOCK_TIME,
}
# Questions that may ride along another request (`Slots.also`).
ALSO_INTENTS: frozenset[Intent] = frozenset(
    {Intent.ASK_HOURS, Intent.ASK_LOCATION, Intent.ASK_SERVICES, Intent.MY_APPOINTMENTS}
)


def intents_for(role: Role) -> frozenset[Intent]:
    """The intents a role may have: its own and the common ones."""
    return _INTENTS_BY_ROLE[Role(role)]


def coerce_intent(intent: Intent, role: Role) -> Intent:
    """`intent` if the role has it, else its nearest equivalent for the role, else `other`."""
    if intent in intents_for(role):
        return intent
    return _ROLE_EQUIVALENTS.get((Role(role), intent), Intent.OTHER)


class Slots(BaseModel):
    """What a message carries. All optional; JSON names fixed by the contract.

    Extension slots (not in the contract, for the flows):
    - `weekdays`: recurring weekdays, mon..sun ("de lunes a viernes", "los sábados").
    - `services` / `all_services`: several catalog services, or "todos" (adding staff).
    - `new_service`: the name of a service that is not in the catalog yet (add_service).
    - `closed`: the business is closed on `weekdays`/`date` ("el domingo no abrimos").
    - `from_date` / `from_time`: the appointment being moved, when a reschedule names both
      ("cambia mi cita de mañana para el sábado": from_date = mañana, date = sábado).
    - `asap`: the earliest opening is wanted ("lo antes que se pueda").
    - `guest` / `guest_name` / `child`: the booking is for someone else ("para mi hijo Mateo"),
      their name, and whether they are a child.
    - `next_only`: only the next appointment, not the day ("¿qué sigue?").
    - `same_time`: the same hour as the appointment being moved or talked about ("a la misma hora").
    - `also`: questions asked besides the main intent ("¿abren el domingo? quiero corte" → ask_hours).
    - `language`: "en" when the message is in English.
    See docs/nlu.md for the rules of use.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    service: str | None = None
    date: dt.date | None = None
    date_end: dt.date | None = None
    time: dt.time | None = None
    time_end: dt.time | None = None
    part_of_day: PartOfDay | None = None
    person_name: str | None = None
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")
    staff: str | None = None
    choice: int | None = Field(default=None, ge=1)
    reason: str | None = None
    message: str | None = None
    price: Decimal | None = Field(default=None, ge=0)
    minutes: int | None = Field(default=None, ge=1)
    # extensions
    weekdays: list[Weekday] | None = None
    services: list[str] | None = None
    all_services: bool | None = None
    new_service: str | None = None
    closed: bool | None = None
    from_date: dt.date | None = None
    from_time: dt.time | None = None
    asap: bool | None = None
    guest: str | None = None
    guest_name: str | None = None
    child: bool | None = None
    next_only: bool | None = None
    same_time: bool | None = None
    also: list[Intent] | None = None
    language: Literal["en"] | None = None

    @field_serializer("time", "time_end", "from_time")
    def _hh_mm(self, value: dt.time | None) -> str | None:
        return None if value is None else value.strftime("%H:%M")

    @field_serializer("price")
    def _pesos(self, value: Decimal | None) -> int | float | None:
        if value is None:
            return None
        return int(value) if value == value.to_integral_value() else float(value)

    def to_json_dict(self) -> dict[str, Any]:
        """Only the non-empty slots, JSON-ready (dates ISO, times HH:MM, price a number)."""
        data = self.model_dump(mode="json", exclude_none=True)
        return {key: value for key, value in data.items() if value not in ([], "")}


# Which path decided the intent: the rules, the learned model (rules unsure), or Claude.
Engine = Literal["rules", "model", "claude"]


class Understanding(BaseModel):
    """One message understood: the intent, its slots, and which engine read it."""

    intent: Intent
    slots: Slots = Field(default_factory=Slots)
    engine: Engine = "rules"
    # True when the rule engine was certain (a button, yes/no, an awaited time, option or phone).
    fast_path: bool = False
    # Why Claude was not used for this message, when it should have been (never shown to users).
    fallback_reason: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """The contract's JSON shape: intent and the non-empty slots."""
        return {"intent": self.intent.value, "slots": self.slots.to_json_dict()}
