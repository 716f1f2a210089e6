"""Field types shared by the API's request and response models.

Times: ISO 8601 strings with a UTC offset, in and out (out: in the business's timezone). Naive
times are refused, never guessed: a wrong guess moves an appointment by hours. Dates (slots,
agenda ranges) are days of the business's local calendar. Money: integer cents (MXN).
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from store.hours import WEEKDAY_KEYS, InvalidHours, parse_weekly_hours, weekly_hours_to_json
from store.phones import InvalidPhone, canonical_phone

# Instants outside this range are typos (or attacks on date arithmetic), not bookings.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_PRICE_CENTS = 100_000_000  # one million pesos


class RequestModel(BaseModel):
    """Base of every request body and query: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class ResponseModel(BaseModel):
    """Base of every response body."""


def _iso_text(value: Any) -> Any:
    # Pydantic would also take Unix timestamps; the API speaks ISO 8601 only.
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 string")
    return value


def _with_offset(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{value.isoformat()} has no UTC offset; add one, e.g. {value.isoformat()}-06:00 for Mexico City"
        )
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between the years 2000 and 2099")
    return value


def _in_range(value: date) -> date:
    if not EARLIEST.date() <= value < LATEST.date():
        raise ValueError("must be between the years 2000 and 2099")
    return value


Instant = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_with_offset),
    Field(description="ISO 8601 date-time with a UTC offset, e.g. 2027-01-15T16:00:00-06:00"),
]
LocalDate = Annotated[
    date,
    BeforeValidator(_iso_text),
    AfterValidator(_in_range),
    Field(description="A day in the business's local calendar, YYYY-MM-DD"),
]


def _phone(value: str) -> str:
    try:
        return canonical_phone(value)
    except InvalidPhone as error:
        raise ValueError(f"not a phone number ({error}); write it like 55 1234 5678 or +52 55 1234 5678") from error


Phone = Annotated[
    str,
    StringConstraints(min_length=1, max_length=40),
    AfterValidator(_phone),
    Field(description="Any usual spelling (55 1234 5678, +52 1 55…, 521…); stored and returned as E.164"),
]


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
CancellationReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
BlockReason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
PriceCents = Annotated[int, Field(ge=0, le=MAX_PRICE_CENTS, description="Integer cents of MXN: 15000 is $150.00")]


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError(f"unknown IANA timezone {value!r}; e.g. America/Mexico_City, America/Tijuana")
    return value


TimeZoneName = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_timezone),
    Field(description="IANA timezone, e.g. America/Mexico_City"),
]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HoursRangeText = Annotated[
    str, StringConstraints(max_length=11), Field(description='"HH:MM-HH:MM", e.g. "10:00-14:00"')
]


def _weekly_hours(value: dict[str, list[str]]) -> dict[str, list[str]]:
    try:
        return weekly_hours_text(weekly_hours_to_json(parse_weekly_hours(value)))
    except InvalidHours as error:
        raise ValueError(str(error)) from error


WeeklyHoursIn = Annotated[
    dict[Weekday, Annotated[list[HoursRangeText], Field(max_length=6)]],
    AfterValidator(_weekly_hours),
    Field(
        description="Opening ranges per weekday; split shifts allowed, a missing or empty day is closed: "
        '{"mon": ["10:00-14:00", "16:00-20:00"], "sun": []}',
        examples=[{"mon": ["10:00-14:00", "16:00-20:00"], "sat": ["09:00-15:00"], "sun": []}],
    ),
]
WeeklyHoursOut = Annotated[dict[Weekday, list[str]], Field(description="Every weekday, ranges as HH:MM-HH:MM")]


def weekly_hours_text(stored: dict[str, list[list[str]]]) -> dict[str, list[str]]:
    """The stored form ({"mon": [["10:00", "14:00"]]}) as the API writes it ({"mon": ["10:00-14:00"]})."""
    return {day: ["-".join(pair) for pair in stored.get(day, [])] for day in WEEKDAY_KEYS}


class Page(RequestModel):
    """Pagination for list endpoints."""

    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=100_000)


def _no_default_in_schema(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def unchanged() -> Any:
    """Default of a PATCH field: omitted means "leave as is" (read `model_fields_set`); the
    field's own type decides whether an explicit null is accepted (it clears the value)."""
    return Field(default=None, json_schema_extra=_no_default_in_schema)
