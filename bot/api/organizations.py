"""Organizations: the operator creates them; each organization reads and edits its own.

The plan (free/paid) and its monthly booking limit are the operator's: an organization's own token
gets 403 on them. Every organization sees its usage this month (`usage`: bookings made, the limit,
what remains), counted as scheduler/plan.py says.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field, ValidationError, create_model
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.auth import Role
from bot.api.fields import (
    Address,
    Name,
    Phone,
    RequestModel,
    ResponseModel,
    TimeZoneName,
    WeeklyHoursIn,
    WeeklyHoursOut,
    unchanged,
    weekly_hours_text,
)
from bot.api.routing import Call, NoQuery, RouteTable, validation_error
from bot.errors import ApiError
from store.hours import parse_weekly_hours, weekly_hours_to_json
from store.models import BusinessSettings, Location, Organization, OrganizationKind, OrganizationStatus
from scheduler.plan import Plan, PlanUsage
from scheduler.usage import plan_usage
from store.organizations import DEFAULT_TIMEZONE

routes = RouteTable("organizations")


def _agenda_time(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"expected HH:MM (24 h), got {value!r}")
    return value


# Stricter than the stored model where a bad value would only fail later, in a background job.
_SETTINGS_OVERRIDES: dict[str, Any] = {
    "daily_agenda_time": Annotated[str | None, AfterValidator(_agenda_time)],
    "reminder_hours_before": Annotated[list[Annotated[int, Field(ge=1, le=168)]], Field(max_length=4)],
    "review_request_hours": Annotated[int | None, Field(ge=1, le=168)],
    "review_link": Annotated[str | None, Field(max_length=500)],
    "stale_flow_minutes": Annotated[int, Field(ge=5, le=7 * 24 * 60)],
    "takeover_quiet_hours": Annotated[int, Field(ge=1, le=30 * 24)],
}


LEGACY_LIMIT = "monthly_free_bookings"
BookingLimit = Annotated[int, Field(ge=0, le=100_000, description="bookings a month on the free plan (operator only)")]
PLAN_FIELDS = ("plan", "monthly_booking_limit")


def _settings_changes_model() -> type[RequestModel]:
    """The settings a request may change: BusinessSettings' fields, each optional (one source of truth)."""
    fields: dict[str, Any] = {}
    for name, info in BusinessSettings.model_fields.items():
        annotation = _SETTINGS_OVERRIDES.get(name)
        if annotation is None:
            annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = (annotation, unchanged())
    # The plan's limit used to live here, where a business could raise its own; it is the operator's
    # `monthly_booking_limit` now. Still accepted from the operator (as that), refused to a business.
    fields[LEGACY_LIMIT] = (BookingLimit | None, unchanged())
    return create_model(
        "SettingsChanges", __base__=RequestModel, __doc__="Settings to change; omitted keys stay as they are.", **fields
    )


SettingsChanges = _settings_changes_model()


class OrganizationCreate(RequestModel):
    """A new business."""

    name: Name
    phone: Phone | None = None
    timezone: TimeZoneName = DEFAULT_TIMEZONE
    address: Address | None = None
    business_hours: WeeklyHoursIn = Field(default_factory=dict)
    settings: SettingsChanges = Field(default_factory=SettingsChanges)  # type: ignore[valid-type]
    status: OrganizationStatus = OrganizationStatus.active
    # "platform": Yume's own WhatsApp number, where businesses sign up by chat (one per deployment).
    kind: OrganizationKind = OrganizationKind.business
    plan: Plan = Plan.free
    monthly_booking_limit: BookingLimit | None = None  # None: the free plan's default (50)


class OrganizationChanges(RequestModel):
    """Fields to change; omitted fields stay as they are. `status`, `plan` and `monthly_booking_limit`
    are the operator's to change (null limit: back to the free plan's default)."""

    name: Name = unchanged()
    phone: Phone | None = unchanged()
    timezone: TimeZoneName = unchanged()
    address: Address | None = unchanged()
    business_hours: WeeklyHoursIn = unchanged()
    settings: SettingsChanges = unchanged()  # type: ignore[valid-type]
    status: OrganizationStatus = unchanged()
    plan: Plan = unchanged()
    monthly_booking_limit: BookingLimit | None = unchanged()


class PlanUsageOut(ResponseModel):
    """This calendar month's bookings (in the business's timezone) against the plan."""

    month: str  # "2026-12"
    used: int  # bookings made this month, every source; cancelled ones still count
    limit: int | None  # None: no limit (paid plan)
    remaining: int | None
    at_limit: bool  # Yume hands new WhatsApp requests to the owner instead of booking them

    @classmethod
    def of(cls, usage: PlanUsage) -> PlanUsageOut:
        return cls(
            month=usage.month.strftime("%Y-%m"),
            used=usage.used,
            limit=usage.limit,
            remaining=usage.remaining,
            at_limit=usage.at_limit,
        )


class WhatsAppConnection(ResponseModel):
    phone_number_id: str | None
    waba_id: str | None
    connected: bool  # a Meta access token is stored (the token itself is never returned)


class OrganizationOut(ResponseModel):
    id: uuid.UUID
    name: str
    phone: str | None
    timezone: str
    status: OrganizationStatus
    kind: OrganizationKind
    plan: Plan
    monthly_booking_limit: int | None  # the operator's limit for the free plan; None: the default (50)
    usage: PlanUsageOut
    address: str | None
    business_hours: WeeklyHoursOut
    settings: BusinessSettings
    whatsapp: WhatsAppConnection
    created_at: datetime
    updated_at: datetime


@routes.post(
    "/organizations", body=OrganizationCreate, response=OrganizationOut, status=201, operator=True, organization=False
)
async def create_organization(call: Call[OrganizationCreate, NoQuery]) -> OrganizationOut:
    """Create a business with its hours, address, timezone and settings (operator only)."""
    body = call.body
    settings = _with_legacy_limit(body.settings, body, call.principal.role)
    organization = Organization(
        name=body.name,
        phone=body.phone,
        timezone=body.timezone,
        status=body.status,
        kind=body.kind,
        plan=body.plan,
        monthly_booking_limit=body.monthly_booking_limit,
        settings=_merged_settings({}, settings),
        created_at=call.now,
        updated_at=call.now,
    )
    call.session.add(organization)
    await call.session.flush()
    location = Location(
        organization_id=organization.id,
        address=body.address,
        business_hours=weekly_hours_to_json(parse_weekly_hours(body.business_hours)),
        created_at=call.now,
        updated_at=call.now,
    )
    call.session.add(location)
    await call.session.flush()
    return await organization_out(call.session, organization, location, call.now)


@routes.get("/organizations/{organization_id}", response=OrganizationOut, operator=True)
async def get_organization(call: Call[Any, NoQuery]) -> OrganizationOut:
    """The organization with its hours, address and settings."""
    return await organization_out(call.session, call.org, await primary_location(call.session, call.org), call.now)


@routes.patch("/organizations/{organization_id}", body=OrganizationChanges, response=OrganizationOut, operator=True)
async def update_organization(call: Call[OrganizationChanges, NoQuery]) -> OrganizationOut:
    """Change name, phone, timezone, address, business hours or settings (settings merge key by key)."""
    body = call.body
    changes = body.model_fields_set
    organization = call.org
    if "status" in changes and call.principal.role != Role.operator:
        raise ApiError(403, "forbidden", "only the operator changes an organization's status")
    operator_only = [name for name in PLAN_FIELDS if name in changes]
    if "settings" in changes and LEGACY_LIMIT in body.settings.model_fields_set:
        operator_only.append(f"settings.{LEGACY_LIMIT}")
    if operator_only and call.principal.role != Role.operator:
        raise ApiError(
            403, "forbidden", "only the operator changes the plan and its booking limit: " + ", ".join(operator_only)
        )
    if "plan" in changes:
        organization.plan = body.plan
    if "monthly_booking_limit" in changes:
        organization.monthly_booking_limit = body.monthly_booking_limit
    if "name" in changes:
        organization.name = body.name
    if "phone" in changes:
        organization.phone = body.phone
    if "timezone" in changes:
        organization.timezone = body.timezone
    if "status" in changes:
        organization.status = body.status
    if "settings" in changes:
        settings = _with_legacy_limit(body.settings, organization, call.principal.role)
        organization.settings = _merged_settings(organization.settings or {}, settings)
    organization.updated_at = call.now

    location = await primary_location(call.session, organization)
    if {"address", "business_hours"} & changes:
        if location is None:
            location = Location(organization_id=organization.id, created_at=call.now)
            call.session.add(location)
        if "address" in changes:
            location.address = body.address
        if "business_hours" in changes:
            location.business_hours = weekly_hours_to_json(parse_weekly_hours(body.business_hours))
        location.updated_at = call.now
    await call.session.flush()
    return await organization_out(call.session, organization, location, call.now)


def _with_legacy_limit(settings: RequestModel, target: Any, role: Role) -> RequestModel:
    """`settings.monthly_free_bookings` from the operator sets the limit; never stored in the settings."""
    if LEGACY_LIMIT not in settings.model_fields_set:
        return settings
    if role != Role.operator:
        raise ApiError(403, "forbidden", f"only the operator changes the plan and its booking limit: settings.{LEGACY_LIMIT}")
    target.monthly_booking_limit = getattr(settings, LEGACY_LIMIT)
    kept = settings.model_dump(exclude_unset=True, exclude={LEGACY_LIMIT})
    return type(settings).model_validate(kept)


def _merged_settings(current: dict[str, Any], changes: RequestModel) -> dict[str, Any]:
    merged = {**current, **changes.model_dump(mode="json", exclude_unset=True)}
    try:
        BusinessSettings.model_validate(merged)
    except ValidationError as error:  # e.g. null for a setting that needs a value
        raise validation_error(error, "body.settings") from error
    return merged


async def primary_location(session: AsyncSession, organization: Organization) -> Location | None:
    """The organization's location (one per business in v1)."""
    return (
        await session.execute(
            select(Location)
            .where(Location.organization_id == organization.id)
            .order_by(Location.is_primary.desc(), Location.created_at)
            .limit(1)
        )
    ).scalar_one_or_none()


async def organization_out(
    session: AsyncSession, organization: Organization, location: Location | None, now: datetime
) -> OrganizationOut:
    """The API's view of an organization, with this month's plan usage: never the Meta access token."""
    tz = ZoneInfo(organization.timezone)
    usage = await plan_usage(session, organization, now)
    return OrganizationOut(
        id=organization.id,
        name=organization.name,
        phone=organization.phone,
        timezone=organization.timezone,
        status=OrganizationStatus(organization.status),
        kind=OrganizationKind(organization.kind),
        plan=usage.plan,
        monthly_booking_limit=organization.monthly_booking_limit,
        usage=PlanUsageOut.of(usage),
        address=location.address if location else None,
        business_hours=weekly_hours_text(location.business_hours if location else {}),  # type: ignore[arg-type]
        settings=organization.business_settings(),
        whatsapp=WhatsAppConnection(
            phone_number_id=organization.wa_phone_number_id,
            waba_id=organization.waba_id,
            connected=organization.access_token_encrypted is not None,
        ),
        created_at=organization.created_at.astimezone(tz),
        updated_at=organization.updated_at.astimezone(tz),
    )
