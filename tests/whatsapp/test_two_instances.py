"""Two server processes on one PostgreSQL: every message processed once, in order, per person.

Two app instances (each with its own connection pool, inbox processor and engine) receive
interleaved deliveries for many conversations, some of them twice and some duplicates late,
with the real conversation engine (offline rule NLU) behind them.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.whatsapp.channel import default_engine
from bot.whatsapp.inbox import store_events
from bot.whatsapp.lanes import PostgresLaneLocks
from bot.whatsapp.payloads import split_envelope
from bot.whatsapp.transport import DevTransport
from flows.core.events import InboundEvent, OwnerEcho
from scheduler.clock import SystemClock
from store.channel import InboxEvent
from store.conversations import Direction, Message
from store.database import Database
from tests.whatsapp.support import RecordingEngine, post_webhook, seed_business, text_message

CONVERSATIONS = 16
SCRIPT = [
    "Hola",
    "¿cuánto cuesta el corte?",
    "¿a qué hora abren el sábado?",
    "¿dónde están?",
    "gracias",
    "hola de nuevo",
]
T0 = 1_767_000_000


class CountingEngine:
    """The real engine, with a log of when each event was handed to it (shared by both instances)."""

    def __init__(self, engine: Any, calls: list[tuple[float, str, str]], instance: str) -> None:
        self.engine, self.calls, self.instance = engine, calls, instance

    async def handle(self, event: InboundEvent, inbox_event_id=None):
        self.calls.append((time.monotonic(), event.message_id, self.instance))
        return await self.engine.handle(event, inbox_event_id)

    async def handle_echo(self, echo: OwnerEcho, inbox_event_id=None):
        return await self.engine.handle_echo(echo, inbox_event_id)


async def test_two_instances_process_every_message_once_and_in_order(db: Database, make_channel) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several server processes share PostgreSQL; SQLite is single-process by design")
    await seed_business(db)
    second_pool = Database(db.url)
    calls: list[tuple[float, str, str]] = []
    clock = SystemClock()
    instances = []
    for name, database in (("A", db), ("B", second_pool)):
        engine = CountingEngine(default_engine(database, clock), calls, name)
        instances.append(await make_channel(engine=engine, transport=DevTransport(), database=database, clock=clock))
    rng = random.Random(20260114)
    late_duplicates: list[dict[str, Any]] = []

    async def customer(index: int) -> None:
        wa_id = f"52155{index:08d}"
        for step, text in enumerate(SCRIPT):
            payload = text_message(text, wa_id=wa_id, message_id=f"wamid.c{index}.m{step}", timestamp=T0 + step * 7)
            client, _ = rng.choice(instances)
            assert (await post_webhook(client, payload)).status == 200
            if rng.random() < 0.3:  # Meta delivers it again, to the other instance
                other = instances[1] if client is instances[0][0] else instances[0]
                assert (await post_webhook(other[0], payload)).status == 200
            if rng.random() < 0.2:
                late_duplicates.append(payload)
            await asyncio.sleep(rng.random() * 0.01)

    await asyncio.gather(*(customer(index) for index in range(CONVERSATIONS)))
    for payload in late_duplicates:  # re-deliveries after later messages were already processed
        assert (await post_webhook(rng.choice(instances)[0], payload)).status == 200

    deadline = time.monotonic() + 120
    while True:
        async with db.transaction() as session:
            pending = (await session.execute(select(func.count()).where(InboxEvent.processed_at.is_(None)))).scalar()
        if pending == 0 and all(not channel.inbox._running for _, channel in instances):
            break
        assert time.monotonic() < deadline, f"{pending} events still unprocessed"
        await asyncio.sleep(0.1)

    expected = {f"wamid.c{i}.m{s}" for i in range(CONVERSATIONS) for s in range(len(SCRIPT))}
    handed = [message_id for _, message_id, _ in calls]
    assert sorted(handed) == sorted(expected), "every message handed to the engine exactly once"
    assert {instance for _, _, instance in calls} == {"A", "B"}, "both instances did work"
    for index in range(CONVERSATIONS):
        order = [message_id for _, message_id, _ in sorted(calls) if message_id.startswith(f"wamid.c{index}.")]
        assert order == [f"wamid.c{index}.m{step}" for step in range(len(SCRIPT))], f"conversation {index} out of order"
    async with db.transaction() as session:
        stored = (await session.execute(select(func.count()).where(Message.direction == Direction.inbound))).scalar()
        rows = (await session.execute(select(func.count()).select_from(InboxEvent))).scalar()
    assert stored == len(expected) and rows == len(expected)
    await second_pool.dispose()


async def test_two_senders_on_one_database_keep_to_twenty_messages_a_second_per_number(db: Database, fake_graph) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several server processes share PostgreSQL; SQLite is single-process by design")
    import aiohttp

    from bot.whatsapp.client import CloudApiClient
    from bot.whatsapp.outbox import OutboxSender
    from bot.whatsapp.templates import TemplateCatalog
    from bot.whatsapp.transport import CloudTransport
    from flows.core.messages import OutboundMessage
    from tests.whatsapp.support import SECRET_KEY, connect_business, queue_message

    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    for index in range(60):  # sixty people, one message each: nothing but the rate orders them
        await queue_message(db, loaded.organization_id, OutboundMessage(to=f"52155200{index:05d}", text="hola"))
    other_pool = Database(db.url)
    try:
        async with aiohttp.ClientSession() as http:
            senders = [
                OutboxSender(
                    database,
                    CloudTransport(CloudApiClient(http, fake_graph.url), SECRET_KEY),
                    SystemClock(),
                    templates=TemplateCatalog.load(),
                    rate_per_second=20,
                    batch_size=10,
                )
                for database in (db, other_pool)
            ]
            counts = await asyncio.gather(*(sender.drain() for sender in senders))
    finally:
        await other_pool.dispose()
    assert all(count > 0 for count in counts), f"both senders sent: {counts}"
    arrivals = sorted(request.at for request in fake_graph.requests if request.accepted)
    assert len(arrivals) == 60
    # Any 21 consecutive sends span at least a second (a little slack for loopback HTTP jitter).
    spans = [arrivals[index + 20] - arrivals[index] for index in range(len(arrivals) - 20)]
    assert min(spans) >= 0.97, f"{21} sends within {min(spans):.3f} s"


async def test_a_message_stored_while_another_process_holds_the_lane_is_answered_once_it_lets_go(
    db: Database, make_channel
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("several server processes share PostgreSQL; SQLite is single-process by design")

    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine, transport=DevTransport())
    other_process = Database(db.url)
    try:
        payload = text_message("hola", wa_id="5215512340000", message_id="wamid.while-held", timestamp=T0)
        (lane,) = (await store_events(db, split_envelope(payload), datetime.now(timezone.utc))).lanes
        async with PostgresLaneLocks(other_process).hold(lane) as holding:  # the other process is mid-turn
            assert holding.got
            channel.inbox.kick([lane])
            await asyncio.sleep(0.3)
            assert engine.texts == [], "nobody answers while the other process holds the person's lane"
        started = time.monotonic()
        while engine.texts != ["hola"]:
            assert time.monotonic() - started < 2, "left for the periodic sweep instead of answered"
            await asyncio.sleep(0.02)
        await channel.settle()
        assert engine.texts == ["hola"]
    finally:
        await other_process.dispose()
