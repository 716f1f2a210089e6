"""Appointments through the API follow exactly the chat's booking rules (scheduler/booking.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from scheduler.clock import FrozenClock
from store.database import Database
from store.models import Appointment, Customer
from tests.bot.api import Api, Reply, Tenant

CORTE = "Corte de cabello"
BARBA = "Arreglo de barba"


async def book(
    api: Api, tenant: Tenant, starts_at: str, *, staff: str | None = "pedro", service: str = CORTE, **extra: Any
) -> Reply:
    body: dict[str, Any] = {"service_id": tenant.service(service), "starts_at": starts_at, **extra}
    if "customer" not in extra:
        body.setdefault("customer_id", tenant.customer("miguel"))
    if staff is not None:
        body["staff_id"] = tenant.staff(staff)
    return await api.call("POST", f"{tenant.path}/appointments", token=tenant.token, json=body)


async def test_booking_returns_the_confirmed_appointment_in_local_time_with_price_in_cents(
    api: Api, carlos: Tenant
) -> None:
    reply = await book(api, carlos, "2027-01-15T16:00:00-06:00", notes="Primera vez")
    assert reply.status == 201, reply.json
    appointment = reply.json
    assert (
        appointment["starts_at"] == "2027-01-15T16:00:00-06:00"
        and appointment["ends_at"] == "2027-01-15T16:45:00-06:00"
    )
    assert (appointment["status"], appointment["source"], appointment["price_cents"]) == ("confirmed", "manual", 15000)
    assert appointment["staff_id"] == carlos.staff("pedro") and appointment["notes"] == "Primera vez"
    fetched = await api.call("GET", f"{carlos.path}/appointments/{appointment['id']}", token=carlos.token)
    assert fetched.json == appointment


async def test_a_time_in_utc_is_the_same_instant_and_comes_back_in_local_time(api: Api, carlos: Tenant) -> None:
    reply = await book(api, carlos, "2027-01-15T22:00:00Z")
    assert reply.status == 201 and reply.json["starts_at"] == "2027-01-15T16:00:00-06:00"


async def test_booking_a_new_customer_by_phone_creates_them_once(api: Api, db: Database, carlos: Tenant) -> None:
    first = await book(api, carlos, "2027-01-15T16:00:00-06:00", customer={"phone": "55 6060 7070", "name": "Roberto"})
    second = await book(api, carlos, "2027-01-16T10:00:00-06:00", customer={"phone": "+52 1 55 6060 7070"})
    assert first.status == second.status == 201
    assert first.json["customer_id"] == second.json["customer_id"]
    async with db.transaction() as session:
        roberto = await session.get(Customer, uuid.UUID(first.json["customer_id"]))
    assert (roberto.name, roberto.phone, roberto.name_source) == ("Roberto", "+525560607070", "staff")


async def test_any_staff_goes_to_the_free_person_with_fewest_appointments_that_day(api: Api, carlos: Tenant) -> None:
    await book(api, carlos, "2027-01-15T10:00:00-06:00", staff="carlos")
    reply = await book(api, carlos, "2027-01-15T12:00:00-06:00", staff=None)
    assert reply.status == 201 and reply.json["staff_id"] == carlos.staff("pedro")


async def test_overlapping_booking_is_a_409_with_the_domain_error_never_a_500(api: Api, carlos: Tenant) -> None:
    assert (await book(api, carlos, "2027-01-15T16:00:00-06:00")).status == 201
    reply = await book(api, carlos, "2027-01-15T16:30:00-06:00")
    assert reply.status == 409 and reply.code == "slot_taken"
    assert reply.json["error"] == {
        "code": "slot_taken",
        "message": "that time is taken",
        "details": [{"start": "2027-01-15T16:30:00-06:00"}],
    }


async def test_two_api_clients_racing_for_one_slot_get_one_201_and_one_409(api: Api, carlos: Tenant) -> None:
    replies = await asyncio.gather(*(book(api, carlos, "2027-01-15T16:00:00-06:00") for _ in range(4)))
    assert sorted(reply.status for reply in replies) == [201, 409, 409, 409]
    assert {reply.code for reply in replies if reply.status == 409} == {"slot_taken"}


async def test_a_naive_time_is_a_422_saying_the_offset_is_required(api: Api, carlos: Tenant) -> None:
    reply = await book(api, carlos, "2027-01-15T16:00:00")
    assert reply.status == 422
    detail = reply.json["error"]["details"][0]
    assert detail["field"] == "body.starts_at"
    assert "has no UTC offset" in detail["message"] and "-06:00" in detail["message"]


async def test_the_api_books_for_the_business_so_notice_and_horizon_do_not_apply_but_the_past_does(
    api: Api, carlos: Tenant
) -> None:
    soon = await book(api, carlos, "2027-01-14T12:30:00-06:00")  # 30 min from now: inside the 60 min notice
    assert soon.status == 201
    far = await book(api, carlos, "2027-06-15T12:00:00-06:00")  # beyond the 30-day horizon
    assert far.status == 201
    past = await book(api, carlos, "2027-01-14T10:00:00-06:00")
    assert past.status == 409 and past.code == "in_past"


async def test_the_chats_other_rules_come_back_as_their_domain_errors(api: Api, carlos: Tenant) -> None:
    closed = await book(api, carlos, "2027-01-17T12:00:00-06:00")  # Sunday
    assert (closed.status, closed.code) == (409, "outside_hours")
    late = await book(api, carlos, "2027-01-15T19:30:00-06:00")  # 45 minutes would run past 20:00
    assert (late.status, late.code) == (409, "outside_hours")
    wrong_person = await book(api, carlos, "2027-01-15T16:00:00-06:00", service=BARBA)
    assert (wrong_person.status, wrong_person.code) == (409, "not_eligible")


async def test_appointment_create_validation_errors(api: Api, carlos: Tenant) -> None:
    path = f"{carlos.path}/appointments"
    corte = carlos.service(CORTE)
    cases = [
        (
            {"service_id": corte, "starts_at": "2027-01-15T16:00:00-06:00"},
            "body",
            "exactly one of customer_id or customer",
        ),
        (
            {"service_id": corte, "starts_at": "mañana", "customer_id": carlos.customer("miguel")},
            "body.starts_at",
            "datetime",
        ),
        (
            {"service_id": corte, "starts_at": 1800000000, "customer_id": carlos.customer("miguel")},
            "body.starts_at",
            "ISO 8601",
        ),
        (
            {"service_id": corte, "starts_at": "3027-01-15T16:00:00-06:00", "customer_id": carlos.customer("miguel")},
            "body.starts_at",
            "2099",
        ),
        (
            {"service_id": "corte", "starts_at": "2027-01-15T16:00:00-06:00", "customer_id": carlos.customer("miguel")},
            "body.service_id",
            "UUID",
        ),
        (
            {
                "service_id": corte,
                "starts_at": "2027-01-15T16:00:00-06:00",
                "customer": {"phone": "55 1111 2222", "email": "a@b"},
            },
            "body.customer.email",
            "Extra",
        ),
    ]
    for body, field, message in cases:
        reply = await api.call("POST", path, token=carlos.token, json=body)
        assert reply.status == 422, (body, reply.json)
        detail = reply.json["error"]["details"][0]
        assert detail["field"] == field and message in detail["message"], (body, detail)


async def test_list_filters_by_date_range_staff_status_and_customer(
    api: Api, carlos: Tenant, clock: FrozenClock
) -> None:
    a = (await book(api, carlos, "2027-01-15T10:00:00-06:00", staff="pedro")).json
    b = (
        await book(api, carlos, "2027-01-15T19:00:00-06:00", staff="carlos", service=BARBA)
    ).json  # 01:00 UTC on the 16th
    c = (await book(api, carlos, "2027-01-16T10:00:00-06:00", staff="carlos", customer={"phone": "55 6060 7070"})).json
    await api.call("POST", f"{carlos.path}/appointments/{c['id']}/cancel", token=carlos.token, json={})
    path = f"{carlos.path}/appointments"

    async def ids(**params: str) -> list[str]:
        reply = await api.call("GET", path, token=carlos.token, params=params)
        assert reply.status == 200, reply.json
        return [item["id"] for item in reply.json["items"]]

    assert await ids() == [a["id"], b["id"], c["id"]]
    assert await ids(date_from="2027-01-15", date_to="2027-01-15") == [a["id"], b["id"]]  # local days, not UTC
    assert await ids(staff=carlos.staff("carlos")) == [b["id"], c["id"]]
    assert await ids(status="cancelled") == [c["id"]]
    assert await ids(status="confirmed,pending") == [a["id"], b["id"]]
    assert await ids(customer=carlos.customer("miguel")) == [a["id"], b["id"]]
    assert await ids(limit="1", offset="1") == [b["id"]]
    bad = await api.call("GET", path, token=carlos.token, params={"status": "done"})
    assert bad.status == 422 and bad.json["error"]["details"][0]["field"] == "query.status.0"
    backwards = await api.call(
        "GET", path, token=carlos.token, params={"date_from": "2027-01-16", "date_to": "2027-01-15"}
    )
    assert backwards.status == 422 and "date_to is before date_from" in backwards.json["error"]["message"]


async def test_patch_changes_the_notes_only(api: Api, carlos: Tenant) -> None:
    appointment = (await book(api, carlos, "2027-01-15T16:00:00-06:00")).json
    reply = await api.call(
        "PATCH", f"{carlos.path}/appointments/{appointment['id']}", token=carlos.token, json={"notes": "Trae foto"}
    )
    assert (
        reply.status == 200
        and reply.json["notes"] == "Trae foto"
        and reply.json["starts_at"] == appointment["starts_at"]
    )
    moved = await api.call(
        "PATCH",
        f"{carlos.path}/appointments/{appointment['id']}",
        token=carlos.token,
        json={"starts_at": "2027-01-15T17:00:00-06:00"},
    )
    assert moved.status == 422 and moved.json["error"]["details"][0]["field"] == "body.starts_at"


async def test_reschedule_moves_the_same_appointment(api: Api, db: Database, carlos: Tenant) -> None:
    appointment = (await book(api, carlos, "2027-01-15T16:00:00-06:00")).json
    reply = await api.call(
        "POST",
        f"{carlos.path}/appointments/{appointment['id']}/reschedule",
        token=carlos.token,
        json={"starts_at": "2027-01-15T16:30:00-06:00"},
    )
    assert reply.status == 200, reply.json
    assert reply.json["id"] == appointment["id"] and reply.json["starts_at"] == "2027-01-15T16:30:00-06:00"
    async with db.transaction() as session:
        assert len((await session.execute(select(Appointment))).scalars().all()) == 1


async def test_a_refused_reschedule_is_a_409_and_leaves_the_appointment_untouched(api: Api, carlos: Tenant) -> None:
    mine = (await book(api, carlos, "2027-01-15T16:00:00-06:00")).json
    await book(api, carlos, "2027-01-15T18:00:00-06:00", staff="pedro")
    await book(api, carlos, "2027-01-15T18:00:00-06:00", staff="carlos")
    reply = await api.call(
        "POST",
        f"{carlos.path}/appointments/{mine['id']}/reschedule",
        token=carlos.token,
        json={"starts_at": "2027-01-15T18:00:00-06:00"},
    )
    assert reply.status == 409 and reply.code == "slot_taken"
    after = await api.call("GET", f"{carlos.path}/appointments/{mine['id']}", token=carlos.token)
    assert after.json == mine
    naive = await api.call(
        "POST",
        f"{carlos.path}/appointments/{mine['id']}/reschedule",
        token=carlos.token,
        json={"starts_at": "2027-01-15T18:00"},
    )
    assert naive.status == 422


async def test_cancel_with_a_reason_frees_the_time(api: Api, carlos: Tenant) -> None:
    appointment = (await book(api, carlos, "2027-01-15T16:00:00-06:00")).json
    reply = await api.call(
        "POST",
        f"{carlos.path}/appointments/{appointment['id']}/cancel",
        token=carlos.token,
        json={"reason": "Se enfermó"},
    )
    assert (
        reply.status == 200
        and reply.json["status"] == "cancelled"
        and reply.json["cancellation_reason"] == "Se enfermó"
    )
    assert (await book(api, carlos, "2027-01-15T16:00:00-06:00")).status == 201
    again = await api.call("POST", f"{carlos.path}/appointments/{appointment['id']}/cancel", token=carlos.token)
    assert again.status == 409 and again.code == "invalid_transition"
    too_long = await api.call(
        "POST", f"{carlos.path}/appointments/{appointment['id']}/cancel", token=carlos.token, json={"reason": "x" * 501}
    )
    assert too_long.status == 422


async def test_complete_and_no_show_only_once_the_appointment_has_started(
    api: Api, carlos: Tenant, clock: FrozenClock
) -> None:
    first = (await book(api, carlos, "2027-01-14T13:00:00-06:00")).json
    second = (await book(api, carlos, "2027-01-14T14:00:00-06:00")).json
    early = await api.call("POST", f"{carlos.path}/appointments/{first['id']}/complete", token=carlos.token)
    assert early.status == 409 and early.code == "invalid_transition"
    clock.advance(timedelta(hours=2, minutes=30))  # 14:30
    done = await api.call("POST", f"{carlos.path}/appointments/{first['id']}/complete", token=carlos.token)
    assert done.status == 200 and done.json["status"] == "completed"
    missed = await api.call("POST", f"{carlos.path}/appointments/{second['id']}/no-show", token=carlos.token, json={})
    assert missed.status == 200 and missed.json["status"] == "no_show"
    extra = await api.call(
        "POST", f"{carlos.path}/appointments/{second['id']}/no-show", token=carlos.token, json={"why": "x"}
    )
    assert extra.status == 422 and extra.json["error"]["details"][0]["field"] == "body.why"
