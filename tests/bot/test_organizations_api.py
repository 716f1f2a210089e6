"""Organizations: the operator creates them with hours, address, timezone and settings; each reads and edits its own."""

from __future__ import annotations

from tests.bot.api import OPERATOR_TOKEN, Api, Tenant

NEW_SALON = {
    "name": "Salón Bonita",
    "phone": "33 1234 5678",
    "timezone": "America/Mexico_City",
    "address": "Av. Chapultepec 15, Guadalajara",
    "business_hours": {"mon": ["10:00-14:00", "16:00-20:00"], "sat": ["09:00-15:00"], "sun": []},
    "settings": {"slot_step_minutes": 30, "min_notice_minutes": 120},
}


async def test_the_operator_creates_an_organization_with_hours_address_timezone_and_settings(api: Api) -> None:
    reply = await api.call("POST", "/api/v1/organizations", token=OPERATOR_TOKEN, json=NEW_SALON)
    assert reply.status == 201, reply.json
    org = reply.json
    assert org["name"] == "Salón Bonita" and org["phone"] == "+523312345678"
    assert org["address"] == "Av. Chapultepec 15, Guadalajara"
    assert org["business_hours"]["mon"] == ["10:00-14:00", "16:00-20:00"]
    assert org["business_hours"]["tue"] == [] and org["business_hours"]["sat"] == ["09:00-15:00"]
    assert org["settings"]["slot_step_minutes"] == 30 and org["settings"]["min_notice_minutes"] == 120
    assert org["settings"]["max_days_ahead"] == 30  # defaults filled in
    assert org["status"] == "active" and org["whatsapp"] == {
        "phone_number_id": None,
        "waba_id": None,
        "connected": False,
    }
    assert org["created_at"].endswith("-06:00")  # shown in the business's timezone, with its offset
    assert org["kind"] == "business"
    fetched = await api.call("GET", f"/api/v1/organizations/{org['id']}", token=OPERATOR_TOKEN)
    assert fetched.json == org


async def test_the_operator_marks_yumes_own_number_as_the_platform(api: Api) -> None:
    reply = await api.call("POST", "/api/v1/organizations", token=OPERATOR_TOKEN, json={"name": "Yume", "kind": "platform"})
    assert reply.status == 201, reply.json
    assert reply.json["kind"] == "platform"


async def test_an_organization_reads_itself(api: Api, carlos: Tenant) -> None:
    reply = await api.call("GET", carlos.path, token=carlos.token)
    assert reply.status == 200
    assert reply.json["name"] == "Barbería Don Carlos" and reply.json["address"] == "Calle Hidalgo 22, Coyoacán"
    assert reply.json["business_hours"]["sun"] == [] and reply.json["settings"]["slot_step_minutes"] == 30


async def test_patch_changes_only_what_is_given_and_merges_settings(api: Api, carlos: Tenant) -> None:
    reply = await api.call(
        "PATCH",
        carlos.path,
        token=carlos.token,
        json={
            "address": "Calle Hidalgo 24",
            "business_hours": {"sun": ["10:00-14:00"]},
            "settings": {"min_notice_minutes": 30},
        },
    )
    assert reply.status == 200, reply.json
    assert reply.json["name"] == "Barbería Don Carlos"
    assert reply.json["address"] == "Calle Hidalgo 24"
    assert reply.json["business_hours"]["sun"] == ["10:00-14:00"] and reply.json["business_hours"]["mon"] == []
    assert reply.json["settings"]["min_notice_minutes"] == 30 and reply.json["settings"]["slot_step_minutes"] == 30


async def test_patch_moves_the_timezone_and_times_follow_it(api: Api, carlos: Tenant) -> None:
    reply = await api.call("PATCH", carlos.path, token=carlos.token, json={"timezone": "America/Tijuana"})
    assert reply.status == 200 and reply.json["timezone"] == "America/Tijuana"
    assert reply.json["updated_at"].endswith("-08:00")


async def test_an_organization_cannot_change_its_own_status(api: Api, carlos: Tenant) -> None:
    reply = await api.call("PATCH", carlos.path, token=carlos.token, json={"status": "active"})
    assert reply.status == 403
    reply = await api.call("PATCH", carlos.path, token=OPERATOR_TOKEN, json={"status": "suspended"})
    assert reply.status == 200 and reply.json["status"] == "suspended"


async def test_organization_validation_errors_name_the_field_and_the_problem(api: Api, carlos: Tenant) -> None:
    cases = [
        ({"name": "X", "timezone": "Mars/Olympus"}, "body.timezone", "unknown IANA timezone"),
        ({"name": "X", "business_hours": {"mon": ["20:00-10:00"]}}, "body.business_hours", "run forwards"),
        ({"name": "X", "business_hours": {"funday": ["10:00-12:00"]}}, "body.business_hours.funday.[key]", "'mon'"),
        (
            {"name": "X", "settings": {"slot_step_minutes": 1}},
            "body.settings.slot_step_minutes",
            "greater than or equal to 5",
        ),
        ({"name": "X", "settings": {"slot_stepz": 15}}, "body.settings.slot_stepz", "Extra inputs"),
        ({"name": "X", "phone": "hola"}, "body.phone", "phone"),
        ({"name": ""}, "body.name", "at least 1 character"),
        ({}, "body.name", "Field required"),
        ({"name": "X", "wa_access_token": "EAAB..."}, "body.wa_access_token", "Extra inputs"),
    ]
    for body, field, message in cases:
        reply = await api.call("POST", "/api/v1/organizations", token=OPERATOR_TOKEN, json=body)
        assert reply.status == 422, (body, reply.json)
        assert reply.code == "validation_error"
        first = reply.json["error"]["details"][0]
        assert first["field"] == field and message in first["message"], (body, first)
        assert reply.json["error"]["message"].startswith(field)
    reply = await api.call("PATCH", carlos.path, token=carlos.token, json={"name": None})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "body.name"
    reply = await api.call("PATCH", carlos.path, token=carlos.token, json={"settings": {"daily_agenda_time": "8am"}})
    assert reply.status == 422 and "HH:MM" in reply.json["error"]["message"]


async def test_the_meta_access_token_is_never_returned(api: Api, db, carlos: Tenant) -> None:
    from store.models import Organization

    async with db.transaction() as session:
        org = await session.get(Organization, carlos.id)
        org.access_token_encrypted = "gAAAA-encrypted-meta-token"
        org.wa_phone_number_id = "106540352242922"
    reply = await api.call("GET", carlos.path, token=carlos.token)
    assert "gAAAA-encrypted-meta-token" not in reply.text
    assert reply.json["whatsapp"] == {"phone_number_id": "106540352242922", "waba_id": None, "connected": True}
