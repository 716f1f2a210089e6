"""Embedded Signup (coexistence): the page's structure, and the server half against the fake Graph API."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta

from bot.whatsapp.tokens import decrypt_token
from scheduler.clock import FrozenClock
from store.models import Organization, OrganizationStatus
from store.signup_links import SignupLink, find_signup_link
from store.types import utcnow
from tests.whatsapp.conftest import config_for
from tests.whatsapp.support import SECRET_KEY, RecordingEngine, onboarding_business_with_link

WABA = "102290129340398"
NUMBER = "1122334455667"


async def _link(db, token) -> SignupLink:
    async with db.transaction() as session:
        link = await find_signup_link(session, token)
        assert link is not None
        return link


async def _organization(db, organization_id) -> Organization:
    async with db.transaction() as session:
        return await session.get(Organization, organization_id)


async def test_the_connect_page_loads_the_sdk_for_business_app_onboarding_and_posts_the_code(db, make_channel) -> None:
    organization, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db))
    response = await client.get(f"/connect/{token}")
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    assert "Barbería Don Carlos" in page
    assert '"sdkUrl": "https://connect.facebook.net/es_LA/sdk.js"' in page and "sdkScript.src = YUME.sdkUrl" in page
    assert "FB.init(" in page and '"appId": "1234567890"' in page and '"configId": "987654321"' in page
    assert 'featureType: "whatsapp_business_app_onboarding"' in page
    assert 'response_type: "code"' in page and "override_default_response_type: true" in page
    assert 'sessionInfoVersion: "3"' in page
    assert 'window.addEventListener("message"' in page and 'data.type !== "WA_EMBEDDED_SIGNUP"' in page
    assert "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING" in page and '"CANCEL"' in page
    assert 'host === "facebook.com" || host.endsWith(".facebook.com")' in page, (
        "only messages from Facebook are trusted"
    )
    assert re.search(r"fetch\(window\.location\.pathname,\s*\{\s*method: \"POST\"", page)
    assert "JSON.stringify(signup)" in page and "code: null, waba_id: null, phone_number_id: null" in page


async def test_an_unknown_link_is_a_spanish_404_page(db, make_channel) -> None:
    client, _ = await make_channel(engine=RecordingEngine(db))
    response = await client.get("/connect/not-a-token")
    assert response.status == 404 and response.content_type == "text/html"
    assert "No encontramos este enlace" in await response.text()
    answer = await client.post("/connect/not-a-token", json={"code": "x", "waba_id": WABA})
    assert answer.status == 404 and (await answer.json())["ok"] is False


async def test_the_server_exchanges_the_code_subscribes_syncs_stores_the_token_encrypted_and_activates(
    db, make_channel, fake_graph
) -> None:
    organization, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    answer = await client.post(
        f"/connect/{token}",
        json={"code": "AQD-signup-code", "waba_id": WABA, "event": "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING"},
    )
    assert answer.status == 200, await answer.text()
    assert (await answer.json())["ok"] is True
    edges = [(call.method, call.edge) for call in fake_graph.requests]
    assert edges == [
        ("GET", "access_token"),
        ("POST", "subscribed_apps"),
        ("GET", "phone_numbers"),
        ("GET", NUMBER),
        ("POST", "smb_app_data"),
        ("POST", "smb_app_data"),
    ]
    exchange = fake_graph.requests[0]
    assert exchange.query == {"client_id": "1234567890", "client_secret": "test-app-secret", "code": "AQD-signup-code"}
    assert [call.body["sync_type"] for call in fake_graph.calls("smb_app_data")] == ["smb_app_state_sync", "history"]
    assert fake_graph.calls("subscribed_apps")[0].authorization == "Bearer EAAG-fake-business-token"
    assert "register" not in [call.edge for call in fake_graph.requests]
    connected = await _organization(db, organization.id)
    assert (connected.status, connected.waba_id, connected.wa_phone_number_id) == (
        OrganizationStatus.active,
        WABA,
        NUMBER,
    )
    assert connected.access_token_encrypted and "EAAG" not in connected.access_token_encrypted
    assert decrypt_token(connected.access_token_encrypted, SECRET_KEY) == "EAAG-fake-business-token"
    assert (await _link(db, token)).used_at is not None, "a link connects once"
    again = await client.post(f"/connect/{token}", json={"code": "c2", "waba_id": WABA})
    assert again.status == 409 and "ya quedó conectado" in (await again.json())["message"]


async def test_a_phone_number_id_from_the_popup_skips_the_lookup(db, make_channel, fake_graph) -> None:
    organization, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    answer = await client.post(f"/connect/{token}", json={"code": "c", "waba_id": WABA, "phone_number_id": "5550001"})
    assert answer.status == 200
    assert "phone_numbers" not in [call.edge for call in fake_graph.requests]
    assert (await _organization(db, organization.id)).wa_phone_number_id == "5550001"


async def test_when_meta_refuses_nothing_is_stored_and_the_owner_can_retry(db, make_channel, fake_graph) -> None:
    organization, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    fake_graph.fail(100, edge="subscribed_apps")
    answer = await client.post(f"/connect/{token}", json={"code": "c", "waba_id": WABA})
    assert answer.status == 502 and "Intenta de nuevo" in (await answer.json())["message"]
    unchanged = await _organization(db, organization.id)
    assert (unchanged.status, unchanged.access_token_encrypted) == (OrganizationStatus.onboarding, None)
    assert (await _link(db, token)).used_at is None, "the same link works for the retry"


async def test_a_failed_sync_request_does_not_undo_the_connection(db, make_channel, fake_graph) -> None:
    organization, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    fake_graph.fail(100, edge="smb_app_data", times=1)
    assert (await client.post(f"/connect/{token}", json={"code": "c", "waba_id": WABA})).status == 200
    assert (await _organization(db, organization.id)).status == OrganizationStatus.active


async def test_malformed_submissions_are_400(db, make_channel, fake_graph) -> None:
    _, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db), config=config_for(fake_graph.url))
    for body in ({"waba_id": WABA}, {"code": "c", "waba_id": "12; DROP"}, {"code": "", "waba_id": WABA}):
        assert (await client.post(f"/connect/{token}", json=body)).status == 400
    assert (await client.post(f"/connect/{token}", data=b"not json")).status == 400
    assert fake_graph.requests == []


async def test_without_meta_credentials_signup_says_yume_is_not_configured(db, make_channel) -> None:
    _, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db), config=config_for(app_id=None))
    answer = await client.post(f"/connect/{token}", json={"code": "c", "waba_id": WABA})
    assert answer.status == 503


async def test_yume_connect_issues_a_fresh_one_time_link(db, make_channel) -> None:
    from bot.commands.connect import _issue

    organization, old_token = await onboarding_business_with_link(db)
    link = await _issue(db.url, "https://yume.example", "Barbería Don Carlos")
    assert link is not None and link.startswith("https://yume.example/connect/")
    client, _ = await make_channel(engine=RecordingEngine(db))
    assert (await client.get(link.removeprefix("https://yume.example"))).status == 200
    replaced = await client.get(f"/connect/{old_token}")
    assert replaced.status == 410 and "reemplazado" in await replaced.text(), "the earlier link says it was replaced"
    assert await _issue(db.url, None, "No existe") is None


async def test_a_copied_link_with_a_trailing_slash_opens_the_same_page(db, make_channel) -> None:
    _, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db))
    for suffix in ("/", "/?fbclid=abc", "/algo-mas"):
        response = await client.get(f"/connect/{token}{suffix}", allow_redirects=False)
        assert response.status == 301 and response.headers["Location"] == f"/connect/{token}", suffix
    followed = await client.get(f"/connect/{token}/")
    assert followed.status == 200 and "Conectar WhatsApp" in await followed.text()
    assert (await client.get("/connect/")).content_type == "text/html"


async def test_a_link_expires_after_seven_days(db, make_channel) -> None:
    _, token = await onboarding_business_with_link(db)
    later = FrozenClock(utcnow() + timedelta(days=7, minutes=1))
    client, _ = await make_channel(engine=RecordingEngine(db), clock=later)
    response = await client.get(f"/connect/{token}")
    assert response.status == 410 and "Este enlace ya venció" in await response.text()
    answer = await client.post(f"/connect/{token}", json={"code": "c", "waba_id": WABA})
    assert answer.status == 410 and "venció" in (await answer.json())["message"]


async def test_without_the_meta_settings_the_page_is_refused_and_the_operator_is_told(
    db, make_channel, caplog
) -> None:
    _, token = await onboarding_business_with_link(db)
    client, _ = await make_channel(engine=RecordingEngine(db), config=config_for(app_id=None, signup_config_id=None))
    with caplog.at_level(logging.ERROR, logger="yume.whatsapp.signup"):
        response = await client.get(f"/connect/{token}")
    page = await response.text()
    assert response.status == 503 and "Todavía no podemos conectar tu WhatsApp" in page
    assert "FB.init" not in page and '"appId"' not in page
    assert any("META_APP_ID, META_SIGNUP_CONFIG_ID" in record.getMessage() for record in caplog.records)


async def test_a_links_history_survives_the_migration_from_the_connect_token_column(database_url, request) -> None:
    """Links sent before the migration keep working (as open links for another week)."""
    from alembic import command
    from sqlalchemy import text

    from store.database import Database
    from store.migrate import alembic_config, upgrade_to_head

    if database_url.startswith("postgresql"):
        server = request.getfixturevalue("postgres_server")
        database_url = await server.new_database_url(f"yume_mig_{uuid.uuid4().hex[:10]}")
    database = Database(database_url)
    try:

        def to_revision(connection, revision: str) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        async with database.engine.begin() as connection:
            await connection.run_sync(to_revision, "4e7079dc3a8f")  # the revision before the signup links
            organization_id = uuid.uuid4()
            await connection.execute(
                text(
                    "INSERT INTO organization (id, name, timezone, status, kind, plan, settings, connect_token,"
                    " created_at, updated_at) VALUES (:id, 'Uñas Lupita', 'America/Mexico_City', 'onboarding',"
                    " 'business', 'free', '{}', 'old-token-sent-last-week', :now, :now)"
                ),
                {"id": organization_id.hex if database.dialect == "sqlite" else organization_id, "now": utcnow()},
            )
        await upgrade_to_head(database.engine)
        async with database.transaction() as session:
            link = await find_signup_link(session, "old-token-sent-last-week")
            assert link is not None and link.organization_id == organization_id
            assert link.state(utcnow() + timedelta(days=6)).value == "open"
    finally:
        await database.dispose()
