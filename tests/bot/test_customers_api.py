"""Customers: found by phone however it is written, or by part of the name; their history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduler.clock import FrozenClock
from tests.bot.api import Api, Tenant

MIGUEL_PHONE = "+525543218765"


@pytest.mark.parametrize(
    "written", ["55 4321 8765", "+52 1 55 4321 8765", "5215543218765", "044 55 4321 8765", "(55) 4321-8765"]
)
async def test_search_by_phone_finds_the_customer_however_the_number_is_written(
    api: Api, carlos: Tenant, written: str
) -> None:
    reply = await api.call("GET", f"{carlos.path}/customers", token=carlos.token, params={"phone": written})
    assert reply.status == 200
    assert [(item["name"], item["phone"]) for item in reply.json["items"]] == [("Miguel Sánchez", MIGUEL_PHONE)]


async def test_search_by_part_of_the_name_ignores_case_and_treats_wildcards_literally(api: Api, carlos: Tenant) -> None:
    found = await api.call("GET", f"{carlos.path}/customers", token=carlos.token, params={"name": "sánchez"})
    assert [item["name"] for item in found.json["items"]] == ["Miguel Sánchez"]
    wildcard = await api.call("GET", f"{carlos.path}/customers", token=carlos.token, params={"name": "%"})
    assert wildcard.json["items"] == []


async def test_a_customer_is_created_read_and_annotated(api: Api, carlos: Tenant) -> None:
    created = await api.call(
        "POST", f"{carlos.path}/customers", token=carlos.token, json={"phone": "55 9999 0000", "name": "Roberto"}
    )
    assert created.status == 201 and created.json["phone"] == "+525599990000"
    changed = await api.call(
        "PATCH", f"{carlos.path}/customers/{created.json['id']}", token=carlos.token, json={"notes": "Prefiere a Pedro"}
    )
    assert changed.status == 200 and changed.json["notes"] == "Prefiere a Pedro" and changed.json["name"] == "Roberto"
    fetched = await api.call("GET", f"{carlos.path}/customers/{created.json['id']}", token=carlos.token)
    assert fetched.json == changed.json


async def test_a_second_customer_with_the_same_phone_is_a_409_naming_the_first(api: Api, carlos: Tenant) -> None:
    reply = await api.call("POST", f"{carlos.path}/customers", token=carlos.token, json={"phone": "5543218765"})
    assert reply.status == 409 and reply.code == "customer_exists"
    assert reply.json["error"]["details"] == [{"customer_id": carlos.customer("miguel")}]


async def test_history_lists_the_customers_appointments_newest_first_with_counts(
    api: Api, carlos: Tenant, clock: FrozenClock
) -> None:
    base = f"{carlos.path}/appointments"
    miguel = carlos.customer("miguel")
    corte = carlos.service("Corte de cabello")
    first = await api.call(
        "POST",
        base,
        token=carlos.token,
        json={"service_id": corte, "customer_id": miguel, "starts_at": "2027-01-14T16:00:00-06:00"},
    )
    second = await api.call(
        "POST",
        base,
        token=carlos.token,
        json={"service_id": corte, "customer_id": miguel, "starts_at": "2027-01-20T16:00:00-06:00"},
    )
    assert first.status == second.status == 201
    clock.advance(timedelta(hours=5))  # 17:00: the first one has started
    assert (await api.call("POST", f"{base}/{first.json['id']}/complete", token=carlos.token)).status == 200
    reply = await api.call("GET", f"{carlos.path}/customers/{miguel}/history", token=carlos.token)
    assert reply.status == 200
    assert [item["id"] for item in reply.json["appointments"]] == [second.json["id"], first.json["id"]]
    assert reply.json["summary"] == {"total": 2, "upcoming": 1, "completed": 1, "no_show": 0, "cancelled": 0}
    assert reply.json["customer"]["name"] == "Miguel Sánchez"


async def test_customer_validation_errors(api: Api, carlos: Tenant) -> None:
    reply = await api.call("GET", f"{carlos.path}/customers", token=carlos.token, params={"phone": "hola"})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "query.phone"
    reply = await api.call("GET", f"{carlos.path}/customers", token=carlos.token, params={"limit": "0"})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "query.limit"
    reply = await api.call("GET", f"{carlos.path}/customers", token=carlos.token, params={"email": "x@y"})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "query.email"
    reply = await api.call("POST", f"{carlos.path}/customers", token=carlos.token, json={"name": "Sin teléfono"})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "body.phone"
    reply = await api.call(
        "GET", f"{carlos.path}/customers/{carlos.customer('miguel')}/history", token=carlos.token, params={"x": "1"}
    )
    assert reply.status == 422
