"""Services: the menu, with integer-cent prices, durations and buffers."""

from __future__ import annotations

from tests.bot.api import Api, Tenant


async def test_a_service_is_created_listed_read_and_changed(api: Api, carlos: Tenant) -> None:
    created = await api.call(
        "POST",
        f"{carlos.path}/services",
        token=carlos.token,
        json={"name": "Afeitado clásico", "duration_minutes": 40, "price_cents": 18000, "buffer_minutes": 10},
    )
    assert created.status == 201, created.json
    service = created.json
    assert (service["price_cents"], service["currency"], service["duration_minutes"], service["buffer_minutes"]) == (
        18000,
        "MXN",
        40,
        10,
    )
    listed = await api.call("GET", f"{carlos.path}/services", token=carlos.token)
    assert [item["name"] for item in listed.json["items"]] == [
        "Afeitado clásico",
        "Arreglo de barba",
        "Corte de cabello",
        "Corte y barba",
    ]
    changed = await api.call(
        "PATCH",
        f"{carlos.path}/services/{service['id']}",
        token=carlos.token,
        json={"price_cents": 20000, "description": "Con toalla caliente"},
    )
    assert changed.status == 200 and changed.json["price_cents"] == 20000 and changed.json["name"] == "Afeitado clásico"
    fetched = await api.call("GET", f"{carlos.path}/services/{service['id']}", token=carlos.token)
    assert fetched.json == changed.json


async def test_an_inactive_service_leaves_the_default_list_but_not_the_full_one(api: Api, carlos: Tenant) -> None:
    barba = carlos.service("Arreglo de barba")
    reply = await api.call("PATCH", f"{carlos.path}/services/{barba}", token=carlos.token, json={"active": False})
    assert reply.status == 200 and reply.json["active"] is False
    active = await api.call("GET", f"{carlos.path}/services", token=carlos.token)
    everything = await api.call(
        "GET", f"{carlos.path}/services", token=carlos.token, params={"include_inactive": "true"}
    )
    assert barba not in {item["id"] for item in active.json["items"]}
    assert barba in {item["id"] for item in everything.json["items"]}


async def test_a_second_service_with_the_same_name_is_a_409_naming_the_first(api: Api, carlos: Tenant) -> None:
    reply = await api.call(
        "POST", f"{carlos.path}/services", token=carlos.token, json={"name": "Corte de cabello", "duration_minutes": 30}
    )
    assert reply.status == 409 and reply.code == "service_exists"
    assert reply.json["error"]["details"] == [{"service_id": carlos.service("Corte de cabello")}]
    rename = await api.call(
        "PATCH",
        f"{carlos.path}/services/{carlos.service('Arreglo de barba')}",
        token=carlos.token,
        json={"name": "Corte de cabello"},
    )
    assert rename.status == 409


async def test_service_validation_errors(api: Api, carlos: Tenant) -> None:
    cases = [
        ({"name": "X"}, "body.duration_minutes"),
        ({"name": "X", "duration_minutes": 0}, "body.duration_minutes"),
        ({"name": "X", "duration_minutes": 30, "price_cents": -1}, "body.price_cents"),
        ({"name": "X", "duration_minutes": 30, "price_cents": 150.5}, "body.price_cents"),
        ({"name": "X", "duration_minutes": 30, "price": 150}, "body.price"),
        ({"name": "X" * 201, "duration_minutes": 30}, "body.name"),
        ({"name": "X", "duration_minutes": 30, "buffer_minutes": 10_000}, "body.buffer_minutes"),
    ]
    for body, field in cases:
        reply = await api.call("POST", f"{carlos.path}/services", token=carlos.token, json=body)
        assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == field, (body, reply.json)
    reply = await api.call(
        "PATCH",
        f"{carlos.path}/services/{carlos.service('Corte de cabello')}",
        token=carlos.token,
        json={"active": None},
    )
    assert reply.status == 422
    reply = await api.call("GET", f"{carlos.path}/services", token=carlos.token, params={"include_inactive": "maybe"})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "query.include_inactive"
