"""A valid request for every API route, built from one tenant's ids; and two seeded tenants.

Shared by the tenant-isolation walk and the property test, so both cover every route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from store.database import Database
from store.models import Appointment, SpecialDay, TimeBlock
from tests.bot.api import Tenant, make_tenant
from tests.helpers import DON_CARLOS

# A second business, to prove one organization never sees another's data.
LUPITA = {
    "name": "Uñas Lupita",
    "timezone": "America/Tijuana",
    "address": "Av. Revolución 100, Tijuana",
    "hours": {day: ["09:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
    "services": [{"name": "Manicure", "minutes": 60, "price": 250}],
    "people": {
        "lupita": {"name": "Lupita Ortega", "phone": "664 111 2233", "role": "owner"},
        "rosa": {"name": "Rosa Lupita-Cliente", "phone": "664 999 8877", "role": "customer"},
    },
    "appointments": [{"customer": "rosa", "service": "Manicure", "start": "2027-01-15T10:00", "staff": "lupita"}],
    "blocks": [{"staff": "lupita", "start": "2027-01-15T14:00", "end": "2027-01-15T15:00", "reason": "comida Lupita"}],
    "special_days": [{"date": "2027-02-05", "reason": "inventario Lupita"}],
}

Refs = Callable[["Ids"], dict[str, Any]]


@dataclass
class Ids:
    """One tenant's ids, by path parameter name."""

    organization_id: str
    service_id: str
    staff_id: str  # the staff member who has the block and the appointment
    customer_id: str
    appointment_id: str
    block_id: str
    special_day_id: str
    conversation_id: str
    token_id: str


@dataclass(frozen=True)
class Sample:
    """A valid request for a route: its body and query, built from some tenant's ids."""

    body: Refs | None = None
    query: Refs | None = None
    # How ids of another tenant in the body/query behave: "lookup" → 404, "filter" → 200 with nothing of theirs.
    references: str | None = None


def _new_time(ids: Ids) -> str:
    return "2027-01-18T11:00:00-06:00"  # a Monday morning: open in both businesses


SAMPLES: dict[str, Sample] = {
    "create_organization": Sample(body=lambda ids: {"name": "Nueva"}),
    "get_organization": Sample(),
    "update_organization": Sample(body=lambda ids: {"name": "Cambiado", "settings": {"slot_step_minutes": 20}}),
    "issue_token": Sample(body=lambda ids: {"name": "panel"}),
    "list_tokens": Sample(),
    "revoke_token": Sample(),
    "list_services": Sample(query=lambda ids: {"include_inactive": "true"}),
    "create_service": Sample(body=lambda ids: {"name": "Nuevo servicio", "duration_minutes": 30}),
    "get_service": Sample(),
    "update_service": Sample(body=lambda ids: {"price_cents": 100}),
    "list_staff": Sample(query=lambda ids: {"include_inactive": "true"}),
    "create_staff": Sample(
        body=lambda ids: {"name": "Nuevo", "phone": "55 8888 1111", "services": [ids.service_id]}, references="lookup"
    ),
    "get_staff": Sample(),
    "update_staff": Sample(body=lambda ids: {"services": [ids.service_id]}, references="lookup"),
    "revoke_week_page_links": Sample(),
    "open_slots": Sample(
        query=lambda ids: {"service": ids.service_id, "staff": ids.staff_id, "date_from": "2027-01-18"},
        references="lookup",
    ),
    "staff_availability": Sample(query=lambda ids: {"date_from": "2027-01-18"}),
    "list_blocks": Sample(query=lambda ids: {"date_from": "2027-01-15"}),
    "create_block": Sample(
        body=lambda ids: {
            "starts_at": "2027-01-19T13:00:00-06:00",
            "ends_at": "2027-01-19T13:30:00-06:00",
            "reason": "x",
        }
    ),
    "delete_block": Sample(),
    "list_special_days": Sample(query=lambda ids: {"date_from": "2027-01-15"}),
    "set_special_day": Sample(body=lambda ids: {"date": "2027-02-06", "hours": ["10:00-14:00"]}),
    "delete_special_day": Sample(),
    "search_customers": Sample(query=lambda ids: {"name": "a"}),
    "create_customer": Sample(body=lambda ids: {"phone": "55 8888 2222"}),
    "get_customer": Sample(),
    "update_customer": Sample(body=lambda ids: {"notes": "Nota"}),
    "customer_history": Sample(),
    "list_appointments": Sample(
        query=lambda ids: {"staff": ids.staff_id, "customer": ids.customer_id}, references="filter"
    ),
    "create_appointment": Sample(
        body=lambda ids: {
            "service_id": ids.service_id,
            "staff_id": ids.staff_id,
            "customer_id": ids.customer_id,
            "starts_at": _new_time(ids),
        },
        references="lookup",
    ),
    "get_appointment": Sample(),
    "update_appointment": Sample(body=lambda ids: {"notes": "Nota"}),
    "reschedule_appointment": Sample(
        body=lambda ids: {"starts_at": "2027-01-19T11:00:00-06:00", "staff_id": ids.staff_id}, references="lookup"
    ),
    "cancel_appointment": Sample(body=lambda ids: {"reason": "x"}),
    "complete_appointment": Sample(body=lambda ids: {}),
    "mark_no_show": Sample(body=lambda ids: {}),
    "list_conversations": Sample(query=lambda ids: {"customer": ids.customer_id}, references="filter"),
    "get_conversation": Sample(),
    "list_messages": Sample(query=lambda ids: {"limit": "10"}),
    "hand_back": Sample(body=lambda ids: {}),
}


async def tenant_ids(db: Database, tenant: Tenant, staff_handle: str) -> Ids:
    async with db.transaction() as session:
        appointment = (
            await session.execute(select(Appointment.id).where(Appointment.organization_id == tenant.id))
        ).scalar_one()
        block = (await session.execute(select(TimeBlock.id).where(TimeBlock.organization_id == tenant.id))).scalar_one()
        special = (
            await session.execute(select(SpecialDay.id).where(SpecialDay.organization_id == tenant.id))
        ).scalar_one()
    return Ids(
        organization_id=str(tenant.id),
        service_id=str(next(iter(tenant.loaded.services.values()))),
        staff_id=tenant.staff(staff_handle),
        customer_id=str(next(iter(tenant.loaded.customers.values()))),
        appointment_id=str(appointment),
        block_id=str(block),
        special_day_id=str(special),
        conversation_id=str(tenant.conversation_id),
        token_id=str(tenant.token_id),
    )


async def seed_two_tenants(db: Database) -> tuple[Tenant, Ids, Tenant, Ids]:
    """Don Carlos (A) and Uñas Lupita (B), each with a service, staff, customer, appointment, block, chat, token."""
    carlos = await make_tenant(
        db,
        DON_CARLOS,
        special_days=[{"date": "2027-02-05", "reason": "inventario"}],
        appointments=[
            {"customer": "miguel", "service": "Corte de cabello", "start": "2027-01-15T10:00", "staff": "pedro"}
        ],
        blocks=[{"staff": "pedro", "start": "2027-01-15T14:00", "end": "2027-01-15T15:00", "reason": "comida"}],
    )
    lupita = await make_tenant(db, LUPITA)
    return carlos, await tenant_ids(db, carlos, "pedro"), lupita, await tenant_ids(db, lupita, "lupita")
