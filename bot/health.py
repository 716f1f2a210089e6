"""Health and readiness: is the process up, and should the load balancer send it traffic?

`/health` is 200 while the process runs (it says whether the database answers). `/ready` is 503 —
and names why — while the database is unreachable, while its schema is behind this code (run
`yume db upgrade`), or while one of this process's background loops (inbox sweep, outbox sender,
job scheduler) has stopped: a process that acknowledges webhooks but never answers them must not
receive them. A database *ahead* of this code (a newer release migrated it during a rolling
upgrade) is ready: migrations only add, so the old code keeps working until it is replaced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from bot.errors import error_response
from bot.state import DATABASE
from store.migrate import current_revision, head_revision, known_revisions

PING_TIMEOUT_SECONDS = 3.0

# Loop name → whether it is running; the features that start background loops add theirs.
LOOPS = web.AppKey("background_loops", dict)


def add_loop(app: web.Application, name: str, running: Callable[[], bool]) -> None:
    """Report (in /ready and /metrics) whether one of this process's background loops is running."""
    app.setdefault(LOOPS, {})[name] = running


def loops_running(app: web.Application) -> dict[str, bool]:
    """Each registered background loop and whether it is running now."""
    return {name: bool(check()) for name, check in app.get(LOOPS, {}).items()}


async def database_reachable(app: web.Application) -> bool:
    """Whether the database answers a trivial query within the timeout."""
    try:
        return await asyncio.wait_for(app[DATABASE].ping(), PING_TIMEOUT_SECONDS)
    except TimeoutError:
        return False


async def schema_problem(app: web.Application) -> str | None:
    """Why the database's schema cannot serve this code (None when it can)."""
    try:
        current = await asyncio.wait_for(current_revision(app[DATABASE].engine), PING_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - reported, not raised: this is a readiness probe
        return f"could not read the schema revision: {type(error).__name__}"
    head = head_revision()
    if current == head:
        return None
    if current is None:
        return f"the database has no schema yet (this code needs revision {head}): run `yume db upgrade`"
    if current in known_revisions():
        return f"the database is at revision {current}, this code needs {head}: run `yume db upgrade`"
    return None  # a newer revision than this code knows: a newer release migrated it


async def health(request: web.Request) -> web.Response:
    """Always 200 while the process runs; says whether the database is reachable."""
    reachable = await database_reachable(request.app)
    return web.json_response(
        {"status": "ok" if reachable else "degraded", "database": "reachable" if reachable else "unreachable"}
    )


async def ready(request: web.Request) -> web.Response:
    """200 when the app can serve; 503 naming each reason it cannot (load balancers stop routing)."""
    if not await database_reachable(request.app):
        return error_response(503, "not_ready", "the database is not reachable")
    problems = []
    schema = await schema_problem(request.app)
    if schema:
        problems.append(schema)
    stopped = [name for name, running in loops_running(request.app).items() if not running]
    if stopped:
        problems.append("background loop stopped: " + ", ".join(stopped) + " (restart the process)")
    if problems:
        return error_response(503, "not_ready", "; ".join(problems), details=problems)
    return web.json_response({"status": "ready"})


def register(app: web.Application) -> None:
    """Add /health and /ready."""
    app.router.add_get("/health", health, name="health")
    app.router.add_get("/ready", ready, name="ready")
