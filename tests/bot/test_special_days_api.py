"""Special days: a date closed for everyone or with short hours; booked appointments are listed, never cancelled."""

from __future__ import annotations

from tests.bot.api import Api, Tenant
from tests.bot.test_appointments_api import book
from tests.bot.test_availability_api import local_times




async def slots_on(api: Api, tenant: Tenant, day: str, staff: str | None = None) -> list[str]:
    params = {"service": tenant.service("Corte de cabello"), "date_from": day}
    if staff:
        params["staff"] = tenant.staff(staff)
    reply = await api.call("GET", f"{tenant.path}/availability/slots", token=tenant.token, params=params)
    assert reply.status == 200, reply.json
    return local_times(reply.json["items"])


async def test_closing_a_day_removes_every_slot_of_every_staff_member_and_lists_booked_appointments(
    api: Api, carlos: Tenant
) -> None:
    booked = await book(api, carlos, "2027-01-15T16:00:00-06:00")
    assert booked.status == 201, booked.json
    reply = await api.call(
        "POST",
        f"{carlos.path}/special-days",
        token=carlos.token,
        json={"date": "2027-01-15", "hours": [], "reason": "Día del barbero"},
    )
    assert reply.status == 200, reply.json
    assert reply.json["special_day"]["closed"] is True and reply.json["special_day"]["date"] == "2027-01-15"
    outside = reply.json["appointments_outside"]
    assert [a["starts_at"] for a in outside] == ["2027-01-15T16:00:00-06:00"]
    assert outside[0]["status"] == "confirmed"  # listed, never cancelled: the owner decides
    assert await slots_on(api, carlos, "2027-01-15") == []
    assert await slots_on(api, carlos, "2027-01-16") != []  # only that date
    refused = await book(api, carlos, "2027-01-15T12:00:00-06:00", staff=None)
    assert refused.status == 409 and refused.json["error"]["code"] == "outside_hours", refused.json


async def test_a_short_day_keeps_only_its_own_hours_and_can_be_undone(api: Api, carlos: Tenant) -> None:
    reply = await api.call(
        "POST", f"{carlos.path}/special-days", token=carlos.token, json={"date": "2027-01-15", "hours": ["10:00-14:00"]}
    )
    assert reply.status == 200, reply.json
    times = await slots_on(api, carlos, "2027-01-15", staff="pedro")
    assert times[0] == "10:00" and times[-1] == "13:00" and "14:00" not in times
    listed = await api.call("GET", f"{carlos.path}/special-days", token=carlos.token)
    assert [(d["date"], d["hours"]) for d in listed.json["items"]] == [("2027-01-15", ["10:00-14:00"])]
    special_id = listed.json["items"][0]["id"]
    deleted = await api.call("DELETE", f"{carlos.path}/special-days/{special_id}", token=carlos.token)
    assert deleted.status == 204, deleted.json
    assert (await slots_on(api, carlos, "2027-01-15", staff="pedro"))[-1] == "19:00"


async def test_special_day_validation_and_other_tenants(api: Api, carlos: Tenant, lupita: Tenant) -> None:
    path = f"{carlos.path}/special-days"
    for body, message in (
        ({"date": "2027-01-15", "hours": ["14:00-10:00"]}, "forwards"),
        ({"date": "2027-01-15", "hours": ["10:00-14:00", "13:00-15:00"]}, "overlap"),
        ({"hours": []}, "Field required"),
    ):
        reply = await api.call("POST", path, token=carlos.token, json=body)
        assert reply.status == 422, (body, reply.json)
        assert message in str(reply.json["error"]["details"]), (body, reply.json)
    past = await api.call("POST", path, token=carlos.token, json={"date": "2020-01-01", "hours": []})
    assert past.status == 409 and past.json["error"]["code"] == "in_past", past.json
    saved = await api.call("POST", path, token=carlos.token, json={"date": "2027-01-15", "hours": []})
    special_id = saved.json["special_day"]["id"]
    foreign = await api.call("DELETE", f"{lupita.path}/special-days/{special_id}", token=lupita.token)
    assert foreign.status == 404
    theirs = (await api.call("GET", f"{lupita.path}/special-days", token=lupita.token)).json["items"]
    assert [item["reason"] for item in theirs] == ["inventario Lupita"]  # only their own
