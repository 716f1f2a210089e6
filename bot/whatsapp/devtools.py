"""The dev transport's window: `GET /api/v1/dev/messages` lists what Yume would have sent.

Only there when the dev transport is in use (no Meta credentials); with Meta configured the
route answers 404, so production never exposes it. Same bearer tokens as the admin API: the
operator sees every business, an organization token only its own messages.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from aiohttp import web

from bot.api.auth import Role, authenticate
from bot.errors import ApiError
from bot.state import SETTINGS

if TYPE_CHECKING:
    from bot.whatsapp.channel import WhatsAppChannel

DEV_MESSAGES_PATH = "/api/v1/dev/messages"


def add_dev_routes(app: web.Application, channel: WhatsAppChannel) -> None:
    async def messages(request: web.Request) -> web.Response:
        transport = channel.dev_transport
        if transport is None:
            return web.json_response(
                {
                    "error": {
                        "code": "not_found",
                        "message": "the dev transport is off (Meta is configured)",
                        "details": [],
                    }
                },
                status=404,
            )
        try:
            limit = min(max(int(request.query.get("limit", "100")), 1), transport.keep)
            organization = uuid.UUID(request.query["organization_id"]) if "organization_id" in request.query else None
        except ValueError:
            return web.json_response(
                {
                    "error": {
                        "code": "bad_request",
                        "message": "limit is a number, organization_id a UUID",
                        "details": [],
                    }
                },
                status=400,
            )
        settings = request.app.get(SETTINGS)
        if settings is not None:  # inside Yume's app: the admin API's authentication
            async with channel.database.transaction() as session:
                principal = await authenticate(request, session, settings)
            if principal.role == Role.organization:
                if organization is not None and organization != principal.organization_id:
                    raise ApiError(404, "not_found", "organization not found")
                organization = principal.organization_id
        recorded = transport.recent(limit, organization)
        return web.json_response({"transport": "dev", "messages": [message.as_json() for message in recorded]})

    app.router.add_get(DEV_MESSAGES_PATH, messages)
