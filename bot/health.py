"""Health and readiness: is the process up, and can it reach its database?"""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.errors import error_response
from bot.state import DATABASE

PING_TIMEOUT_SECONDS = 3.0


async def database_reachable(app: web.Application) -> bool:
    """Whether the database answers a trivial query within the timeout."""
    try:
        return await asyncio.wait_for(app[DATABASE].ping(), PING_TIMEOUT_SECONDS)
    except TimeoutError:
        return False


async def health(request: web.Request) -> web.Response:
    """Always 200 while the process runs; says whether the database is reachable."""
    reachable = await database_reachable(request.app)
    return web.json_response(
        {"status": "ok" if reachable else "degraded", "database": "reachable" if reachable else "unreachable"}
    )


async def ready(request: web.Request) -> web.Response:
    """200 when the app can serve requests; 503 while the database is unreachable (load balancers stop routing)."""
    if not await database_reachable(request.app):
        return error_response(503, "not_ready", "the database is not reachable")
    return web.json_response({"status": "ready"})


def register(app: web.Application) -> None:
    """Add /health and /ready."""
    app.router.add_get("/health", health, name="health")
    app.router.add_get("/ready", ready, name="ready")
