"""Fixtures for the channel: a fake Graph API on loopback and apps wired like `yume serve`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.whatsapp.channel import ChannelConfig, WhatsAppChannel, setup_whatsapp
from bot.whatsapp.fake_graph import FakeGraphApi
from scheduler.clock import Clock, SystemClock
from store.database import Database
from tests.whatsapp.support import APP_SECRET, SECRET_KEY, VERIFY_TOKEN


class RunningFake(FakeGraphApi):
    url: str = ""


@pytest.fixture
async def fake_graph(aiohttp_server: Any) -> RunningFake:
    """The fake Graph API, listening on loopback; `fake_graph.url` is its base URL."""
    fake = RunningFake(
        phone_numbers={"102290129340398": [{"id": "1122334455667", "display_phone_number": "+52 55 1234 5678"}]}
    )
    server = await aiohttp_server(fake.app())
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


def config_for(graph_url: str = "http://127.0.0.1:9", **overrides: Any) -> ChannelConfig:
    values: dict[str, Any] = {
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "app_id": "1234567890",
        "graph_url": graph_url,
        "secret_key": SECRET_KEY,
        "signup_config_id": "987654321",
        "base_url": "https://yume.example",
        "rate_per_second": 1000.0,
    }
    values.update(overrides)
    return ChannelConfig(**values)


MakeChannel = Callable[..., Awaitable[tuple[TestClient, WhatsAppChannel]]]


@pytest.fixture
def make_channel(db: Database, aiohttp_client: Any) -> MakeChannel:
    """An app with the channel on it (background loops off unless asked: tests call `settle()`)."""

    async def make(
        *,
        engine: Any = None,
        transport: Any = None,
        config: ChannelConfig | None = None,
        clock: Clock | None = None,
        database: Database | None = None,
        background: bool = False,
    ) -> tuple[TestClient, WhatsAppChannel]:
        app = web.Application()
        channel = setup_whatsapp(
            app,
            config or config_for(),
            database or db,
            clock or SystemClock(),
            engine=engine,
            transport=transport,
            background=background,
        )
        client = await aiohttp_client(app)
        return client, channel

    return make
