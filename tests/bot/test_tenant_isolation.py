"""Tenant isolation, walked over every declared route: another organization's resources are a
404 (never a 403, never data), by its organization id, by guessed ids in the path, and by ids
referenced in bodies or queries. Missing or wrong tokens are a JSON 401 everywhere.

A new route must be added to tests/bot/samples.py SAMPLES, or `test_every_route_has_a_sample` fails.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from bot.api import all_routes
from bot.api.routing import Route
from store.database import Database
from store.models import ApiToken, Appointment, Conversation, Customer, ServiceType, Staff, SpecialDay, TimeBlock
from tests.bot.api import OPERATOR_TOKEN, Api
from tests.bot.samples import SAMPLES, Ids

# What only Uñas Lupita's data contains: none of it may reach Barbería Don Carlos's token.
LUPITA_SECRETS = (
    "Uñas Lupita",
    "Lupita Ortega",
    "Rosa Lupita-Cliente",
    "Manicure",
    "comida Lupita",
    "+52664",
    "Revolución",
)


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
        for model in (Appointment, TimeBlock, SpecialDay, ServiceType, Staff, Customer, Conversation, ApiToken):
            found = (await session.execute(select(model).where(model.organization_id == org))).scalars().all()
            rows.extend(sorted(row.model_dump_json() for row in found))
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


async def test_another_organizations_id_in_the_path_is_a_404_on_every_route(
    api: Api, db: Database, two_tenants: Any
) -> None:
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
        if (
            reply.status != 422
            or reply.code != "validation_error"
            or reply.json["error"]["details"][0]["field"] != field
        ):
            failures.append((route.method, route.path, reply.status, reply.json))
    assert failures == []


async def test_every_route_works_for_its_own_organization(api: Api, two_tenants: Any) -> None:
    """The samples above are real requests: each succeeds for the caller's own data (happy path, once)."""
    carlos, a, _, _ = two_tenants
    failures = []
    order = sorted(
        all_routes(), key=lambda route: _LAST.index(route.handler.__name__) if route.handler.__name__ in _LAST else -1
    )
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
