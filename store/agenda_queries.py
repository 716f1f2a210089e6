"""Reading one business's agenda: its staff, appointments and blocks. The admin API and the week page
both read through these, so they can never disagree about what a business has (or leak another's).

Every query is scoped to one organization. Times are UTC instants; callers turn the business's
local days into them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from store.agenda import Appointment, TimeBlock
from store.people import Staff, StaffService

RowT = TypeVar("RowT", bound=SQLModel)


async def staff_members(
    session: AsyncSession, organization_id: uuid.UUID, *, include_inactive: bool = False
) -> list[Staff]:
    """The business's staff by name (active ones unless told otherwise)."""
    query = select(Staff).where(Staff.organization_id == organization_id).order_by(Staff.name, Staff.id)
    if not include_inactive:
        query = query.where(Staff.active.is_(True))
    return list((await session.execute(query)).scalars())


async def appointments_starting(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    staff_ids: Collection[uuid.UUID] | None = None,
    statuses: Collection[str] | None = None,
    customer_id: uuid.UUID | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Appointment]:
    """Appointments starting in [start, end), by start time, filtered by staff, status and customer."""
    query = select(Appointment).where(Appointment.organization_id == organization_id)
    if start is not None:
        query = query.where(Appointment.starts_at >= start)
    if end is not None:
        query = query.where(Appointment.starts_at < end)
    if staff_ids is not None:
        query = query.where(Appointment.staff_id.in_(list(staff_ids)))
    if statuses:
        query = query.where(Appointment.status.in_([str(status) for status in statuses]))
    if customer_id is not None:
        query = query.where(Appointment.customer_id == customer_id)
    query = query.order_by(Appointment.starts_at, Appointment.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.execute(query)).scalars())


async def blocks_overlapping(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    staff_ids: Collection[uuid.UUID],
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[TimeBlock]:
    """These staff members' blocks that overlap [start, end), by start time."""
    query = select(TimeBlock).where(
        TimeBlock.organization_id == organization_id, TimeBlock.staff_id.in_(list(staff_ids))
    )
    if start is not None:
        query = query.where(TimeBlock.ends_at > start)
    if end is not None:
        query = query.where(TimeBlock.starts_at < end)
    return list((await session.execute(query.order_by(TimeBlock.starts_at, TimeBlock.id))).scalars())


async def rows_by_id(
    session: AsyncSession, model: type[RowT], organization_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, RowT]:
    """This business's rows of `model` (customers, services) with these ids; others' are left out."""
    if not ids:
        return {}
    table = model.__table__  # type: ignore[attr-defined]
    query = select(model).where(table.c.organization_id == organization_id, table.c.id.in_(set(ids)))
    return {row.id: row for row in (await session.execute(query)).scalars()}  # type: ignore[attr-defined]


async def staff_who_perform_services(session: AsyncSession, staff: Sequence[Staff]) -> set[uuid.UUID]:
    """Those of `staff` who perform any service (an owner who only runs the place performs none)."""
    ids = {member.id for member in staff if member.offers_all_services}
    others = [member.id for member in staff if not member.offers_all_services]
    if others:
        rows = await session.execute(select(StaffService.staff_id).where(StaffService.staff_id.in_(others)).distinct())
        ids.update(rows.scalars())
    return ids
