"""Embedded Signup, coexistence flavour: the owner connects the number they already use.

`GET /connect/{token}` serves a small page that loads Meta's JS SDK, opens the signup popup with
`featureType: whatsapp_business_app_onboarding`, listens for the `WA_EMBEDDED_SIGNUP` message
(the business account and phone number ids) and the login callback (a `code` valid for 30 s),
and posts them to `POST /connect/{token}`. The server then, at once: exchanges the code for the
business token, subscribes Yume's app to the business account, looks up the phone number when
the popup did not say it, checks it is on the Business App, requests the two `smb_app_data`
syncs (contacts and history: each allowed once, within 24 h), stores the token encrypted with
YUME_SECRET_KEY, marks the link used and activates the organization. No `/register` call:
coexistence numbers are already registered by the Business App.

The page never leaves the owner stuck: the button stays grey until Facebook's SDK is ready, and
an SDK that is blocked or does not arrive in SDK_TIMEOUT_MS says so with a retry. A reopened link
says what became of it (`store/signup_links.py`: used → «ya quedó conectado», replaced, expired),
a copied link with a trailing slash still works, and without the Meta settings the page is not
served at all (a Spanish page for the owner, an error log line naming the variables for the
operator) rather than rendering with an empty app id.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import select

from bot.pages import texts
from bot.pages.html import add_stylesheet, message_page, page
from bot.whatsapp.client import CloudApiClient
from bot.whatsapp.errors import GraphApiError
from bot.whatsapp.tokens import encrypt_token
from flows.core.formatting import long_date
from store.database import Database
from store.organizations import Organization, OrganizationStatus
from store.phones import InvalidPhone, canonical_phone
from store.signup_links import LinkState, SignupLink, find_signup_link

if TYPE_CHECKING:
    from bot.whatsapp.channel import ChannelConfig, WhatsAppChannel

log = logging.getLogger("yume.whatsapp.signup")

CONNECT_PATH = "/connect/{token}"
SDK_URL = "https://connect.facebook.net/es_LA/sdk.js"
SDK_TIMEOUT_MS = 15_000  # a slow phone network still gets there; a silent blocker is told after this
SYNC_TYPES = ("smb_app_state_sync", "history")
_GRAPH_ID = re.compile(r"^[0-9]{1,32}$")


class SignupError(Exception):
    """The signup could not be completed; `message` is Spanish, for the owner's screen."""

    def __init__(self, status: int, message: str, detail: str | None = None) -> None:
        super().__init__(detail or message)
        self.status = status
        self.message = message
        self.detail = detail


class SignupSubmission(BaseModel):
    """What the page posts once the popup finished."""

    code: str
    waba_id: str
    phone_number_id: str | None = None
    event: str | None = None

    @field_validator("waba_id", "phone_number_id")
    @classmethod
    def _graph_id(cls, value: str | None) -> str | None:
        if value is not None and not _GRAPH_ID.match(value):
            raise ValueError("a Meta id is digits only")
        return value

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not value or len(value) > 4096:
            raise ValueError("missing code")
        return value


@dataclass
class SignupResult:
    organization_id: str
    waba_id: str
    phone_number_id: str
    display_phone_number: str | None
    on_business_app: bool | None
    syncs_requested: list[str] = field(default_factory=list)


def missing_settings(config: ChannelConfig) -> list[str]:
    """The environment variables the signup cannot work without, that are not set."""
    needed = {
        "META_APP_ID": config.app_id,
        "META_SIGNUP_CONFIG_ID": config.signup_config_id,
        "META_APP_SECRET": config.app_secret,
        "YUME_SECRET_KEY": config.secret_key,
    }
    return [name for name, value in needed.items() if not value]


def _refusal(link: SignupLink | None, organization: Organization | None, now: datetime) -> SignupError | None:
    """Why this link cannot connect a number now (None: it can), in the owner's words."""
    if link is None or organization is None:
        return SignupError(404, texts.SIGNUP_LINK_UNKNOWN.sentence)
    state = link.state(now)
    if state == LinkState.used:
        return SignupError(409, texts.signup_link_used(organization.name).sentence)
    if state == LinkState.replaced:
        return SignupError(410, texts.signup_link_replaced(organization.name).sentence)
    if state == LinkState.expired:
        return SignupError(410, texts.signup_link_expired().sentence)
    return None


async def complete_signup(
    database: Database,
    client: CloudApiClient,
    config: ChannelConfig,
    token: str,
    submission: SignupSubmission,
    now: datetime,
) -> SignupResult:
    """Everything the server does after the popup, in the order Meta requires."""
    missing = missing_settings(config)
    if missing:
        raise SignupError(503, texts.SIGNUP_NOT_CONFIGURED.sentence, f"{', '.join(missing)} missing")
    assert config.app_id and config.app_secret and config.secret_key  # missing_settings() checked them
    async with database.transaction() as session:
        link = await find_signup_link(session, token)
        organization = await session.get(Organization, link.organization_id) if link else None
        refusal = _refusal(link, organization, now)
        if refusal is not None:
            raise refusal
        assert link is not None and organization is not None
        organization_id = organization.id
    try:
        business_token = await client.exchange_code(
            config.app_id, config.app_secret, submission.code
        )  # expires in 30 s
        await client.subscribe_app(submission.waba_id, business_token)
        phone_number_id = submission.phone_number_id
        display = None
        if not phone_number_id:
            numbers = await client.phone_numbers(submission.waba_id, business_token)
            if not numbers or not numbers[0].get("id"):
                raise SignupError(409, texts.SIGNUP_NO_NUMBER)
            phone_number_id, display = str(numbers[0]["id"]), numbers[0].get("display_phone_number")
        details = await client.phone_number(
            phone_number_id, business_token, "is_on_biz_app,platform_type,display_phone_number"
        )
    except GraphApiError as error:
        log.warning("signup for organization %s failed at Meta: %s", organization_id, error.reason())
        raise SignupError(502, texts.SIGNUP_META_REFUSED, error.reason()) from error
    on_app = details.get("is_on_biz_app") if isinstance(details.get("is_on_biz_app"), bool) else None
    if on_app is False:
        log.warning(
            "number %s is not on the WhatsApp Business App (platform %s)", phone_number_id, details.get("platform_type")
        )
    display = display or details.get("display_phone_number")
    requested = []
    for sync_type in SYNC_TYPES:  # each only once, within 24 h of onboarding: never retried later
        try:
            await client.request_sync(phone_number_id, business_token, sync_type)
            requested.append(sync_type)
        except GraphApiError as error:
            log.warning("could not request %s for %s: %s", sync_type, phone_number_id, error.reason())

    async with database.transaction() as session:
        taken = await session.execute(
            select(Organization.id).where(
                Organization.wa_phone_number_id == phone_number_id, Organization.id != organization_id
            )
        )
        if taken.first() is not None:
            raise SignupError(409, texts.SIGNUP_NUMBER_TAKEN)
        # Re-read under lock: the link may have been replaced or used while Meta answered.
        link = await find_signup_link(session, token, for_update=True)
        organization = await session.get(Organization, organization_id)
        refusal = _refusal(link, organization, now)
        if refusal is not None:
            raise refusal
        assert link is not None and organization is not None
        organization.waba_id = submission.waba_id
        organization.wa_phone_number_id = phone_number_id
        organization.access_token_encrypted = encrypt_token(business_token, config.secret_key)
        organization.status = OrganizationStatus.active
        organization.updated_at = now
        link.used_at = now  # one link, one connection
        if display and not organization.phone:
            try:
                organization.phone = canonical_phone(str(display))
            except InvalidPhone:
                pass
    log.info("organization %s connected WhatsApp number %s (syncs: %s)", organization_id, phone_number_id, requested)
    return SignupResult(str(organization_id), submission.waba_id, phone_number_id, display, on_app, requested)


def connect_url(base_url: str | None, token: str) -> str:
    """The link Yume sends a new business: `{YUME_BASE_URL}/connect/{token}`."""
    return f"{(base_url or '').rstrip('/')}/connect/{token}"


def add_signup_routes(app: web.Application, channel: WhatsAppChannel) -> None:
    add_stylesheet(app)

    async def show(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        now = channel.clock.now()
        async with channel.database.transaction() as session:
            link = await find_signup_link(session, token)
            organization = await session.get(Organization, link.organization_id) if link else None
        if link is None or organization is None:
            return _message(404, texts.SIGNUP_LINK_UNKNOWN)
        state = link.state(now)
        if state == LinkState.used:
            return _message(200, texts.signup_link_used(organization.name), tone="ok")
        if state == LinkState.replaced:
            return _message(410, texts.signup_link_replaced(organization.name))
        if state == LinkState.expired:
            return _message(410, texts.signup_link_expired())
        missing = missing_settings(channel.config)
        if missing:
            log.error(
                "not serving the Embedded Signup page to organization %s: %s not set (see .env.example)",
                organization.id,
                ", ".join(missing),
            )
            return _message(503, texts.SIGNUP_NOT_CONFIGURED)
        return page(
            "connect.html",
            business=organization.name,
            expires=long_date(link.expires_at.astimezone(ZoneInfo(organization.timezone)).date()),
            settings={
                "appId": channel.config.app_id,
                "configId": channel.config.signup_config_id,
                "apiVersion": channel.config.api_version,
                "sdkUrl": SDK_URL,
                "sdkTimeoutMs": SDK_TIMEOUT_MS,
            },
        )

    async def submit(request: web.Request) -> web.Response:
        try:
            submission = SignupSubmission.model_validate(await request.json())
        except (ValueError, ValidationError):
            return web.json_response({"ok": False, "message": texts.SIGNUP_INCOMPLETE}, status=400)
        if channel.client is None:
            return web.json_response({"ok": False, "message": texts.SIGNUP_STARTING}, status=503)
        try:
            result = await complete_signup(
                channel.database,
                channel.client,
                channel.config,
                request.match_info["token"],
                submission,
                channel.clock.now(),
            )
        except SignupError as error:
            return web.json_response({"ok": False, "message": error.message}, status=error.status)
        return web.json_response(
            {
                "ok": True,
                "message": texts.SIGNUP_DONE,
                "phone_number_id": result.phone_number_id,
                "display_phone_number": result.display_phone_number,
            }
        )

    async def without_slash(request: web.Request) -> web.Response:
        # Links get copied with a trailing slash (or a stray path after it): same page.
        raise web.HTTPMovedPermanently(f"/connect/{request.match_info['token']}")

    async def no_token(request: web.Request) -> web.Response:
        return _message(404, texts.SIGNUP_LINK_UNKNOWN)

    app.router.add_get(CONNECT_PATH, show)
    app.router.add_post(CONNECT_PATH, submit)
    app.router.add_get("/connect/{token}/{rest:.*}", without_slash)
    app.router.add_get("/connect", no_token)
    app.router.add_get("/connect/", no_token)


def _message(status: int, text: texts.PageText, tone: str = "problem") -> web.Response:
    return message_page(status, text.title, text.text, hint=text.hint, tone=tone)
