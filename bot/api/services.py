"""Services: the menu of a business, with duration, price (integer cents) and buffer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.fields import Description, Name, PriceCents, RequestModel, ResponseModel, unchanged
from bot.api.routing import Call, NoQuery, RouteTable
from bot.api.tenancy import owned
from bot.errors import ApiError
from store.models import ServiceType

routes = RouteTable("services")

Minutes = Annotated[int, Field(ge=1, le=12 * 60, description="Length of the service in minutes")]
BufferMinutes = Annotated[
    int, Field(ge=0, le=240, description="Cleanup time after the service; the staff member is busy")
]


class ServiceCreate(RequestModel):
    name: Name
    description: Description | None = None
    duration_minutes: Minutes
    price_cents: PriceCents = 0
    buffer_minutes: BufferMinutes = 0
    active: bool = True


class ServiceChanges(RequestModel):
    """Fields to change; omitted fields stay as they are. A price change does not touch booked appointments."""

    name: Name = unchanged()
    description: Description | None = unchanged()
    duration_minutes: Minutes = unchanged()
    price_cents: PriceCents = unchanged()
    buffer_minutes: BufferMinutes = unchanged()
    active: bool = unchanged()


class ServiceFilter(RequestModel):
    include_inactive: bool = False


class ServiceOut(ResponseModel):
    id: uuid.UUID
    name: str
    description: str | None
    duration_minutes: int
    price_cents: int
    currency: str
    buffer_minutes: int
    active: bool
    created_at: datetime
    updated_at: datetime


class ServiceList(ResponseModel):
    items: list[ServiceOut]


@routes.get("/organizations/{organization_id}/services", query=ServiceFilter, response=ServiceList)
async def list_services(call: Call[Any, ServiceFilter]) -> ServiceList:
    """The services, by name (active ones unless include_inactive=true)."""
    query = select(ServiceType).where(ServiceType.organization_id == call.org.id).order_by(ServiceType.name)
    if not call.query.include_inactive:
        query = query.where(ServiceType.active.is_(True))
    rows = (await call.session.execute(query)).scalars()
    return ServiceList(items=[service_out(row, call) for row in rows])


@routes.post("/organizations/{organization_id}/services", body=ServiceCreate, response=ServiceOut, status=201)
async def create_service(call: Call[ServiceCreate, NoQuery]) -> ServiceOut:
    """Add a service to the menu (names are unique within a business)."""
    await _refuse_duplicate_name(call.session, call.org.id, call.body.name)
    service = ServiceType(
        organization_id=call.org.id, **call.body.model_dump(), created_at=call.now, updated_at=call.now
    )
    call.session.add(service)
    await call.session.flush()
    return service_out(service, call)


@routes.get("/organizations/{organization_id}/services/{service_id}", response=ServiceOut)
async def get_service(call: Call[Any, NoQuery]) -> ServiceOut:
    """One service."""
    return service_out(await owned(call.session, ServiceType, call.ids["service_id"], call.org.id, "service"), call)


@routes.patch("/organizations/{organization_id}/services/{service_id}", body=ServiceChanges, response=ServiceOut)
async def update_service(call: Call[ServiceChanges, NoQuery]) -> ServiceOut:
    """Change a service; `active: false` stops it being offered (booked appointments stay)."""
    service = await owned(call.session, ServiceType, call.ids["service_id"], call.org.id, "service")
    changes = call.body.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] != service.name:
        await _refuse_duplicate_name(call.session, call.org.id, changes["name"])
    for name, value in changes.items():
        setattr(service, name, value)
    service.updated_at = call.now
    await call.session.flush()
    return service_out(service, call)


async def _refuse_duplicate_name(session: AsyncSession, organization_id: uuid.UUID, name: str) -> None:
    existing = (
        await session.execute(
            select(ServiceType.id).where(ServiceType.organization_id == organization_id, ServiceType.name == name)
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise ApiError(
            409, "service_exists", f"there is already a service named {name!r}", [{"service_id": str(existing)}]
        )


def service_out(service: ServiceType, call: Call[Any, Any]) -> ServiceOut:
    """The API's view of a service."""
    return ServiceOut(
        id=service.id,
        name=service.name,
        description=service.description,
        duration_minutes=service.duration_minutes,
        price_cents=service.price_cents,
        currency=service.currency,
        buffer_minutes=service.buffer_minutes,
        active=service.active,
        created_at=service.created_at.astimezone(call.tz),
        updated_at=service.updated_at.astimezone(call.tz),
    )
