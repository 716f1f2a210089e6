"""A small Cloud API client on aiohttp: messages, read receipts, signup calls and templates.

Every call goes to `{graph_url}/{version}/…` with the business token as a bearer, so tests and
the dev server point `graph_url` at the fake Graph API on loopback. Failures raise
`GraphApiError`, carrying Meta's code so the outbox can decide to retry, resend or give up.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from bot.whatsapp.errors import GraphApiError
from bot.whatsapp.outgoing import read_receipt_payload

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"


class CloudApiClient:
    """Talks to the Graph API for one Yume process (one HTTP session, many businesses)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        graph_url: str = DEFAULT_GRAPH_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout_seconds: float = 15.0,
    ) -> None:
        self.session = session
        self.graph_url = graph_url.rstrip("/")
        self.api_version = api_version
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    def url(self, path: str) -> str:
        return f"{self.graph_url}/{self.api_version}/{path.lstrip('/')}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One Graph API call; the decoded JSON answer, or GraphApiError."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with self.session.request(
                method, self.url(path), json=body, params=params, headers=headers, timeout=self.timeout
            ) as response:
                text = await response.text()
                try:
                    decoded: Any = json.loads(text) if text else {}
                except ValueError:
                    decoded = {"raw": text[:500]}
                if response.status >= 400 or (isinstance(decoded, dict) and "error" in decoded):
                    raise GraphApiError.from_response(response.status, decoded)
                return decoded if isinstance(decoded, dict) else {"data": decoded}
        except GraphApiError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise GraphApiError.unreachable(f"{type(error).__name__}: {error}") from error

    # --- messaging ------------------------------------------------------------------------------

    async def send_message(self, phone_number_id: str, token: str, payload: dict[str, Any]) -> str:
        """Send one message; returns its WhatsApp message id (wamid)."""
        answer = await self.request("POST", f"{phone_number_id}/messages", token=token, body=payload)
        messages = answer.get("messages")
        if (
            not isinstance(messages, list)
            or not messages
            or not isinstance(messages[0], dict)
            or not messages[0].get("id")
        ):
            raise GraphApiError(
                f"the Graph API accepted the message but returned no id: {answer!r}"[:500], http_status=200
            )
        return str(messages[0]["id"])

    async def mark_read(self, phone_number_id: str, token: str, message_id: str, typing: bool = True) -> None:
        """Blue ticks on an inbound message, with the typing indicator while Yume answers."""
        await self.request(
            "POST", f"{phone_number_id}/messages", token=token, body=read_receipt_payload(message_id, typing)
        )

    # --- connecting a business (Embedded Signup) ------------------------------------------------

    async def exchange_code(self, app_id: str, app_secret: str, code: str) -> str:
        """The business token for the code Embedded Signup returned (valid for 30 s)."""
        answer = await self.request(
            "GET", "oauth/access_token", params={"client_id": app_id, "client_secret": app_secret, "code": code}
        )
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise GraphApiError("the code exchange returned no access token", http_status=200)
        return token

    async def subscribe_app(self, waba_id: str, token: str) -> None:
        """Subscribe Yume's app to the business account's webhooks."""
        await self.request("POST", f"{waba_id}/subscribed_apps", token=token)

    async def phone_numbers(self, waba_id: str, token: str) -> list[dict[str, Any]]:
        """The phone numbers of a business account (id, display_phone_number, verified_name…)."""
        answer = await self.request("GET", f"{waba_id}/phone_numbers", token=token)
        data = answer.get("data")
        return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []

    async def phone_number(self, phone_number_id: str, token: str, fields: str) -> dict[str, Any]:
        """Fields of one phone number, e.g. "is_on_biz_app,platform_type" for coexistence."""
        return await self.request("GET", phone_number_id, token=token, params={"fields": fields})

    async def request_sync(self, phone_number_id: str, token: str, sync_type: str) -> None:
        """Ask Meta to send the phone's contacts (`smb_app_state_sync`) or past chats (`history`)."""
        await self.request(
            "POST",
            f"{phone_number_id}/smb_app_data",
            token=token,
            body={"messaging_product": "whatsapp", "sync_type": sync_type},
        )

    # --- templates ------------------------------------------------------------------------------

    async def submit_template(self, waba_id: str, token: str, definition: dict[str, Any]) -> dict[str, Any]:
        """Submit a message template for Meta's review; returns `{id, status, category}`."""
        return await self.request("POST", f"{waba_id}/message_templates", token=token, body=definition)
