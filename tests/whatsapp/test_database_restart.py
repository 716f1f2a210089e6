"""PostgreSQL restarts (simulated: every backend of the pool terminated) and the next turn still succeeds.

The pool does not ping each connection before use; a dropped connection fails its first
statement, the pool recycles every connection opened before it, and the webhook, the lanes and
the sender retry their unit of work once.
"""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.whatsapp.transport import DevTransport
from store.channel import InboxEvent
from tests.whatsapp.support import post_webhook, seed_business, text_message


async def _terminate_every_backend(url: str) -> int:
    """What a PostgreSQL restart does to Yume's pool: every connection to the database is dropped."""
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return len(
            await connection.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    finally:
        await connection.close()


async def test_after_postgresql_drops_every_connection_the_next_message_is_answered(db, make_channel) -> None:
    if db.dialect != "postgresql":
        pytest.skip("a PostgreSQL restart; SQLite is a file in the process")
    await seed_business(db)
    transport = DevTransport()
    client, channel = await make_channel(transport=transport)
    for index, text in enumerate(("Hola", "¿cuánto cuesta el corte?")):  # the pool is warm, several connections
        payload = text_message(text, message_id=f"wamid.before-{index}", timestamp=1_767_000_000 + index)
        assert (await post_webhook(client, payload)).status == 200
        await channel.settle()
    answered = len(transport.messages)
    assert await _terminate_every_backend(db.url) >= 1

    payload = text_message("¿a qué hora abren el sábado?", message_id="wamid.after", timestamp=1_767_000_100)
    response = await post_webhook(client, payload)
    assert response.status == 200, "stored and acknowledged, not a 503"
    await channel.settle()
    assert len(transport.messages) > answered, "answered"
    assert "sábado" in str(transport.messages[-1].payload)
    async with db.transaction() as session:
        row = (await session.execute(select(InboxEvent).where(InboxEvent.event_key == "msg:wamid.after"))).scalar_one()
    assert row.processed_at is not None and row.attempts == 0 and row.last_error is None, "no failed attempt"


async def test_events_stored_before_the_restart_are_processed_after_it_without_a_failed_attempt(db, make_channel) -> None:
    if db.dialect != "postgresql":
        pytest.skip("a PostgreSQL restart; SQLite is a file in the process")
    from datetime import datetime, timezone

    from bot.whatsapp.inbox import store_events
    from bot.whatsapp.payloads import split_envelope

    await seed_business(db)
    transport = DevTransport()
    client, channel = await make_channel(transport=transport)
    assert (await post_webhook(client, text_message("Hola", message_id="wamid.warm"))).status == 200
    await channel.settle()
    stored = await store_events(
        db, split_envelope(text_message("¿dónde están?", message_id="wamid.stored", timestamp=1_767_000_200)),
        datetime.now(timezone.utc),
    )
    assert await _terminate_every_backend(db.url) >= 1
    channel.inbox.kick(stored.lanes)  # the lane's first statements meet the dropped connections
    await channel.settle()
    async with db.transaction() as session:
        row = (await session.execute(select(InboxEvent).where(InboxEvent.event_key == "msg:wamid.stored"))).scalar_one()
    assert row.processed_at is not None and row.attempts == 0
    assert "tuve un problema" not in str(transport.messages[-1].payload), "a real answer, not the apology"
