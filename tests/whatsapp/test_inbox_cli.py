"""`yume inbox failed|retry`: an operator sees what was set aside and why, and puts it back in line."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.commands.inbox import masked
from store.channel import InboxEvent
from tests.whatsapp.support import RecordingEngine, post_webhook, seed_business, text_message


async def _yume(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))  # the command runs its own event loop


async def test_an_operator_lists_set_aside_events_and_replays_them(db, make_channel, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url)
    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine)
    payload = text_message("hola", message_id="wamid.cli", wa_id="5215512345678")
    engine.fail_on.add("wamid.cli")
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    async with db.transaction() as session:  # as if it had failed every attempt but the last already
        row = (await session.execute(select(InboxEvent))).scalar_one()
        row.attempts = 7
    await channel.inbox.sweep()
    await channel.settle()

    assert await _yume("inbox", "failed") == 0
    out = capsys.readouterr().out
    short = None
    async with db.transaction() as session:
        row = (await session.execute(select(InboxEvent))).scalar_one()
        short = str(row.id)[:8]
    assert row.failed_at is not None
    assert "1 event(s) set aside" in out and short in out
    assert "+52 55 **** 5678" in out and "5512345678" not in out, "phones are masked"
    assert "gave up after 8 attempts: RuntimeError: engine failure on wamid.cli" in out

    assert await _yume("inbox", "retry", "deadbeef") == 1
    assert "No set-aside event matches 'deadbeef'" in capsys.readouterr().out
    engine.fail_on.clear()  # the cause is fixed
    assert await _yume("inbox", "retry", short) == 0
    assert "1 event(s) back in line" in capsys.readouterr().out
    await channel.inbox.sweep()
    await channel.settle()
    assert engine.texts == ["hola"]
    assert await _yume("inbox", "failed") == 0
    assert "No events set aside" in capsys.readouterr().out
    assert await _yume("inbox", "retry", "--all") == 0
    assert "0 event(s) back in line" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("sender", "shown"),
    [("+525512345678", "+52 55 **** 5678"), ("bsuid:MX.1349120865530274", "bsuid:MX.1…"), (None, "-")],
)
def test_lanes_are_shown_without_the_whole_phone_or_id(sender: str | None, shown: str) -> None:
    assert masked(sender) == shown
