"""Tenant isolation, walked over every declared route: another organization's resources are a
404 (never a 403, never data), by its organization id, by guessed ids in the path, and by ids
referenced in bodies or queries. Missing or wrong tokens are a JSON 401 everywhere.

A new route must be added to SAMPLES, or `test_every_route_has_a_sample` fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.api import all_routes
from bot.api.routing import Route
from store.database import Database
from store.models import Appointment, ApiToken, Conversation, Customer, ServiceType, Staff, TimeBlock
from tests.bot.api import OPERATOR_TOKEN, Api, Tenant, make_tenant
from tests.bot.conftest import LUPITA
from tests.helpers import DON_CARLOS

# What only Uñas Lupita's data contains: none of it may reach Barbería Don Carlos's token.
LUPITA_SECRETS = ("Uñas Lupita", "Lupita Ortega", "Rosa Lupita-Cliente", "Manicure", "comida Lupita", "+52664", "Revolución")

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
    "open_slots": Sample(
        query=lambda ids: {"service": ids.service_id, "staff": ids.staff_id, "date_from": "2027-01-18"}, references="lookup"
    ),
    "staff_availability": Sample(query=lambda ids: {"date_from": "2027-01-18"}),
    "list_blocks": Sample(query=lambda ids: {"date_from": "2027-01-15"}),
    "create_block": Sample(
        body=lambda ids: {"starts_at": "2027-01-19T13:00:00-06:00", "ends_at": "2027-01-19T13:30:00-06:00", "reason": "x"}
    ),
    "delete_block": Sample(),
    "search_customers": Sample(query=lambda ids: {"name": "a"}),
    "create_customer": Sample(body=lambda ids: {"phone": "55 8888 2222"}),
    "get_customer": Sample(),
    "update_customer": Sample(body=lambda ids: {"notes": "Nota"}),
    "customer_history": Sample(),
    "list_appointments": Sample(query=lambda ids: {"staff": ids.staff_id, "customer": ids.customer_id}, references="filter"),
    "create_appointment": Sample(
        body=lambda ids: {
            "service_id": ids.service_id, "staff_id": ids.staff_id, "customer_id": ids.customer_id, "starts_at": _new_time(ids)
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


async def _ids(db: Database, tenant: Tenant, staff_handle: str) -> Ids:
    async with db.transaction() as session:
        appointment = (await session.execute(select(Appointment.id).where(Appointment.organization_id == tenant.id))).scalar_one()
        block = (await session.execute(select(TimeBlock.id).where(TimeBlock.organization_id == tenant.id))).scalar_one()
    return Ids(
        organization_id=str(tenant.id),
        service_id=str(next(iter(tenant.loaded.services.values()))),
        staff_id=tenant.staff(staff_handle),
        customer_id=str(next(iter(tenant.loaded.customers.values()))),
        appointment_id=str(appointment),
        block_id=str(block),
        conversation_id=str(tenant.conversation_id),
        token_id=str(tenant.token_id),
    )


@pytest.fixture
async def two_tenants(db: Database) -> tuple[Tenant, Ids, Tenant, Ids]:
    """Don Carlos (A) and Uñas Lupita (B), each with a service, staff, customer, appointment, block, conversation and token."""
    carlos = await make_tenant(
        db,
        DON_CARLOS,
        appointments=[{"customer": "miguel", "service": "Corte de cabello", "start": "2027-01-15T10:00", "staff": "pedro"}],
        blocks=[{"staff": "pedro", "start": "2027-01-15T14:00", "end": "2027-01-15T15:00", "reason": "comida"}],
    )
    lupita = await make_tenant(db, LUPITA)
    return carlos, await _ids(db, carlos, "pedro"), lupita, await _ids(db, lupita, "lupita")


def _path(route: Route, ids: Ids, **overrides: str) -> str:
    values = {**vars(ids), **overrides}
    return route.full_path.format(**{name: values[name] for name in route.path_ids})


async def _send(api: Api, route: Route, token: str | None, path_ids: Ids, ref_ids: Ids, **overrides: str) -> Any:
    sample = SAMPLES[route.handler.__name__]
    return await api.call(
        route.method,
        _path(route, path_ids, **overrides),
        token=token,
        json=sample.body(ref_ids) if sample.body else None,
        params=sample.query(ref_ids) if sample.query else None,
    )


async def _snapshot(db: Database, organization_id: str) -> list[Any]:
    """Everything of one organization the API could change, to prove it did not."""
    org = uuid.UUID(organization_id)
    rows: list[Any] = []
    async with db.transaction() as session:
        for model in (Appointment, TimeBlock, ServiceType, Staff, Customer, Conversation, ApiToken):
            found = (await session.execute(select(model).where(model.organization_id == org))).scalars().all()
            rows.extend(sorted((row.model_dump_json() for row in found)))
    return rows


def test_every_route_has_a_sample() -> None:
    assert {route.handler.__name__ for route in all_routes()} == set(SAMPLES)


async def test_every_route_answers_a_missing_or_wrong_token_with_a_json_401(api: Api, two_tenants: Any) -> None:
    carlos, a, _, _ = two_tenants
    failures = []
    for route in all_routes():
        for token in (None, "yume_wrong", carlos.token + "x"):
            reply = await _send(api, route, token, a, a)
            if reply.status != 401 or reply.code not in ("unauthorized", "invalid_token"):
                failures.append((route.method, route.path, token, reply.status, reply.json))
    assert failures == []


async def test_another_organizations_id_in_the_path_is_a_404_on_every_route(api: Api, db: Database, two_tenants: Any) -> None:
    carlos, a, lupita, b = two_tenants
    before = await _snapshot(db, b.organization_id)
    failures = []
    for route in all_routes():
        if "organization_id" not in route.path_ids:
            continue
        reply = await _send(api, route, carlos.token, b, b)
        leaked = [secret for secret in LUPITA_SECRETS if secret in reply.text]
        if reply.status != 404 or reply.code != "not_found" or leaked:
            failures.append((route.method, route.path, reply.status, reply.json, leaked))
    assert failures == []
    assert await _snapshot(db, b.organization_id) == before
    assert (await api.call("GET", lupita.path, token=lupita.token)).status == 200  # B's token still works


async def test_guessed_ids_of_another_organization_under_ones_own_are_a_404_on_every_route(
    api: Api, db: Database, two_tenants: Any
) -> None:
    carlos, a, lupita, b = two_tenants
    before = await _snapshot(db, b.organization_id)
    failures = []
    for route in all_routes():
        guessed = [name for name in route.path_ids if name != "organization_id"]
        if not guessed:
            continue
        for name in guessed:  # one foreign id at a time, the rest genuinely the caller's
            reply = await _send(api, route, carlos.token, a, a, **{name: getattr(b, name)})
            leaked = [secret for secret in LUPITA_SECRETS if secret in reply.text]
            if reply.status != 404 or leaked:
                failures.append((route.method, route.path, name, reply.status, reply.json, leaked))
            random_id = await _send(api, route, carlos.token, a, a, **{name: str(uuid.uuid4())})
            not_an_id = await _send(api, route, carlos.token, a, a, **{name: "1 OR 1=1"})
            if random_id.status != 404 or not_an_id.status != 404:
                failures.append((route.method, route.path, name, random_id.status, not_an_id.status))
    assert failures == []
    assert await _snapshot(db, b.organization_id) == before
    assert (await api.call("GET", lupita.path, token=lupita.token)).status == 200


async def test_ids_of_another_organization_in_bodies_and_queries_are_404_or_match_nothing(
    api: Api, db: Database, two_tenants: Any
) -> None:
    carlos, a, _, b = two_tenants
    before = await _snapshot(db, b.organization_id)
    failures = []
    for route in all_routes():
        sample = SAMPLES[route.handler.__name__]
        if sample.references is None:
            continue
        reply = await _send(api, route, carlos.token, a, b)
        leaked = [secret for secret in LUPITA_SECRETS if secret in reply.text]
        expected = 404 if sample.references == "lookup" else 200
        if reply.status != expected or leaked or (expected == 200 and reply.json["items"]):
            failures.append((route.method, route.path, reply.status, reply.json, leaked))
    assert failures == []
    assert await _snapshot(db, b.organization_id) == before


async def test_every_route_rejects_unknown_fields_with_a_json_422(api: Api, two_tenants: Any) -> None:
    carlos, a, _, _ = two_tenants
    failures = []
    for route in all_routes():
        sample = SAMPLES[route.handler.__name__]
        token = carlos.token if route.organization else OPERATOR_TOKEN
        if route.body.__name__ != "NoBody":
            body = {**(sample.body(a) if sample.body else {}), "unexpected_field": 1}
            reply = await api.call(route.method, _path(route, a), token=token, json=body)
            field = "body.unexpected_field"
        else:
            params = {**(sample.query(a) if sample.query else {}), "unexpected_field": "1"}
            reply = await api.call(route.method, _path(route, a), token=token, params=params)
            field = "query.unexpected_field"
        if reply.status != 422 or reply.code != "validation_error" or reply.json["error"]["details"][0]["field"] != field:
            failures.append((route.method, route.path, reply.status, reply.json))
    assert failures == []


async def test_every_route_works_for_its_own_organization(api: Api, two_tenants: Any) -> None:
    """The samples above are real requests: each succeeds for the caller's own data (happy path, once)."""
    carlos, a, _, _ = two_tenants
    failures = []
    order = sorted(all_routes(), key=lambda route: _LAST.index(route.handler.__name__) if route.handler.__name__ in _LAST else -1)
    for route in order:
        if route.handler.__name__ in ("complete_appointment", "mark_no_show"):
            continue  # need the appointment to have started: covered in test_appointments_api
        token = carlos.token if route.organization else OPERATOR_TOKEN
        reply = await _send(api, route, token, a, a)
        if reply.status >= 300 or any(secret in reply.text for secret in LUPITA_SECRETS):
            failures.append((route.method, route.path, reply.status, reply.json))
    assert failures == []


# Routes that destroy what the others use run last, in this order.
_LAST = ["cancel_appointment", "delete_block", "revoke_token"]
