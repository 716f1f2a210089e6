"""Finding a business's customers by what staff say: a phone in any spelling, or words of a name."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.references import names_match
from store.models import ACTIVE_STATUSES, Appointment, Customer


async def customer_with_phone(session: AsyncSession, organization_id: uuid.UUID, phone: str) -> Customer | None:
    """The customer with this canonical phone (or who wrote from it)."""
    rows = await session.execute(
        select(Customer).where(
            Customer.organization_id == organization_id,
            or_(Customer.phone == phone, Customer.wa_id == phone.lstrip("+")),
        )
    )
    return rows.scalars().first()


async def customers_named(session: AsyncSession, organization_id: uuid.UUID, name: str) -> list[Customer]:
    """Customers whose name contains every word said («Roberto» → Roberto García, Roberto Díaz)."""
    rows = await session.execute(
        select(Customer)
        .where(Customer.organization_id == organization_id, Customer.name.is_not(None))
        .order_by(Customer.name)
    )
    return [customer for customer in rows.scalars().all() if names_match(name, customer.name)]


async def upcoming_of(session: AsyncSession, customer_id: uuid.UUID, now: datetime) -> list[Appointment]:
    """A customer's active appointments from now on, soonest first."""
    rows = await session.execute(
        select(Appointment)
        .where(
            Appointment.customer_id == customer_id,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at >= now,
        )
        .order_by(Appointment.starts_at)
    )
    return list(rows.scalars().all())


def reachable(customer: Customer) -> bool:
    """The customer can get a WhatsApp message (a phone, the id they wrote from, or a business-scoped id)."""
    return bool(customer.wa_id or customer.phone or customer.bsuid)
