"""Customers: search by phone (any spelling) or name, add one, edit name and notes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.fields import Name, Notes, Page, Phone, RequestModel, ResponseModel, unchanged
from bot.api.routing import Call, NoQuery, RouteTable
from bot.api.tenancy import owned
from bot.errors import ApiError
from store.models import Customer, NameSource

routes = RouteTable("customers")


class CustomerSearch(Page):
    """Filters combine with AND; without any, every customer (newest first)."""

    phone: Phone | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None


class CustomerCreate(RequestModel):
    phone: Phone
    name: Name | None = None
    notes: Notes | None = None


class CustomerChanges(RequestModel):
    """Fields to change; omitted fields stay as they are."""

    name: Name | None = unchanged()
    notes: Notes | None = unchanged()


class CustomerOut(ResponseModel):
    id: uuid.UUID
    phone: str | None  # absent only for WhatsApp users known by their business-scoped id
    name: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


class CustomerList(ResponseModel):
    items: list[CustomerOut]
    limit: int
    offset: int


@routes.get("/organizations/{organization_id}/customers", query=CustomerSearch, response=CustomerList)
async def search_customers(call: Call[Any, CustomerSearch]) -> CustomerList:
    """Find customers by phone (written any way: "55 1234 5678", "+52 1 55…") or by part of the name."""
    search = call.query
    query = select(Customer).where(Customer.organization_id == call.org.id)
    if search.phone is not None:
        query = query.where(Customer.phone == search.phone)
    if search.name is not None:
        query = query.where(func.lower(Customer.name).contains(search.name.lower(), autoescape=True))
    query = query.order_by(Customer.created_at.desc(), Customer.id).limit(search.limit).offset(search.offset)
    rows = (await call.session.execute(query)).scalars()
    return CustomerList(items=[customer_out(row, call) for row in rows], limit=search.limit, offset=search.offset)


@routes.post("/organizations/{organization_id}/customers", body=CustomerCreate, response=CustomerOut, status=201)
async def create_customer(call: Call[CustomerCreate, NoQuery]) -> CustomerOut:
    """Add a customer (phone unique within the business: a second one is a 409 naming the first)."""
    existing = await customer_by_phone(call.session, call.org.id, call.body.phone)
    if existing is not None:
        raise ApiError(
            409,
            "customer_exists",
            f"a customer already has the phone {call.body.phone}",
            [{"customer_id": str(existing.id)}],
        )
    customer = new_customer(call, call.body.phone, call.body.name, call.body.notes)
    await call.session.flush()
    return customer_out(customer, call)


@routes.get("/organizations/{organization_id}/customers/{customer_id}", response=CustomerOut)
async def get_customer(call: Call[Any, NoQuery]) -> CustomerOut:
    """One customer."""
    return customer_out(await owned(call.session, Customer, call.ids["customer_id"], call.org.id, "customer"), call)


@routes.patch("/organizations/{organization_id}/customers/{customer_id}", body=CustomerChanges, response=CustomerOut)
async def update_customer(call: Call[CustomerChanges, NoQuery]) -> CustomerOut:
    """Correct a customer's name or the business's notes about them."""
    customer = await owned(call.session, Customer, call.ids["customer_id"], call.org.id, "customer")
    changes = call.body.model_fields_set
    if "name" in changes:
        customer.name = call.body.name
        customer.name_source = NameSource.staff if call.body.name else None
    if "notes" in changes:
        customer.notes = call.body.notes
    customer.updated_at = call.now
    await call.session.flush()
    return customer_out(customer, call)


async def customer_by_phone(session: AsyncSession, organization_id: uuid.UUID, phone: str) -> Customer | None:
    """The business's customer with this canonical phone, if any."""
    return (
        await session.execute(
            select(Customer).where(Customer.organization_id == organization_id, Customer.phone == phone)
        )
    ).scalar_one_or_none()


def new_customer(call: Call[Any, Any], phone: str, name: str | None, notes: str | None = None) -> Customer:
    """A customer added by the business (so a name given here comes from staff, not the customer)."""
    customer = Customer(
        organization_id=call.org.id,
        phone=phone,
        wa_id=phone.lstrip("+"),
        name=name,
        name_source=NameSource.staff if name else None,
        notes=notes,
        created_at=call.now,
        updated_at=call.now,
    )
    call.session.add(customer)
    return customer


def customer_out(customer: Customer, call: Call[Any, Any]) -> CustomerOut:
    """The API's view of a customer."""
    return CustomerOut(
        id=customer.id,
        phone=customer.phone,
        name=customer.name,
        notes=customer.notes,
        created_at=customer.created_at.astimezone(call.tz),
        updated_at=customer.updated_at.astimezone(call.tz),
    )
