"""Staff: who works at the business, the services they perform and their recurring weekly hours."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.fields import (
    Name,
    Phone,
    RequestModel,
    ResponseModel,
    WeeklyHoursIn,
    WeeklyHoursOut,
    unchanged,
    weekly_hours_text,
)
from bot.api.routing import Call, NoBody, NoQuery, RouteTable
from bot.api.tenancy import owned
from bot.errors import ApiError, not_found
from scheduler.calendar import staff_hours
from store.agenda_links import revoke_agenda_links
from store.agenda_queries import staff_members
from store.hours import parse_weekly_hours, weekly_hours_to_json
from store.models import Permission, ServiceType, Staff, StaffHours, StaffRole, StaffService
from store.people import DEFAULT_EMPLOYEE_PERMISSIONS

routes = RouteTable("staff")

ServiceIds = Annotated[
    list[uuid.UUID],
    Field(max_length=200, description="The services this person performs; null: every service, including future ones"),
]
StaffHoursIn = Annotated[WeeklyHoursIn, Field(description="Recurring weekly hours; null: the business hours")]
Permissions = Annotated[
    dict[Permission, bool], Field(description="Changes over the employee defaults; owners may do everything")
]


class StaffCreate(RequestModel):
    name: Name
    phone: Phone
    role: StaffRole = StaffRole.employee
    permissions: Permissions = Field(default_factory=dict)
    active: bool = True
    services: ServiceIds | None = None
    hours: StaffHoursIn | None = None


class StaffChanges(RequestModel):
    """Fields to change; omitted fields stay as they are."""

    name: Name = unchanged()
    phone: Phone = unchanged()
    role: StaffRole = unchanged()
    permissions: Permissions = unchanged()
    active: bool = unchanged()
    services: ServiceIds | None = unchanged()
    hours: StaffHoursIn | None = unchanged()


class StaffFilter(RequestModel):
    include_inactive: bool = False


class StaffOut(ResponseModel):
    id: uuid.UUID
    name: str
    phone: str
    role: StaffRole
    permissions: dict[Permission, bool]
    active: bool
    offers_all_services: bool
    service_ids: list[uuid.UUID]  # empty when offers_all_services
    hours: WeeklyHoursOut | None  # null: works the business hours
    created_at: datetime
    updated_at: datetime


class StaffList(ResponseModel):
    items: list[StaffOut]


@routes.get("/organizations/{organization_id}/staff", query=StaffFilter, response=StaffList)
async def list_staff(call: Call[Any, StaffFilter]) -> StaffList:
    """The staff, by name (active ones unless include_inactive=true)."""
    members = await staff_members(call.session, call.org.id, include_inactive=call.query.include_inactive)
    return StaffList(items=await staff_out(call, members))


@routes.post("/organizations/{organization_id}/staff", body=StaffCreate, response=StaffOut, status=201)
async def create_staff(call: Call[StaffCreate, NoQuery]) -> StaffOut:
    """Add a staff member with their services and weekly hours (phone unique within the business)."""
    body = call.body
    await _refuse_duplicate_phone(call.session, call.org.id, body.phone)
    member = Staff(
        organization_id=call.org.id,
        name=body.name,
        phone=body.phone,
        wa_id=body.phone.lstrip("+"),
        role=body.role,
        permissions={**DEFAULT_EMPLOYEE_PERMISSIONS, **body.permissions},
        active=body.active,
        offers_all_services=body.services is None,
        created_at=call.now,
        updated_at=call.now,
    )
    call.session.add(member)
    await call.session.flush()
    await _set_services(call, member, body.services)
    await _set_hours(call.session, member, body.hours)
    return (await staff_out(call, [member]))[0]


@routes.get("/organizations/{organization_id}/staff/{staff_id}", response=StaffOut)
async def get_staff(call: Call[Any, NoQuery]) -> StaffOut:
    """One staff member with their services and hours."""
    member = await owned(call.session, Staff, call.ids["staff_id"], call.org.id, "staff member")
    return (await staff_out(call, [member]))[0]


@routes.patch("/organizations/{organization_id}/staff/{staff_id}", body=StaffChanges, response=StaffOut)
async def update_staff(call: Call[StaffChanges, NoQuery]) -> StaffOut:
    """Change a staff member; `services`/`hours` replace the lists (null: every service / business hours)."""
    member = await owned(call.session, Staff, call.ids["staff_id"], call.org.id, "staff member")
    body = call.body
    changes = body.model_fields_set
    if "phone" in changes and body.phone != member.phone:
        await _refuse_duplicate_phone(call.session, call.org.id, body.phone)
        member.phone = body.phone
        member.wa_id = body.phone.lstrip("+")
    for name in ("name", "role", "active"):
        if name in changes:
            setattr(member, name, getattr(body, name))
    if "permissions" in changes:
        member.permissions = {**DEFAULT_EMPLOYEE_PERMISSIONS, **(member.permissions or {}), **body.permissions}
    if "services" in changes:
        await _set_services(call, member, body.services, replace=True)
    if "hours" in changes:
        await _set_hours(call.session, member, body.hours, replace=True)
    member.updated_at = call.now
    await call.session.flush()
    return (await staff_out(call, [member]))[0]


class AgendaLinksRevoked(ResponseModel):
    revoked: int  # how many open week-page links stopped working


@routes.post(
    "/organizations/{organization_id}/staff/{staff_id}/agenda-links/revoke", body=NoBody, response=AgendaLinksRevoked
)
async def revoke_week_page_links(call: Call[NoBody, NoQuery]) -> AgendaLinksRevoked:
    """Close every open week-page link («ver mi semana») of a staff member at once, e.g. after a lost phone."""
    member = await owned(call.session, Staff, call.ids["staff_id"], call.org.id, "staff member")
    return AgendaLinksRevoked(revoked=await revoke_agenda_links(call.session, member.id, call.now))


async def _refuse_duplicate_phone(session: AsyncSession, organization_id: uuid.UUID, phone: str) -> None:
    existing = (
        await session.execute(select(Staff.id).where(Staff.organization_id == organization_id, Staff.phone == phone))
    ).scalar_one_or_none()
    if existing is not None:
        raise ApiError(
            409, "staff_exists", f"a staff member already has the phone {phone}", [{"staff_id": str(existing)}]
        )


async def _set_services(
    call: Call[Any, Any], member: Staff, service_ids: Sequence[uuid.UUID] | None, *, replace: bool = False
) -> None:
    wanted = list(dict.fromkeys(service_ids or ()))
    if wanted:
        known = set(
            (
                await call.session.execute(
                    select(ServiceType.id).where(ServiceType.organization_id == call.org.id, ServiceType.id.in_(wanted))
                )
            ).scalars()
        )
        missing = [service_id for service_id in wanted if service_id not in known]
        if missing:
            raise not_found("service", id=str(missing[0]))
    if replace:
        await call.session.execute(delete(StaffService).where(StaffService.staff_id == member.id))
    member.offers_all_services = service_ids is None
    call.session.add_all(StaffService(staff_id=member.id, service_id=service_id) for service_id in wanted)
    await call.session.flush()


async def _set_hours(
    session: AsyncSession, member: Staff, hours: dict[str, list[str]] | None, *, replace: bool = False
) -> None:
    weekly = parse_weekly_hours(hours) if hours is not None else {}
    if hours is not None and not any(weekly.values()):
        # No rows means "the business hours" in the store, so "never works" cannot be written this way.
        raise ApiError(
            422,
            "validation_error",
            "body.hours: has no working range at all; send null for the business hours, or set active=false",
            [{"field": "body.hours", "message": "no working range", "type": "empty_hours"}],
        )
    if replace:
        await session.execute(delete(StaffHours).where(StaffHours.staff_id == member.id))
    for weekday, ranges in weekly.items():
        for rng in ranges:
            session.add(StaffHours(staff_id=member.id, weekday=weekday, starts=rng.start_time, ends=rng.end_time))
    await session.flush()


async def staff_out(call: Call[Any, Any], members: Sequence[Staff]) -> list[StaffOut]:
    """The API's view of staff members, with their services and hours (two queries for the lot)."""
    ids = [member.id for member in members]
    hours = await staff_hours(call.session, ids)
    services: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if ids:
        rows = await call.session.execute(
            select(StaffService.staff_id, StaffService.service_id).where(StaffService.staff_id.in_(ids))
        )
        for staff_id, service_id in rows.all():
            services[staff_id].append(service_id)
    return [
        StaffOut(
            id=member.id,
            name=member.name,
            phone=member.phone,
            role=StaffRole(member.role),
            permissions={permission: member.may(permission) for permission in Permission},
            active=member.active,
            offers_all_services=member.offers_all_services,
            service_ids=[] if member.offers_all_services else sorted(services[member.id]),
            hours=weekly_hours_text(weekly_hours_to_json(hours[member.id])) if member.id in hours else None,
            created_at=member.created_at.astimezone(call.tz),
            updated_at=member.updated_at.astimezone(call.tz),
        )
        for member in members
    ]
