"""The Embedded Signup page as a new owner sees it on a phone: it never leaves them stuck."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from aiohttp import web

from bot.whatsapp.channel import setup_whatsapp
from scheduler.clock import FrozenClock
from store.database import Database
from store.models import Organization, OrganizationStatus
from store.signup_links import find_signup_link, issue_signup_link
from store.types import utcnow
from tests.browser.pages import FAKE_POPUP, FAKE_SDK, SDK_URL, assert_fits_a_phone, button_look
from tests.whatsapp.conftest import config_for
from tests.whatsapp.support import RecordingEngine, onboarding_business_with_link

BRAND_BLUE = "rgb(24, 119, 242)"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: what is tested here is the browser's side; the server half (link states,
    the Meta calls, the migration) runs on both databases in tests/whatsapp/test_signup.py."""
    return f"sqlite+aiosqlite:///{tmp_path / 'yume.db'}"


async def _serve(aiohttp_server: Any, db: Database, *, clock: Any = None, **config: Any) -> str:
    app = web.Application()
    setup_whatsapp(app, config_for(**config), db, clock or FrozenClock(utcnow()), engine=RecordingEngine(db), background=False)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/")


async def _fake_meta(page: Any) -> None:
    await page.route(SDK_URL, lambda route: route.fulfill(body=FAKE_SDK, content_type="text/javascript"))
    await page.route(
        "https://www.facebook.com/yume-test/**", lambda route: route.fulfill(body=FAKE_POPUP, content_type="text/html")
    )


async def test_a_blocked_facebook_sdk_is_explained_with_a_retry_and_the_button_looks_disabled_until_ready(
    db, aiohttp_server, phone
) -> None:
    _, token = await onboarding_business_with_link(db)
    base = await _serve(aiohttp_server, db)
    await phone.route(SDK_URL, lambda route: route.abort("blockedbyclient"))  # an ad blocker
    await phone.goto(f"{base}/connect/{token}")

    status = phone.locator("#status")
    await status.get_by_text("No pudimos cargar la ventana de Facebook").wait_for()
    assert "bloqueador de anuncios" in await status.inner_text()
    connect = await button_look(phone, "#connect")
    assert connect["disabled"] and connect["cursor"] == "not-allowed" and connect["background"] != BRAND_BLUE
    assert (await button_look(phone, "#retry"))["visible"]
    await assert_fits_a_phone(phone)

    await phone.unroute(SDK_URL)
    await _fake_meta(phone)  # the owner turned the blocker off
    await phone.locator("#retry").tap()
    await status.get_by_text("Todo listo").wait_for()
    connect = await button_look(phone, "#connect")
    assert not connect["disabled"] and connect["cursor"] == "pointer" and connect["background"] == BRAND_BLUE
    assert not (await button_look(phone, "#retry"))["visible"]
    assert (await phone.evaluate("window.__fb.init"))["appId"] == "1234567890"


async def test_an_sdk_that_never_arrives_times_out_with_the_same_help(db, aiohttp_server, phone) -> None:
    _, token = await onboarding_business_with_link(db)
    base = await _serve(aiohttp_server, db)
    stalled: list[Any] = []
    await phone.route(SDK_URL, lambda route: stalled.append(route))  # a network that swallows it
    await phone.clock.install()
    await phone.goto(f"{base}/connect/{token}", wait_until="domcontentloaded")  # "load" waits for the SDK
    assert "Cargando la conexión con Facebook" in await phone.locator("#status").inner_text()
    assert (await button_look(phone, "#connect"))["disabled"]
    await phone.clock.run_for(16_000)
    await phone.locator("#status").get_by_text("No pudimos cargar la ventana de Facebook").wait_for()
    assert (await button_look(phone, "#retry"))["visible"]
    for route in stalled:
        await route.abort()


async def test_an_owner_connects_and_reopening_the_link_says_it_is_connected(
    db, aiohttp_server, phone, fake_graph
) -> None:
    organization, token = await onboarding_business_with_link(db)
    base = await _serve(aiohttp_server, db, graph_url=fake_graph.url)
    await _fake_meta(phone)
    await phone.goto(f"{base}/connect/{token}")
    await phone.locator("#status").get_by_text("Todo listo").wait_for()
    await assert_fits_a_phone(phone)
    await phone.locator("#connect").tap()
    await phone.locator("#status").get_by_text("¡Listo! Tu WhatsApp quedó conectado a Yume.").wait_for()
    login = await phone.evaluate("window.__fb.login")
    assert login["config_id"] == "987654321" and login["extras"]["featureType"] == "whatsapp_business_app_onboarding"
    async with db.transaction() as session:
        connected = await session.get(Organization, organization.id)
        assert (connected.status, connected.waba_id) == (OrganizationStatus.active, "102290129340398")

    response = await phone.goto(f"{base}/connect/{token}")
    assert response.status == 200
    assert await phone.locator("h1").inner_text() == "¡Tu WhatsApp ya quedó conectado!"
    assert "Barbería Don Carlos ya está conectado a Yume" in await phone.locator("main").inner_text()
    assert await phone.locator("#connect").count() == 0
    await assert_fits_a_phone(phone)


async def test_each_kind_of_dead_link_gets_its_own_readable_page(db, aiohttp_server, phone) -> None:
    organization, first = await onboarding_business_with_link(db)
    async with db.transaction() as session:
        second = await issue_signup_link(session, organization.id, utcnow())
        expired = await issue_signup_link(session, organization.id, utcnow() - timedelta(days=8))
        newest = await issue_signup_link(session, organization.id, utcnow())
        (await find_signup_link(session, expired)).replaced_at = None  # only expired, never replaced
    base = await _serve(aiohttp_server, db)
    pages = {
        first: (410, "Este enlace ya fue reemplazado", "Usa el último que te llegó por WhatsApp"),
        second: (410, "Este enlace ya fue reemplazado", "Usa el último que te llegó por WhatsApp"),
        expired: (410, "Este enlace ya venció", "duran 7 días"),
        "no-existe": (404, "No encontramos este enlace", "copiado completo"),
    }
    for token, (status, title, sentence) in pages.items():
        response = await phone.goto(f"{base}/connect/{token}")
        assert response.status == status, token
        assert await phone.locator("h1").inner_text() == title
        assert sentence in await phone.locator("main").inner_text()
        await assert_fits_a_phone(phone)

    # The newest link works, also copied with a trailing slash.
    await phone.route(SDK_URL, lambda route: route.abort())
    await phone.goto(f"{base}/connect/{newest}/")
    assert phone.url == f"{base}/connect/{newest}"
    assert await phone.locator("h1").inner_text() == "Conecta tu WhatsApp a Yume"


async def test_without_the_meta_settings_the_owner_gets_a_page_that_says_so(db, aiohttp_server, phone) -> None:
    _, token = await onboarding_business_with_link(db)
    base = await _serve(aiohttp_server, db, app_id=None)
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    response = await phone.goto(f"{base}/connect/{token}")
    assert response.status == 503
    assert await phone.locator("h1").inner_text() == "Todavía no podemos conectar tu WhatsApp"
    await assert_fits_a_phone(phone)
    await asyncio.sleep(0.2)
    assert not [url for url in requested if "facebook" in url], "the SDK is not even asked for"
