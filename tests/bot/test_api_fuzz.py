"""Property: whatever JSON reaches the write endpoints, the answer is a 2xx or a 4xx (never a 5xx),
and the agenda's invariants still hold afterwards.

Bodies are either arbitrary JSON or the route's own fields filled with a mix of plausible and
hostile values (real and foreign ids, times near "now" with and without offsets, NUL characters,
huge numbers), so requests get past validation and into the booking rules.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.api import all_routes
from bot.api.routing import NoBody, Route
from store.database import Database
from store.models import ACTIVE_STATUSES, Appointment, Customer, ServiceType, Staff, StaffService, TimeBlock
from tests.bot.api import NOW, OPERATOR_TOKEN, Api, issue_token
from tests.bot.samples import SAMPLES, Ids

WRITE_ROUTES: list[Route] = [route for route in all_routes() if route.method != "GET"]
AGENDA = {
    "create_appointment",
    "reschedule_appointment",
    "cancel_appointment",
    "create_block",
    "delete_block",
    "update_staff",
}
# The routes that write the agenda are drawn four times as often: that is where the invariants live.
WEIGHTED_ROUTES = [route for route in WRITE_ROUTES for _ in range(4 if route.handler.__name__ in AGENDA else 1)]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def _times() -> st.SearchStrategy[str]:
    quarter_hours = st.integers(min_value=-3 * 96, max_value=10 * 96).map(lambda n: NOW + timedelta(minutes=15 * n))
    offsets = st.sampled_from(["-06:00", "Z", "+00:00", "-08:00", ""])

    def spell(moment: Any, offset: str) -> str:
        local = (
            moment.astimezone(NOW.tzinfo).replace(tzinfo=None).isoformat()
            if offset != "Z"
            else moment.replace(tzinfo=None).isoformat()
        )
        return local + offset

    return st.builds(spell, quarter_hours, offsets) | st.sampled_from(
        ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z", "mañana"]
    )


def _field_values(ids: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(ids),
        st.lists(st.sampled_from(ids), max_size=3),
        _times(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.integers(min_value=0, max_value=300),
        st.booleans(),
        st.sampled_from(
            [
                "",
                "a\x00b",
                "\ud800",
                "x" * 3000,
                "55 1234 5678",
                "+52 1 55 9876 5432",
                "America/Tijuana",
                "Mars/Olympus",
            ]
        ),
        st.dictionaries(
            st.sampled_from(["mon", "sat", "sun", "funday"]),
            st.lists(st.sampled_from(["10:00-14:00", "25:00-26:00", "9-5"]), max_size=2),
            max_size=2,
        ),
        json_values,
    )


def _body(data: st.DataObject, route: Route, ids: list[str], own: Ids) -> Any:
    if route.body is NoBody:
        return data.draw(st.one_of(st.just({}), json_values), label="body")
    fields = {name: _field_values(ids) for name in route.body.model_fields}
    flavor = data.draw(st.sampled_from(["valid, one change"] * 3 + ["route's fields", "any JSON"]), label="flavor")
    if flavor == "any JSON":
        return data.draw(json_values, label="body")
    if flavor == "route's fields":
        return data.draw(st.fixed_dictionaries({}, optional=fields), label="body")  # type: ignore[arg-type]
    # A valid request (fresh times, maybe one field swapped): gets past validation into the booking rules.
    sample = SAMPLES[route.handler.__name__].body
    body = dict(sample(own) if sample else {})
    body.update({name: data.draw(_times(), label=name) for name in route.body.model_fields if name.endswith("_at")})
    body.update(
        data.draw(st.dictionaries(st.sampled_from(sorted(fields)), _field_values(ids), max_size=1), label="change")
    )
    return body


async def _check_invariants(db: Database) -> None:
    """No overlapping active appointments or blocks per staff member; start < end; nothing crosses tenants."""
    async with db.transaction() as session:
        appointments = (await session.execute(select(Appointment))).scalars().all()
        blocks = (await session.execute(select(TimeBlock))).scalars().all()
        owners = {
            **{row.id: row.organization_id for row in (await session.execute(select(Staff))).scalars()},
            **{row.id: row.organization_id for row in (await session.execute(select(Customer))).scalars()},
            **{row.id: row.organization_id for row in (await session.execute(select(ServiceType))).scalars()},
        }
        links = (await session.execute(select(StaffService))).scalars().all()
    for appointment in appointments:
        assert appointment.starts_at < appointment.ends_at <= appointment.busy_until
        assert (
            owners[appointment.staff_id]
            == owners[appointment.customer_id]
            == owners[appointment.service_id]
            == appointment.organization_id
        )
    for link in links:
        assert owners[link.staff_id] == owners[link.service_id]
    active = sorted((a for a in appointments if a.status in ACTIVE_STATUSES), key=lambda a: (a.staff_id, a.starts_at))
    for before, after in zip(active, active[1:], strict=False):
        if before.staff_id == after.staff_id:
            assert before.busy_until <= after.starts_at, f"overlap: {before.id} and {after.id}"
    ordered_blocks = sorted(blocks, key=lambda b: (b.staff_id, b.starts_at))
    for block in ordered_blocks:
        assert block.starts_at < block.ends_at
    for before, after in zip(ordered_blocks, ordered_blocks[1:], strict=False):
        if before.staff_id == after.staff_id:
            assert before.ends_at <= after.starts_at


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
async def test_random_json_at_the_write_endpoints_gets_only_2xx_or_4xx_and_the_agenda_stays_valid(
    api: Api, db: Database, two_tenants: Any, data: st.DataObject
) -> None:
    carlos, a, _, b = two_tenants
    ids: list[str] = [value for tenant_ids in (a, b) for value in vars(tenant_ids).values()] + [str(uuid.uuid4())]
    route = data.draw(st.sampled_from(WEIGHTED_ROUTES), label="route")
    path_ids = {
        name: data.draw(st.sampled_from([getattr(a, name)] * 8 + [getattr(b, name), "nope"]), label=name)
        for name in route.path_ids
    }
    body = _body(data, route, ids, a)
    # Its own token, so that a fuzzed revocation (of the tenant's token in `a`) cannot lock the test out.
    token = (await issue_token(db, carlos.id, "fuzz"))[0] if route.organization else OPERATOR_TOKEN
    reply = await api.call(route.method, route.full_path.format(**path_ids), token=token, data=json.dumps(body))
    message = reply.json["error"]["message"][:50] if reply.code else ""
    event(f"{route.handler.__name__} → {reply.status} {reply.code or ''} {message}")
    assert 200 <= reply.status < 500, (route.method, route.path, body, reply.status, reply.text)
    if reply.status >= 400:
        assert set(reply.json["error"]) == {"code", "message", "details"}
    await _check_invariants(db)


def test_the_fuzzed_routes_are_every_write_route() -> None:
    assert {route.handler.__name__ for route in WRITE_ROUTES} >= {
        "create_appointment",
        "reschedule_appointment",
        "cancel_appointment",
        "create_block",
        "create_staff",
        "update_organization",
    }
