"""The one aiohttp application: health, the admin API, the WhatsApp channel and the background jobs.

Extending it: a feature is a module with `register(app: web.Application) -> None` that adds its
routes and, if it runs something in the background, its start/stop hooks
(`app.cleanup_ctx.append(...)`, or `app.on_startup` / `app.on_cleanup`). Add it to FEATURES.
Shared state lives under the typed keys of `bot/state.py` (SETTINGS, DATABASE, CLOCK); a feature
adds its own `web.AppKey`s next to its code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot import api, health, jobs, metrics, pages
from bot.whatsapp import channel as whatsapp
from bot.errors import json_errors
from bot.settings import Settings
from bot.state import CLOCK, DATABASE, SETTINGS
from scheduler.clock import Clock, SystemClock
from store.database import Database

Feature = Callable[[web.Application], None]

FEATURES: tuple[Feature, ...] = (
    health.register,
    metrics.register,  # /metrics (Prometheus) and the webhook ack timing
    api.register,
    whatsapp.register,  # webhook, inbox/outbox loops, Embedded Signup page, dev transport endpoint
    pages.register,  # the week agenda a staff member opens from WhatsApp (/{org}/agenda), the pages' stylesheet
    jobs.register,  # reminders, morning agendas, review requests, stale chats and takeovers (APScheduler)
)


def create_app(settings: Settings, *, database: Database | None = None, clock: Clock | None = None) -> web.Application:
    """Build the app. A database passed in stays the caller's to dispose; one made here is disposed on cleanup."""
    app = web.Application(middlewares=[json_errors], client_max_size=settings.max_request_bytes)
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[DATABASE] = database or Database(settings.database_url)
    if database is None:
        app.cleanup_ctx.append(_dispose_database)
    for feature in FEATURES:
        feature(app)
    return app


async def _dispose_database(app: web.Application) -> AsyncIterator[None]:
    yield
    await app[DATABASE].dispose()
