"""Open slots, a staff member's hours and gaps, and time blocks (which ask before cancelling)."""

from __future__ import annotations

from tests.bot.api import Api, Tenant
from tests.bot.test_appointments_api import book


def local_times(reply_items: list[dict[str, str]]) -> list[str]:
    return [item["starts_at"][11:16] for item in reply_items]


async def test_slots_for_a_service_on_a_local_day_for_one_staff_member(api: Api, carlos: Tenant) -> None:
    params = {"service": carlos.service("Corte de cabello"), "date_from": "2027-01-15", "staff": carlos.staff("pedro")}
    reply = await api.call("GET", f"{carlos.path}/availability/slots", token=carlos.token, params=params)
    assert reply.status == 200, reply.json
    assert reply.json["timezone"] == "America/Mexico_City" and reply.json["date_to"] == "2027-01-15"
    times = local_times(reply.json["items"])
    assert times[0] == "10:00" and times[-1] == "19:00"  # 30-minute step; 45 minutes must fit before 20:00
    assert all(item["starts_at"].endswith("-06:00") for item in reply.json["items"])
    assert {item["staff_id"] for item in reply.json["items"]} == {carlos.staff("pedro")}


async def test_a_booked_time_disappears_from_the_slots(api: Api, carlos: Tenant) -> None:
    await book(api, carlos, "2027-01-15T16:00:00-06:00")
    params = {
        "service": carlos.service("Corte de cabello"),
        "date_from": "2027-01-15",
        "date_to": "2027-01-15",
        "staff": carlos.staff("pedro"),
    }
    reply = await api.call("GET", f"{carlos.path}/availability/slots", token=carlos.token, params=params)
    assert "16:00" not in local_times(reply.json["items"]) and "15:30" not in local_times(reply.json["items"])
    assert "17:00" in local_times(reply.json["items"])


async def test_slots_without_staff_offer_everyone_who_performs_the_service(api: Api, carlos: Tenant) -> None:
    params = {"service": carlos.service("Arreglo de barba"), "date_from": "2027-01-15"}
    reply = await api.call("GET", f"{carlos.path}/availability/slots", token=carlos.token, params=params)
    assert {item["staff_id"] for item in reply.json["items"]} == {carlos.staff("carlos")}  # Pedro only cuts hair


async def test_slot_query_validation_errors(api: Api, carlos: Tenant) -> None:
    path = f"{carlos.path}/availability/slots"
    corte = carlos.service("Corte de cabello")
    cases = [
        ({}, "query.service", "Field required"),
        ({"service": corte, "date_from": "15/01/2027"}, "query.date_from", "date"),
        ({"service": corte, "date_from": "2027-01-15", "date_to": "2027-03-15"}, "query", "at most 31 days"),
        ({"service": corte, "date_from": "2027-01-16", "date_to": "2027-01-15"}, "query", "before date_from"),
        ({"service": corte, "when": "mañana"}, "query.when", "Extra"),
    ]
    for params, field, message in cases:
        reply = await api.call("GET", path, token=carlos.token, params=params)
        assert reply.status == 422, (params, reply.json)
        detail = reply.json["error"]["details"][0]
        assert detail["field"] == field and message in detail["message"], (params, detail)


async def test_staff_availability_shows_weekly_hours_working_windows_and_free_gaps(api: Api, carlos: Tenant) -> None:
    await book(api, carlos, "2027-01-15T16:00:00-06:00")
    reply = await api.call(
        "GET",
        f"{carlos.path}/staff/{carlos.staff('pedro')}/availability",
        token=carlos.token,
        params={"date_from": "2027-01-15", "date_to": "2027-01-17"},
    )
    assert reply.status == 200, reply.json
    body = reply.json
    assert body["uses_business_hours"] is True and body["weekly_hours"]["sat"] == ["09:00-15:00"]
    friday, saturday, sunday = body["days"]
    assert [(w["starts_at"][11:16], w["ends_at"][11:16]) for w in friday["working"]] == [("10:00", "20:00")]
    assert [(w["starts_at"][11:16], w["ends_at"][11:16]) for w in friday["free"]] == [
        ("10:00", "16:00"),
        ("16:45", "20:00"),
    ]
    assert saturday["date"] == "2027-01-16" and sunday["working"] == [] and sunday["free"] == []


async def test_a_block_without_collisions_is_created_listed_and_deleted(api: Api, carlos: Tenant) -> None:
    path = f"{carlos.path}/staff/{carlos.staff('pedro')}/blocks"
    reply = await api.call(
        "POST",
        path,
        token=carlos.token,
        json={"starts_at": "2027-01-15T14:00:00-06:00", "ends_at": "2027-01-15T15:00:00-06:00", "reason": "comida"},
    )
    assert reply.status == 201, reply.json
    block = reply.json["block"]
    assert (block["starts_at"], block["ends_at"], block["reason"]) == (
        "2027-01-15T14:00:00-06:00",
        "2027-01-15T15:00:00-06:00",
        "comida",
    )
    assert reply.json["cancelled_appointments"] == []
    listed = await api.call(
        "GET", path, token=carlos.token, params={"date_from": "2027-01-15", "date_to": "2027-01-15"}
    )
    assert [item["id"] for item in listed.json["items"]] == [block["id"]]
    taken = await book(api, carlos, "2027-01-15T14:00:00-06:00")
    assert taken.status == 409 and taken.code == "slot_taken"
    deleted = await api.call("DELETE", f"{path}/{block['id']}", token=carlos.token)
    assert deleted.status == 204
    assert (await api.call("GET", path, token=carlos.token)).json["items"] == []
    assert (await book(api, carlos, "2027-01-15T14:00:00-06:00")).status == 201


async def test_a_block_over_appointments_is_a_409_listing_them_and_changes_nothing(api: Api, carlos: Tenant) -> None:
    appointment = (await book(api, carlos, "2027-01-15T14:00:00-06:00")).json
    path = f"{carlos.path}/staff/{carlos.staff('pedro')}/blocks"
    body = {"starts_at": "2027-01-15T13:00:00-06:00", "ends_at": "2027-01-15T16:00:00-06:00"}
    reply = await api.call("POST", path, token=carlos.token, json=body)
    assert reply.status == 409 and reply.code == "block_collides"
    assert reply.json["error"]["details"] == [appointment]
    assert "cancel_colliding_appointments" in reply.json["error"]["message"]
    assert (await api.call("GET", path, token=carlos.token)).json["items"] == []
    still = await api.call("GET", f"{carlos.path}/appointments/{appointment['id']}", token=carlos.token)
    assert still.json["status"] == "confirmed"


async def test_a_block_that_says_so_cancels_the_appointments_it_covers(api: Api, carlos: Tenant) -> None:
    appointment = (await book(api, carlos, "2027-01-15T14:00:00-06:00")).json
    reply = await api.call(
        "POST",
        f"{carlos.path}/staff/{carlos.staff('pedro')}/blocks",
        token=carlos.token,
        json={
            "starts_at": "2027-01-15T13:00:00-06:00",
            "ends_at": "2027-01-15T16:00:00-06:00",
            "cancel_colliding_appointments": True,
            "cancellation_reason": "Pedro salió",
        },
    )
    assert reply.status == 201, reply.json
    [cancelled] = reply.json["cancelled_appointments"]
    assert (
        cancelled["id"] == appointment["id"]
        and cancelled["status"] == "cancelled"
        and cancelled["cancellation_reason"] == "Pedro salió"
    )


async def test_block_validation_errors_and_the_past_is_refused(api: Api, carlos: Tenant) -> None:
    path = f"{carlos.path}/staff/{carlos.staff('pedro')}/blocks"
    backwards = await api.call(
        "POST",
        path,
        token=carlos.token,
        json={"starts_at": "2027-01-15T15:00:00-06:00", "ends_at": "2027-01-15T14:00:00-06:00"},
    )
    assert backwards.status == 422 and backwards.code == "invalid_request"
    naive = await api.call(
        "POST", path, token=carlos.token, json={"starts_at": "2027-01-15T14:00", "ends_at": "2027-01-15T15:00"}
    )
    assert naive.status == 422 and naive.json["error"]["details"][0]["field"] == "body.starts_at"
    past = await api.call(
        "POST",
        path,
        token=carlos.token,
        json={"starts_at": "2027-01-14T09:00:00-06:00", "ends_at": "2027-01-14T10:00:00-06:00"},
    )
    assert past.status == 409 and past.code == "in_past"
    missing = await api.call("POST", path, token=carlos.token, json={"starts_at": "2027-01-15T14:00:00-06:00"})
    assert missing.status == 422 and missing.json["error"]["details"][0]["field"] == "body.ends_at"


async def test_a_block_of_another_staff_member_is_not_found_under_this_one(api: Api, carlos: Tenant) -> None:
    made = await api.call(
        "POST",
        f"{carlos.path}/staff/{carlos.staff('pedro')}/blocks",
        token=carlos.token,
        json={"starts_at": "2027-01-15T14:00:00-06:00", "ends_at": "2027-01-15T15:00:00-06:00"},
    )
    reply = await api.call(
        "DELETE", f"{carlos.path}/staff/{carlos.staff('carlos')}/blocks/{made.json['block']['id']}", token=carlos.token
    )
    assert reply.status == 404
