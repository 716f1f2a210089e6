"""Embedded Signup, coexistence flavour: the owner connects the number they already use.

`GET /connect/{token}` serves a small page that loads Meta's JS SDK, opens the signup popup with
`featureType: whatsapp_business_app_onboarding`, listens for the `WA_EMBEDDED_SIGNUP` message
(the business account and phone number ids) and the login callback (a `code` valid for 30 s),
and posts them to `POST /connect/{token}`. The server then, at once: exchanges the code for the
business token, subscribes Yume's app to the business account, looks up the phone number when
the popup did not say it, checks it is on the Business App, requests the two `smb_app_data`
syncs (contacts and history: each allowed once, within 24 h), stores the token encrypted with
YUME_SECRET_KEY and activates the organization. No `/register` call: coexistence numbers are
already registered by the Business App.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import select

from bot.whatsapp.client import CloudApiClient
from bot.whatsapp.errors import GraphApiError
from bot.whatsapp.tokens import encrypt_token
from store.database import Database
from store.organizations import Organization, OrganizationStatus
from store.phones import InvalidPhone, canonical_phone

if TYPE_CHECKING:
    from bot.whatsapp.channel import ChannelConfig, WhatsAppChannel

log = logging.getLogger("yume.whatsapp.signup")

CONNECT_PATH = "/connect/{token}"
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


async def complete_signup(
    database: Database, client: CloudApiClient, config: ChannelConfig, token: str, submission: SignupSubmission
) -> SignupResult:
    """Everything the server does after the popup, in the order Meta requires."""
    if not (config.app_id and config.app_secret):
        raise SignupError(
            503, "Yume todavía no está configurado para conectar WhatsApp.", "META_APP_ID/META_APP_SECRET missing"
        )
    if not config.secret_key:
        raise SignupError(503, "Yume todavía no está configurado para conectar WhatsApp.", "YUME_SECRET_KEY missing")
    async with database.transaction() as session:
        organization = await _organization_by_token(session, token)
        if organization is None:
            raise SignupError(404, "Este enlace ya no es válido. Pide uno nuevo a Yume.")
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
                raise SignupError(409, "No encontré un número de WhatsApp en tu cuenta. ¿Terminaste la conexión?")
            phone_number_id, display = str(numbers[0]["id"]), numbers[0].get("display_phone_number")
        details = await client.phone_number(
            phone_number_id, business_token, "is_on_biz_app,platform_type,display_phone_number"
        )
    except GraphApiError as error:
        log.warning("signup for organization %s failed at Meta: %s", organization_id, error.reason())
        raise SignupError(
            502, "Meta no aceptó la conexión. Intenta de nuevo en unos minutos.", error.reason()
        ) from error
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
            raise SignupError(409, "Ese número ya está conectado a otro negocio en Yume.")
        organization = await session.get(Organization, organization_id)
        if organization is None or organization.connect_token != token:
            raise SignupError(404, "Este enlace ya no es válido. Pide uno nuevo a Yume.")
        organization.waba_id = submission.waba_id
        organization.wa_phone_number_id = phone_number_id
        organization.access_token_encrypted = encrypt_token(business_token, config.secret_key)
        organization.status = OrganizationStatus.active
        organization.connect_token = None  # one link, one connection
        if display and not organization.phone:
            try:
                organization.phone = canonical_phone(str(display))
            except InvalidPhone:
                pass
    log.info("organization %s connected WhatsApp number %s (syncs: %s)", organization_id, phone_number_id, requested)
    return SignupResult(str(organization_id), submission.waba_id, phone_number_id, display, on_app, requested)


async def _organization_by_token(session: Any, token: str) -> Organization | None:
    if not token or len(token) > 64:
        return None
    return (await session.execute(select(Organization).where(Organization.connect_token == token))).scalars().first()


def connect_url(base_url: str | None, token: str) -> str:
    """The link Yume sends a new business: `{YUME_BASE_URL}/connect/{token}`."""
    return f"{(base_url or '').rstrip('/')}/connect/{token}"


def add_signup_routes(app: web.Application, channel: WhatsAppChannel) -> None:
    async def page(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        async with channel.database.transaction() as session:
            organization = await _organization_by_token(session, token)
        if organization is None:
            return web.Response(
                status=404,
                text=_message_page("Este enlace ya no es válido. Pide uno nuevo a Yume."),
                content_type="text/html",
            )
        return web.Response(text=render_connect_page(organization.name, channel.config), content_type="text/html")

    async def submit(request: web.Request) -> web.Response:
        try:
            submission = SignupSubmission.model_validate(await request.json())
        except (ValueError, ValidationError):
            return web.json_response(
                {"ok": False, "message": "Faltan datos de la conexión. Intenta de nuevo."}, status=400
            )
        if channel.client is None:
            return web.json_response(
                {"ok": False, "message": "Yume está iniciando; intenta en un momento."}, status=503
            )
        try:
            result = await complete_signup(
                channel.database, channel.client, channel.config, request.match_info["token"], submission
            )
        except SignupError as error:
            return web.json_response({"ok": False, "message": error.message}, status=error.status)
        return web.json_response(
            {
                "ok": True,
                "message": "¡Listo! Tu WhatsApp quedó conectado a Yume.",
                "phone_number_id": result.phone_number_id,
                "display_phone_number": result.display_phone_number,
            }
        )

    app.router.add_get(CONNECT_PATH, page)
    app.router.add_post(CONNECT_PATH, submit)


def _message_page(text: str) -> str:
    return (
        f'<!doctype html><html lang="es-MX"><meta charset="utf-8"><title>Yume</title><p>{html.escape(text)}</p></html>'
    )


def _js(value: Any) -> str:
    """A value as a JavaScript literal that cannot close the <script> element."""
    return json.dumps(value).replace("</", "<\\/")


def render_connect_page(business_name: str, config: ChannelConfig) -> str:
    """The signup page for one business (the SDK does the rest in the owner's browser)."""
    settings = {
        "appId": config.app_id or "",
        "configId": config.signup_config_id or "",
        "apiVersion": config.api_version,
    }
    return _PAGE.replace("{{business}}", html.escape(business_name)).replace("{{settings}}", _js(settings))


_PAGE = """<!doctype html>
<html lang="es-MX">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conecta tu WhatsApp a Yume</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; }
  button { background: #1877f2; color: #fff; border: 0; border-radius: .5rem; padding: .8rem 1.4rem; font-size: 1rem; cursor: pointer; }
  #status { margin-top: 1.5rem; }
</style>
</head>
<body>
<h1>Conecta tu WhatsApp a Yume</h1>
<p><strong>{{business}}</strong>: conecta el número que ya usas en WhatsApp Business. Sigues usando la app en tu
teléfono como siempre; Yume contesta a tus clientes en el mismo número.</p>
<button id="connect" type="button" disabled>Conectar WhatsApp</button>
<p id="status" role="status"></p>
<script>
  const YUME = {{settings}};
  const signup = { code: null, waba_id: null, phone_number_id: null, event: null };
  let posted = false;
  const statusLine = document.getElementById("status");
  const button = document.getElementById("connect");
  function show(text) { statusLine.textContent = text; }

  window.fbAsyncInit = function () {
    FB.init({ appId: YUME.appId, autoLogAppEvents: true, xfbml: true, version: YUME.apiVersion });
    button.disabled = false;
  };

  function fromFacebook(origin) {
    try {
      const host = new URL(origin).hostname;
      return host === "facebook.com" || host.endsWith(".facebook.com");
    } catch (error) {
      return false;
    }
  }

  // Embedded Signup reports the business account and number through a window message.
  window.addEventListener("message", function (event) {
    if (!fromFacebook(event.origin)) return;
    let data;
    try { data = JSON.parse(event.data); } catch (error) { return; }
    if (!data || data.type !== "WA_EMBEDDED_SIGNUP") return;
    if (data.event === "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING" || data.event === "FINISH") {
      signup.waba_id = data.data.waba_id;
      signup.phone_number_id = data.data.phone_number_id || null;
      signup.event = data.event;
      finish();
    } else if (data.event === "CANCEL") {
      show("Cancelaste la conexión. Puedes intentarlo de nuevo cuando quieras.");
    } else if (data.event === "ERROR") {
      show("Meta reportó un problema al conectar. Intenta de nuevo.");
    }
  });

  // The login callback carries the code; it expires in 30 seconds, so it goes to Yume at once.
  function launch() {
    show("Abriendo la ventana de Meta…");
    FB.login(function (response) {
      if (response.authResponse && response.authResponse.code) {
        signup.code = response.authResponse.code;
        finish();
      } else {
        show("No se completó la conexión. Intenta de nuevo.");
      }
    }, {
      config_id: YUME.configId,
      response_type: "code",
      override_default_response_type: true,
      extras: { setup: {}, featureType: "whatsapp_business_app_onboarding", sessionInfoVersion: "3" }
    });
  }

  async function finish() {
    if (posted || !signup.code || !signup.waba_id) return;
    posted = true;
    show("Conectando tu número…");
    try {
      const response = await fetch(window.location.pathname, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(signup)
      });
      const answer = await response.json();
      show(answer.message);
      if (!answer.ok) posted = false;
    } catch (error) {
      posted = false;
      show("No pude avisar a Yume. Revisa tu conexión e intenta de nuevo.");
    }
  }

  button.addEventListener("click", launch);
</script>
<script async defer crossorigin="anonymous" src="https://connect.facebook.net/es_LA/sdk.js"></script>
</body>
</html>
"""
