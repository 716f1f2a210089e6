"""Meta's webhook: `GET` verifies the subscription, `POST` delivers events.

A delivery is answered only after its events are stored (so an ack never loses anything) and
before they are processed (so Meta gets its 200 in milliseconds). The signature is checked over
the raw bytes in constant time; a missing or wrong one is a 401 and nothing is stored. Nothing a
sender puts in a signed body produces a 500: unreadable JSON is a 400, anything else is stored
(as an `unknown` event when Yume cannot read it) and acknowledged. A database outage is a 503,
which Meta retries.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.whatsapp.payloads import NotAWebhook, decode_body, split_envelope
from bot.whatsapp.signature import SIGNATURE_HEADER, signature_is_valid

if TYPE_CHECKING:
    from bot.whatsapp.channel import WhatsAppChannel

log = logging.getLogger("yume.whatsapp.webhook")

WEBHOOK_PATH = "/api/v1/webhooks/whatsapp"
MAX_BODY_BYTES = 8 * 1024 * 1024  # Meta sends up to 3 MB


def _json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message, "details": []}}, status=status)


def add_webhook_routes(app: web.Application, channel: WhatsAppChannel) -> None:
    """Register the verification and delivery routes for `channel`."""

    async def verify(request: web.Request) -> web.Response:
        """Meta's subscription check: echo the challenge when the verify token matches."""
        expected = channel.config.verify_token
        given = request.query.get("hub.verify_token", "")
        if (
            request.query.get("hub.mode") == "subscribe"
            and expected
            and hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())
        ):
            return web.Response(text=request.query.get("hub.challenge", ""), content_type="text/plain")
        return _json_error(403, "forbidden", "webhook verification failed: wrong hub.mode or hub.verify_token")

    async def receive(request: web.Request) -> web.Response:
        """Store every event of one delivery, answer 200, process afterwards."""
        received_at = channel.clock.now()
        body = await _read_bounded(request)
        if body is None:
            return _json_error(413, "body_too_large", f"webhook bodies are at most {MAX_BODY_BYTES} bytes")
        if not signature_is_valid(body, request.headers.get(SIGNATURE_HEADER), channel.config.app_secret):
            return _json_error(401, "unauthorized", f"missing or wrong {SIGNATURE_HEADER}")
        try:
            document = decode_body(body)
        except NotAWebhook as error:
            return _json_error(400, "bad_request", f"not a webhook delivery: {error}")
        events = split_envelope(document)
        try:
            await channel.ingest(events, received_at)
        except Exception:
            log.exception("could not store a webhook delivery (%d events); Meta will retry", len(events))
            return _json_error(503, "unavailable", "could not store the delivery; retry later")
        return web.Response(text="EVENT_RECEIVED", content_type="text/plain")

    app.router.add_get(WEBHOOK_PATH, verify)
    app.router.add_post(WEBHOOK_PATH, receive)


async def _read_bounded(request: web.Request) -> bytes | None:
    """The raw body (exactly as sent: the signature covers these bytes), or None when too large.

    Read from the stream rather than `request.read()`, whose limit is the admin API's (1 MB);
    Meta's deliveries may be larger.
    """
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
