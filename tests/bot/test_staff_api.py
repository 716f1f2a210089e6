"""Staff: phone identity, the services they perform and their recurring weekly hours."""

from __future__ import annotations

from tests.bot.api import Api, Tenant


async def test_staff_member_is_created_with_services_and_split_shift_hours(api: Api, carlos: Tenant) -> None:
    reply = await api.call(
        "POST",
        f"{carlos.path}/staff",
        token=carlos.token,
        json={
            "name": "Ana Torres",
            "phone": "+52 1 55 3030 4040",
            "services": [carlos.service("Arreglo de barba")],
            "hours": {"fri": ["10:00-14:00", "16:00-20:00"], "sat": ["09:00-13:00"]},
            "permissions": {"view_business_schedule": True},
        },
    )
    assert reply.status == 201, reply.json
    ana = reply.json
    assert ana["phone"] == "+525530304040"  # the 521… spelling normalized
    assert ana["offers_all_services"] is False and ana["service_ids"] == [carlos.service("Arreglo de barba")]
    assert ana["hours"]["fri"] == ["10:00-14:00", "16:00-20:00"] and ana["hours"]["mon"] == []
    assert (
        ana["permissions"]["view_business_schedule"] is True
        and ana["permissions"]["manage_customer_appointments"] is True
    )
    assert ana["role"] == "employee" and ana["active"] is True
    fetched = await api.call("GET", f"{carlos.path}/staff/{ana['id']}", token=carlos.token)
    assert fetched.json == ana
    listed = await api.call("GET", f"{carlos.path}/staff", token=carlos.token)
    assert [item["name"] for item in listed.json["items"]] == ["Ana Torres", "Carlos Mendoza", "Pedro Ruiz"]


async def test_staff_without_hours_or_services_work_business_hours_and_do_everything(api: Api, carlos: Tenant) -> None:
    reply = await api.call(
        "POST", f"{carlos.path}/staff", token=carlos.token, json={"name": "Beto", "phone": "55 7000 8000"}
    )
    assert reply.status == 201
    assert reply.json["hours"] is None and reply.json["offers_all_services"] is True and reply.json["service_ids"] == []


async def test_patch_replaces_services_and_hours_and_null_means_all_and_business_hours(
    api: Api, carlos: Tenant
) -> None:
    pedro = carlos.staff("pedro")
    reply = await api.call(
        "PATCH",
        f"{carlos.path}/staff/{pedro}",
        token=carlos.token,
        json={"services": [carlos.service("Corte y barba")], "hours": {"mon": ["12:00-18:00"]}},
    )
    assert reply.status == 200, reply.json
    assert reply.json["service_ids"] == [carlos.service("Corte y barba")] and reply.json["hours"]["mon"] == [
        "12:00-18:00"
    ]
    reply = await api.call(
        "PATCH", f"{carlos.path}/staff/{pedro}", token=carlos.token, json={"services": None, "hours": None}
    )
    assert reply.json["offers_all_services"] is True and reply.json["hours"] is None
    reply = await api.call(
        "PATCH", f"{carlos.path}/staff/{pedro}", token=carlos.token, json={"active": False, "name": "Pedro R."}
    )
    assert reply.json["active"] is False and reply.json["name"] == "Pedro R."
    listed = await api.call("GET", f"{carlos.path}/staff", token=carlos.token)
    assert pedro not in {item["id"] for item in listed.json["items"]}


async def test_a_phone_already_on_the_staff_is_a_409_whatever_its_spelling(api: Api, carlos: Tenant) -> None:
    reply = await api.call(
        "POST", f"{carlos.path}/staff", token=carlos.token, json={"name": "Otro", "phone": "5215520203030"}
    )
    assert reply.status == 409 and reply.code == "staff_exists"
    assert reply.json["error"]["details"] == [{"staff_id": carlos.staff("pedro")}]


async def test_staff_validation_errors(api: Api, carlos: Tenant) -> None:
    cases = [
        ({"name": "X", "phone": "123"}, "body.phone"),
        ({"name": "X", "phone": "55 7000 8000", "role": "boss"}, "body.role"),
        ({"name": "X", "phone": "55 7000 8000", "hours": {"mon": ["9-5"]}}, "body.hours"),
        ({"name": "X", "phone": "55 7000 8000", "hours": {"mon": ["10:00-14:00", "13:00-18:00"]}}, "body.hours"),
        ({"name": "X", "phone": "55 7000 8000", "hours": {"mon": []}}, "body.hours"),
        ({"name": "X", "phone": "55 7000 8000", "services": ["not-a-uuid"]}, "body.services.0"),
        ({"name": "X", "phone": "55 7000 8000", "permissions": {"fly": True}}, "body.permissions.fly.[key]"),
    ]
    for body, field in cases:
        reply = await api.call("POST", f"{carlos.path}/staff", token=carlos.token, json=body)
        assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == field, (body, reply.json)
