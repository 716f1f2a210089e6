"""What the NLU knows about a business: its services, staff names, hours and timezone.

Read from the fixture "Business" YAML shape (`spec/fixtures.md`). Customers listed in a business
file are deliberately dropped: the NLU, and so the LLM prompt, never sees customers' data.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from nlu.understanding import WEEKDAYS, Weekday

DEFAULT_TIMEZONE = "America/Mexico_City"

TimeRange = tuple[dt.time, dt.time]
_RANGE = re.compile(r"(?P<start>\d{2}:\d{2})\s*-\s*(?P<end>\d{2}:\d{2})")
WeekHours = Mapping[Weekday, list[TimeRange]]


class CatalogError(ValueError):
    """A business mapping that cannot be read as a catalog."""


class Service(BaseModel):
    """A service the business sells."""

    model_config = ConfigDict(frozen=True)

    name: str
    minutes: int = Field(gt=0)
    price: Decimal = Field(ge=0)


class StaffMember(BaseModel):
    """A person who works at the business (the owner too)."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: Literal["owner", "staff"] = "staff"


class Catalog(BaseModel):
    """The business as the NLU sees it: names to match and hours to read bare times with."""

    name: str
    timezone: str = DEFAULT_TIMEZONE
    address: str | None = None
    services: list[Service] = Field(default_factory=list)
    staff: list[StaffMember] = Field(default_factory=list)
    hours: dict[Weekday, list[TimeRange]] = Field(default_factory=dict)

    _matcher: Any = PrivateAttr(default=None)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The business timezone."""
        return ZoneInfo(self.timezone)

    @property
    def service_names(self) -> list[str]:
        """Service names exactly as in the catalog."""
        return [service.name for service in self.services]

    @property
    def staff_names(self) -> list[str]:
        """Staff names (owner included) exactly as in the catalog."""
        return [member.name for member in self.staff]

    def week_hours(self) -> dict[Weekday, list[TimeRange]]:
        """Opening ranges for every weekday, mon..sun; a closed day is an empty list."""
        return {day: list(self.hours.get(day, [])) for day in WEEKDAYS}

    def matcher(self) -> Any:
        """The service/staff matcher for this catalog, built once (see `nlu.matching`)."""
        if self._matcher is None:
            from nlu.matching import CatalogMatcher

            self._matcher = CatalogMatcher(self)
        return self._matcher

    @classmethod
    def from_business_mapping(cls, data: Mapping[str, Any]) -> Catalog:
        """Read a fixture "Business" mapping (hours as "HH:MM-HH:MM", people with roles)."""
        if not isinstance(data, Mapping) or not data.get("name"):
            raise CatalogError("a business needs at least a name")
        services = [
            Service(name=str(item["name"]), minutes=int(item["minutes"]), price=Decimal(str(item["price"])))
            for item in data.get("services") or []
        ]
        staff = [
            StaffMember(name=str(person["name"]), role=person["role"])
            for person in (data.get("people") or {}).values()
            if isinstance(person, Mapping) and person.get("role") in ("owner", "staff") and person.get("name")
        ]
        hours_data = data.get("hours") or {}
        unknown = set(hours_data) - set(WEEKDAYS)
        if unknown:
            raise CatalogError(f"unknown weekday keys in hours: {sorted(unknown)} (use mon..sun)")
        hours = {day: [parse_time_range(text) for text in ranges or []] for day, ranges in hours_data.items()}
        return cls(
            name=str(data["name"]),
            timezone=str(data.get("timezone") or DEFAULT_TIMEZONE),
            address=data.get("address"),
            services=services,
            staff=staff,
            hours=hours,
        )

    @classmethod
    def from_business_file(cls, path: str | Path) -> Catalog:
        """Read a business YAML file, or the inline `business:` mapping of a conversation fixture."""
        import yaml

        path = Path(path)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, Mapping) and "turns" in data:
            business = data.get("business")
            if isinstance(business, str):
                return cls.from_business_file(path.parent / business)
            data = business
        if not isinstance(data, Mapping):
            raise CatalogError(f"{path}: not a business mapping")
        return cls.from_business_mapping(data)


def parse_time_range(text: str) -> TimeRange:
    """'10:00-20:00' → (10:00, 20:00); the end must come after the start."""
    match = _RANGE.fullmatch(str(text).strip())
    try:
        if match is None:
            raise ValueError(text)
        start, end = dt.time.fromisoformat(match["start"]), dt.time.fromisoformat(match["end"])
    except ValueError as exc:
        raise CatalogError(f"bad hours range {text!r}, expected 'HH:MM-HH:MM'") from exc
    if end <= start:
        raise CatalogError(f"bad hours range {text!r}: it ends before it starts")
    return start, end


@functools.cache
def demo_catalog() -> Catalog:
    """The built-in demo business used when no `--business` is given: a barbershop with nails.

    Cached: one shared instance (treat it as read-only).
    """
    weekday = ["10:00-20:00"]
    return Catalog.from_business_mapping(
        {
            "name": "Barbería y Uñas Yume",
            "timezone": DEFAULT_TIMEZONE,
            "address": "Calle Hidalgo 22, Coyoacán",
            "hours": {"mon": weekday, "tue": weekday, "wed": weekday, "thu": weekday,
                      "fri": weekday, "sat": ["09:00-15:00"]},
            "services": [
                {"name": "Corte de cabello", "minutes": 45, "price": 150},
                {"name": "Arreglo de barba", "minutes": 30, "price": 100},
                {"name": "Corte y barba", "minutes": 60, "price": 220},
                {"name": "Manicure", "minutes": 45, "price": 200},
                {"name": "Pedicure", "minutes": 60, "price": 250},
                {"name": "Mani + Pedi", "minutes": 90, "price": 400},
            ],
            "people": {
                "carlos": {"name": "Carlos Mendoza", "role": "owner"},
                "pedro": {"name": "Pedro Ruiz", "role": "staff"},
                "maria": {"name": "María López", "role": "staff"},
            },
        }
    )
