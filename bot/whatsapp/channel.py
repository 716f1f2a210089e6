"""The WhatsApp channel assembled: webhook → inbox → engine → outbox → transport, on an aiohttp app.

    channel = setup_whatsapp(app, config, database, clock)        # in create_app()

adds the webhook routes, the Embedded Signup page, the dev-transport endpoint, and a cleanup
context that on start-up sweeps the inbox (events stored before a crash are processed now) and
starts the background loops (outbox sender, periodic inbox sweep), and on shutdown stops them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from bot import metrics
from bot.health import add_loop
from bot.settings import Settings
from bot.state import CLOCK, DATABASE, SETTINGS
from bot.whatsapp import prune as _prune  # noqa: F401  (registers the prune_channel background job)
from bot.whatsapp.client import DEFAULT_API_VERSION, DEFAULT_GRAPH_URL, CloudApiClient
from bot.whatsapp.inbox import ConversationEngine, InboxProcessor, NumberDirectory, StoreResult, store_events
from bot.whatsapp.outbox import OutboxSender
from bot.whatsapp.payloads import WebhookEvent
from bot.whatsapp.templates import TemplateCatalog
from bot.whatsapp.transport import CloudTransport, DevTransport, Transport
from bot.whatsapp.webhook import add_webhook_routes
from scheduler.clock import Clock
from store.database import Database

log = logging.getLogger("yume.whatsapp")

CHANNEL = web.AppKey("whatsapp_channel", "WhatsAppChannel")


@dataclass(frozen=True)
class ChannelConfig:
    """What the channel needs from the environment (see `.env.example`)."""

    app_secret: str | None = None  # META_APP_SECRET: webhook signatures and the code exchange
    verify_token: str | None = None  # META_WEBHOOK_VERIFY_TOKEN
    app_id: str | None = None  # META_APP_ID
    graph_url: str = DEFAULT_GRAPH_URL  # META_GRAPH_URL
    api_version: str = DEFAULT_API_VERSION  # META_API_VERSION
    secret_key: str | None = None  # YUME_SECRET_KEY: encrypts business tokens at rest
    signup_config_id: str | None = None  # META_SIGNUP_CONFIG_ID: the Embedded Signup configuration
    base_url: str | None = None  # YUME_BASE_URL
    rate_per_second: float = 20.0  # coexistence numbers: 20 messages/second
    inbox_sweep_seconds: float = 10.0
    outbox_poll_seconds: float = 1.0
    # How long a person's message waits for an older one that may still be on its way (WhatsApp
    # delivers out of order). `yume serve` holds (YUME_LANE_HOLD_SECONDS); chat, replay and tests don't.
    lane_hold_seconds: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelConfig:
        """The channel's part of Yume's settings (environment variables, read once at start-up)."""
        return cls(
            app_secret=_secret(settings.meta_app_secret),
            verify_token=_secret(settings.meta_webhook_verify_token),
            app_id=settings.meta_app_id,
            graph_url=settings.meta_graph_url,
            api_version=settings.meta_api_version,
            secret_key=_secret(settings.secret_key),
            signup_config_id=settings.meta_signup_config_id,
            base_url=settings.base_url,
            lane_hold_seconds=settings.lane_hold_seconds,
        )

    @property
    def uses_meta(self) -> bool:
        """Whether to call Meta (credentials present) or record messages with the dev transport."""
        return bool(self.app_id and self.app_secret)


class WhatsAppChannel:
    """The running channel of one server process."""

    def __init__(
        self,
        config: ChannelConfig,
        database: Database,
        clock: Clock,
        *,
        engine: ConversationEngine | None = None,
        transport: Transport | None = None,
        templates: TemplateCatalog | None = None,
    ) -> None:
        self.config = config
        self.database = database
        self.clock = clock
        self._engine = engine
        self._transport = transport
        self.templates = templates if templates is not None else TemplateCatalog.load()
        self.http: aiohttp.ClientSession | None = None
        self.client: CloudApiClient | None = None
        self.inbox: InboxProcessor | None = None
        self.outbox: OutboxSender | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.directory = NumberDirectory()

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            raise RuntimeError("the WhatsApp channel is not started")
        return self._transport

    @property
    def dev_transport(self) -> DevTransport | None:
        return self._transport if isinstance(self._transport, DevTransport) else None

    async def start(self, *, background: bool = True) -> None:
        """Open the HTTP session, build the pipeline, process what a crash left behind."""
        self.http = aiohttp.ClientSession()
        self.client = CloudApiClient(self.http, self.config.graph_url, self.config.api_version)
        if self._transport is None:
            self._transport = (
                CloudTransport(self.client, self.config.secret_key)
                if self.config.uses_meta
                else DevTransport(self.clock)
            )
        if self._engine is None:
            self._engine = default_engine(self.database, self.clock)
        self.outbox = OutboxSender(
            self.database,
            self._transport,
            self.clock,
            templates=self.templates,
            rate_per_second=self.config.rate_per_second,
            poll_interval_seconds=self.config.outbox_poll_seconds,
        )
        self.inbox = InboxProcessor(
            self.database,
            self._engine,
            self._transport,
            self.clock,
            on_outbound=self.outbox.kick,
            lane_hold_seconds=self.config.lane_hold_seconds,
        )
        log.info("WhatsApp channel started (transport: %s)", self._transport.name)
        if background:
            # The sweep's first round runs at once: whatever was stored but not processed before a
            # crash or restart is processed now (in the background: a database that is down at
            # start-up must not keep the app, and its /ready answer, from starting).
            loop = asyncio.get_running_loop()
            self._tasks = [
                loop.create_task(self.outbox.run(), name="outbox sender"),
                loop.create_task(self.inbox.run_periodic_sweep(self.config.inbox_sweep_seconds), name="inbox sweep"),
            ]

    def loop_running(self, name: str) -> bool:
        """Whether the background loop `name` ("outbox sender", "inbox sweep") is still running."""
        return any(task.get_name() == name and not task.done() for task in self._tasks)

    async def stop(self) -> None:
        """Stop the loops, let running lanes finish, close the HTTP session."""
        if self.outbox is not None:
            self.outbox.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self.outbox is not None:
            await self.outbox.flush()
        if self.inbox is not None:
            await self.inbox.close()
        if self.http is not None:
            await self.http.close()

    async def ingest(self, events: list[WebhookEvent], received_at: datetime) -> StoreResult:
        """Store one delivery's events (before the ack) and schedule their processing (after it)."""
        for event in events:
            metrics.WEBHOOK_EVENTS.labels(event.kind).inc()
        result = await store_events(self.database, events, received_at, self.directory)
        if self.inbox is not None:
            self.inbox.kick(result.lanes)
        return result

    async def settle(self, timeout: float = 30.0) -> None:
        """Process everything stored and send everything due, now (tests, `yume chat`, benchmarks)."""
        if self.inbox is None or self.outbox is None:
            raise RuntimeError("the WhatsApp channel is not started")
        await self.inbox.wait_idle(timeout)
        await self.outbox.drain()


def default_engine(database: Database, clock: Clock, settings: Settings | None = None) -> ConversationEngine:
    """The conversation engine with the NLU the settings allow (the offline rules without a key)."""
    from flows.engine import Engine
    from nlu.engine import build_understander

    if settings is None:
        return Engine(database, metrics.metered(build_understander(api_key=None)), clock)
    understander = metrics.metered(build_understander(**settings.nlu_options()))  # YUME_NLU_TIMEOUT_S included
    return Engine(database, understander, clock, base_url=settings.base_url)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def register(app: web.Application) -> None:
    """The app feature (`bot/app.py` FEATURES): the channel configured from the app's settings."""
    settings = app[SETTINGS]
    database, clock = app[DATABASE], app[CLOCK]
    setup_whatsapp(
        app, ChannelConfig.from_settings(settings), database, clock, engine=default_engine(database, clock, settings)
    )


def setup_whatsapp(
    app: web.Application,
    config: ChannelConfig,
    database: Database,
    clock: Clock,
    *,
    engine: ConversationEngine | None = None,
    transport: Transport | None = None,
    background: bool = True,
) -> WhatsAppChannel:
    """Add the channel's routes and its start-up/cleanup to `app`."""
    from bot.whatsapp.devtools import add_dev_routes
    from bot.whatsapp.signup import add_signup_routes

    channel = WhatsAppChannel(config, database, clock, engine=engine, transport=transport)
    app[CHANNEL] = channel
    add_webhook_routes(app, channel)
    add_signup_routes(app, channel)
    add_dev_routes(app, channel)

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await channel.start(background=background)
        try:
            yield
        finally:
            try:
                await channel.stop()
            except Exception:
                log.exception("the WhatsApp channel did not stop cleanly")

    app.cleanup_ctx.append(lifecycle)
    if background:
        for loop in ("inbox sweep", "outbox sender"):
            add_loop(app, loop.replace(" ", "_"), lambda loop=loop: channel.loop_running(loop))
    return channel
