"""The dev transport's window: `GET /api/v1/dev/messages` lists what Yume would have sent.

Only there when the dev transport is in use (no Meta credentials); with Meta configured the
route answers 404, so production never exposes it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from bot.whatsapp.channel import WhatsAppChannel

DEV_MESSAGES_PATH = "/api/v1/dev/messages"


def add_dev_routes(app: web.Application, channel: WhatsAppChannel) -> None:
    async def messages(request: web.Request) -> web.Response:
        transport = channel.dev_transport
        if transport is None:
            return web.json_response(
                {"error": {"code": "not_found", "message": "the dev transport is off (Meta is configured)", "details": []}},
                status=404,
            )
        try:
            limit = min(max(int(request.query.get("limit", "100")), 1), transport.keep)
            organization = uuid.UUID(request.query["organization_id"]) if "organization_id" in request.query else None
        except ValueError:
            return web.json_response(
                {"error": {"code": "bad_request", "message": "limit is a number, organization_id a UUID", "details": []}},
                status=400,
            )
        recorded = transport.recent(limit, organization)
        return web.json_response({"transport": "dev", "messages": [message.as_json() for message in recorded]})

    app.router.add_get(DEV_MESSAGES_PATH, messages)
