"""The admin API under /api/v1: one module per resource, registered here, documented in OpenAPI.

Adding a resource: write `bot/api/<resource>.py` with `routes = RouteTable("<tag>")` and its
handlers (see `bot/api/routing.py`), then add its table to ROUTE_TABLES.
"""

from __future__ import annotations

from aiohttp import web

from bot.api import (
    appointments,
    availability,
    blocks,
    conversations,
    customers,
    organizations,
    services,
    special_days,
    staff,
    tokens,
)
from bot.api.openapi import openapi_document
from bot.api.routing import API_PREFIX, Route, RouteTable, add_routes

ROUTE_TABLES: tuple[RouteTable, ...] = (
    organizations.routes,
    tokens.routes,
    services.routes,
    staff.routes,
    availability.routes,
    blocks.routes,
    special_days.routes,
    customers.routes,
    appointments.routes,
    conversations.routes,
)

OPENAPI_PATH = f"{API_PREFIX}/openapi.json"

DESCRIPTION = """Yume's admin API: organizations, services, staff, customers, appointments,
availability, blocks, special days (closures, short days) and conversations. Bearer tokens: the operator token creates organizations and
issues organization tokens; an organization token sees only its own organization (anything else is
a 404). Times are ISO 8601 with a UTC offset (naive times are refused); dates are days of the
business's calendar; money is integer cents of MXN. Errors are
{"error": {"code", "message", "details"}}."""


def all_routes() -> list[Route]:
    """Every declared API route."""
    return [route for table in ROUTE_TABLES for route in table]


def register(app: web.Application) -> None:
    """Add the API routes and its OpenAPI document to the app."""
    routes = all_routes()
    add_routes(app, routes)
    document = openapi_document(routes, title="Yume admin API", version="1", description=DESCRIPTION)

    async def serve_openapi(request: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get(OPENAPI_PATH, serve_openapi, name="openapi")
