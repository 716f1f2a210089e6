"""Business files: a whole salon written as YAML (spec/fixtures.md "Business"), loaded into the store.

Used by the demo, by fixture replay and by benchmarks. Existing appointments and blocks in the
file are history, not requests: they are written as given (the database constraints still hold).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from store.hours import WEEKDAY_KEYS, HoursRange, normalize_day, parse_weekly_hours, weekly_hours_to_json
from store.models import (
    Appointment,
    AppointmentSource,
    Customer,
    Location,
    NameSource,
    Organization,
    OrganizationKind,
    ServiceType,
    SpecialDay,
    Staff,
    StaffHours,
    StaffRole,
    StaffService,
    TimeBlock,
)
from store.organizations import DEFAULT_TIMEZONE, BusinessSettings
from store.phones import canonical_phone
from store.types import utcnow


class ServiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    minutes: int = Field(gt=0, le=720)
    price: Decimal = Field(ge=0)
    buffer_minutes: int = Field(default=0, ge=0)
    description: str | None = None


class PersonSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["owner", "staff", "customer"]
    phone: str
    name: str | None = None
    services: list[str] | None = None  # None: every service; []: none
    hours: dict[str, list[str]] | None = None
    permissions: dict[str, bool] | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return canonical_phone(str(value))


class AppointmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: str
    service: str
    start: datetime
    staff: str | None = None
    status: Literal["pending", "confirmed", "completed", "cancelled", "no_show"] = "confirmed"
    source: str = AppointmentSource.whatsapp
    notes: str | None = None
    # Extension (fixtures/README.md): when it was booked (local); the plan counts bookings by month made.
    booked: datetime | None = None


class BlockSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff: str
    start: datetime
    end: datetime
    reason: str | None = None


class SpecialDaySpec(BaseModel):
    """A date closed for everyone (no hours) or with its own short hours (extension, fixtures/README.md)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    hours: list[str] = Field(default_factory=list)
    reason: str | None = None

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        normalize_day(HoursRange.parse(item) for item in value)
        return value


class BusinessSpec(BaseModel):
    """A business as the fixture format writes it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    timezone: str = DEFAULT_TIMEZONE
    address: str | None = None
    phone: str | None = None
    # Extension: Yume's own number, where new businesses sign up by chat (fixtures/README.md).
    platform: bool = False
    hours: dict[str, list[str]] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    services: list[ServiceSpec] = Field(default_factory=list)
    people: dict[str, PersonSpec] = Field(default_factory=dict)
    appointments: list[AppointmentSpec] = Field(default_factory=list)
    blocks: list[BlockSpec] = Field(default_factory=list)
    special_days: list[SpecialDaySpec] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {value!r}") from error
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        parse_weekly_hours(value)  # raises InvalidHours with a clear message
        return value

    @field_validator("settings")
    @classmethod
    def _settings(cls, value: dict[str, Any]) -> dict[str, Any]:
        BusinessSettings.model_validate(value)
        return value

    @model_validator(mode="after")
    def _references(self) -> BusinessSpec:
        services = {service.name for service in self.services}
        for handle, person in self.people.items():
            for name in person.services or []:
                if name not in services:
                    raise ValueError(f"person {handle!r} offers unknown service {name!r}")
            if person.hours is not None:
                parse_weekly_hours(person.hours)
        return self

    @classmethod
    def from_file(cls, path: str | Path) -> BusinessSpec:
        """Read and validate a business YAML file."""
        with open(path, encoding="utf-8") as handle:
            return cls.model_validate(yaml.safe_load(handle))


@dataclass
class LoadedBusiness:
    """The ids of what was created, by the handles and names the file used."""

    organization_id: uuid.UUID
    tz: ZoneInfo
    staff: dict[str, uuid.UUID] = field(default_factory=dict)
    customers: dict[str, uuid.UUID] = field(default_factory=dict)
    services: dict[str, uuid.UUID] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)  # handle → canonical phone


def local_to_utc(moment: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in the business timezone (or an aware one) as aware UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(ZoneInfo("UTC"))


async def load_business(
    session: AsyncSession,
    spec: BusinessSpec,
    *,
    settings_overrides: dict[str, Any] | None = None,
    wa_phone_number_id: str | None = None,
    history_booked_at: datetime | None = None,
) -> LoadedBusiness:
    """Create the organization, location, services, people, appointments, blocks and special days of `spec`."""
    tz = ZoneInfo(spec.timezone)
    settings = {**spec.settings, **(settings_overrides or {})}
    BusinessSettings.model_validate(settings)
    organization = Organization(
        name=spec.name,
        phone=canonical_phone(spec.phone) if spec.phone else None,
        timezone=spec.timezone,
        settings=settings,
        wa_phone_number_id=wa_phone_number_id,
        kind=OrganizationKind.platform if spec.platform else OrganizationKind.business,
    )
    session.add(organization)
    await session.flush()
    location = Location(
        organization_id=organization.id,
        address=spec.address,
        business_hours=weekly_hours_to_json(parse_weekly_hours(spec.hours)),
    )
    session.add(location)
    loaded = LoadedBusiness(organization_id=organization.id, tz=tz)

    for service_spec in spec.services:
        service = ServiceType(
            organization_id=organization.id,
            name=service_spec.name,
            description=service_spec.description,
            duration_minutes=service_spec.minutes,
            price_cents=int(service_spec.price * 100),
            buffer_minutes=service_spec.buffer_minutes,
        )
        session.add(service)
        loaded.services[service.name] = service.id

    for handle, person in spec.people.items():
        loaded.phones[handle] = person.phone
        if person.role == "customer":
            customer = Customer(
                organization_id=organization.id,
                phone=person.phone,
                wa_id=person.phone.lstrip("+"),
                name=person.name,
                name_source=NameSource.customer if person.name else None,
            )
            session.add(customer)
            loaded.customers[handle] = customer.id
            continue
        staff = Staff(
            organization_id=organization.id,
            location_id=location.id,
            name=person.name or handle.capitalize(),
            phone=person.phone,
            role=StaffRole.owner if person.role == "owner" else StaffRole.employee,
            offers_all_services=person.services is None,
        )
        if person.permissions:
            staff.permissions = {**staff.permissions, **person.permissions}
        session.add(staff)
        loaded.staff[handle] = staff.id
        for name in person.services or []:
            session.add(StaffService(staff_id=staff.id, service_id=loaded.services[name]))
        for weekday, ranges in parse_weekly_hours(person.hours).items() if person.hours is not None else ():
            for rng in ranges:
                session.add(
                    StaffHours(
                        staff_id=staff.id,
                        weekday=weekday,
                        starts=rng.start_time,
                        ends=rng.end_time,
                    )
                )
    await session.flush()
    await add_appointments(session, spec, loaded, spec.appointments, location_id=location.id, booked_at=history_booked_at)
    await add_blocks(session, loaded, spec.blocks)
    for special in spec.special_days:
        hours = normalize_day(HoursRange.parse(item) for item in special.hours)
        session.add(
            SpecialDay(
                organization_id=organization.id,
                location_id=location.id,
                day=special.date,
                hours=[str(item).split("-") for item in hours],
                reason=special.reason,
            )
        )
    await session.flush()
    return loaded


async def add_appointments(
    session: AsyncSession,
    spec: BusinessSpec,
    loaded: LoadedBusiness,
    appointments: list[AppointmentSpec],
    location_id: uuid.UUID | None = None,
    booked_at: datetime | None = None,
) -> list[Appointment]:
    """Write existing appointments; a staff-less one goes to the first person offering the service.

    `booked_at`: when history without its own `booked` was made (default: now, for the demo).
    """
    services = {service.name: service for service in spec.services}
    created: list[Appointment] = []
    for item in appointments:
        if item.service not in services:
            raise ValueError(f"appointment names unknown service {item.service!r}")
        service = services[item.service]
        customer_id = await _customer_for(session, loaded, item.customer)
        staff_handle = item.staff or _first_staff_for(spec, item.service)
        if staff_handle not in loaded.staff:
            raise ValueError(f"appointment names unknown staff {staff_handle!r}")
        start = local_to_utc(item.start, loaded.tz)
        end = start + timedelta(minutes=service.minutes)
        appointment = Appointment(
            organization_id=loaded.organization_id,
            location_id=location_id,
            customer_id=customer_id,
            staff_id=loaded.staff[staff_handle],
            service_id=loaded.services[item.service],
            starts_at=start,
            ends_at=end,
            busy_until=start + timedelta(minutes=service.minutes + service.buffer_minutes),
            status=item.status,
            # History: a finished appointment was marked so when it ended (review requests count from then).
            status_changed_at=end if item.status in ("completed", "no_show") else None,
            source=item.source,
            price_cents=int(service.price * 100),
            notes=item.notes,
            created_at=local_to_utc(item.booked, loaded.tz) if item.booked else booked_at or utcnow(),
        )
        session.add(appointment)
        created.append(appointment)
    await session.flush()
    return created


async def add_blocks(session: AsyncSession, loaded: LoadedBusiness, blocks: list[BlockSpec]) -> list[TimeBlock]:
    """Write existing time blocks."""
    created: list[TimeBlock] = []
    for item in blocks:
        if item.staff not in loaded.staff:
            raise ValueError(f"block names unknown staff {item.staff!r}")
        block = TimeBlock(
            organization_id=loaded.organization_id,
            staff_id=loaded.staff[item.staff],
            starts_at=local_to_utc(item.start, loaded.tz),
            ends_at=local_to_utc(item.end, loaded.tz),
            reason=item.reason,
        )
        session.add(block)
        created.append(block)
    await session.flush()
    return created


async def _customer_for(session: AsyncSession, loaded: LoadedBusiness, handle: str) -> uuid.UUID:
    if handle in loaded.customers:
        return loaded.customers[handle]
    # Not a handle: a phone number of someone not listed under people.
    phone = canonical_phone(handle)
    customer = Customer(organization_id=loaded.organization_id, phone=phone, wa_id=phone.lstrip("+"))
    session.add(customer)
    await session.flush()
    loaded.customers[handle] = customer.id
    return customer.id


def _first_staff_for(spec: BusinessSpec, service: str) -> str:
    for handle, person in spec.people.items():
        if person.role != "customer" and (person.services is None or service in person.services):
            return handle
    raise ValueError(f"nobody offers {service!r}")


__all__ = [
    "WEEKDAY_KEYS",
    "AppointmentSpec",
    "BlockSpec",
    "BusinessSpec",
    "LoadedBusiness",
    "PersonSpec",
    "ServiceSpec",
    "SpecialDaySpec",
    "add_appointments",
    "add_blocks",
    "load_business",
    "local_to_utc",
]
