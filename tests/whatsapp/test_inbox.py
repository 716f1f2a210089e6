"""The inbox: in order per person, exactly once, edits and deletions honoured, failures contained."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, update

from bot.whatsapp.inbox import MAX_ATTEMPTS, store_events
from bot.whatsapp.lanes import Lane
from bot.whatsapp.payloads import split_envelope
from bot.whatsapp.transport import DevTransport
from store.channel import InboxEvent
from store.conversations import Conversation, ConversationStatus
from tests.whatsapp.support import RecordingEngine, envelope, post_webhook, seed_business, text_message

T0 = 1_767_000_000
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _edit(original: str, text: str, message_id: str, timestamp: int, wa_id: str = "5215512345678") -> dict[str, Any]:
    message = {
        "from": wa_id,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "edit",
        "edit": {"original_message_id": original, "message": {"type": "text", "text": {"body": text}}},
    }
    return envelope("messages", {"contacts": [{"wa_id": wa_id}], "messages": [message]})


def _revoke(original: str, message_id: str, timestamp: int, wa_id: str = "5215512345678") -> dict[str, Any]:
    message = {
        "from": wa_id,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "revoke",
        "revoke": {"original_message_id": original},
    }
    return envelope("messages", {"contacts": [{"wa_id": wa_id}], "messages": [message]})


def _reaction(to_message: str, message_id: str, timestamp: int, wa_id: str = "5215512345678") -> dict[str, Any]:
    message = {
        "from": wa_id,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "reaction",
        "reaction": {"message_id": to_message, "emoji": "👍"},
    }
    return envelope("messages", {"contacts": [{"wa_id": wa_id}], "messages": [message]})


async def _store(db, *payloads: dict[str, Any]) -> set[Lane]:
    lanes: set[Lane] = set()
    for payload in payloads:
        lanes |= (await store_events(db, split_envelope(payload), datetime.now(timezone.utc))).lanes
    return lanes


async def test_a_persons_messages_are_processed_in_timestamp_order_whatever_the_delivery_order(
    db, make_channel
) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    _, channel = await make_channel(engine=engine)
    lanes = await _store(
        db,
        text_message("tercero", message_id="wamid.3", timestamp=T0 + 3),
        text_message("primero", message_id="wamid.1", timestamp=T0 + 1),
        text_message("de otra persona", message_id="wamid.x", timestamp=T0, wa_id="5215599999999"),
        text_message("segundo", message_id="wamid.2", timestamp=T0 + 2),
    )
    channel.inbox.kick(lanes)
    await channel.settle()
    mine = [event.text for event in engine.events if event.wa_id == "5215512345678"]
    assert mine == ["primero", "segundo", "tercero"]
    assert len(engine.events) == 4


async def test_a_turn_and_its_inbox_mark_commit_together_so_a_failure_after_the_commit_never_repeats_it(
    db, make_channel
) -> None:
    await seed_business(db)

    class DiesAfterCommit(RecordingEngine):
        async def handle(self, event, inbox_event_id=None):
            await super().handle(event, inbox_event_id)
            raise ConnectionResetError("the process lost its connection right after the commit")

    engine = DiesAfterCommit(db)
    _, channel = await make_channel(engine=engine)
    channel.inbox.kick(await _store(db, text_message("hola", message_id="wamid.once")))
    await channel.settle()
    await channel.inbox.sweep()
    await channel.settle()
    assert [event.message_id for event in engine.events] == ["wamid.once"]
    async with db.transaction() as session:
        row = (await session.execute(select(InboxEvent))).scalar_one()
    assert row.processed_at is not None and row.failed_at is None and row.last_error is None


async def test_an_edit_of_a_message_not_yet_acted_on_is_treated_as_the_message(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    _, channel = await make_channel(engine=engine)
    lanes = await _store(
        db,
        text_message("quiero un corte el lune", message_id="wamid.orig", timestamp=T0),
        _edit("wamid.orig", "quiero un corte el lunes", "wamid.edit", T0 + 20),
    )
    channel.inbox.kick(lanes)
    await channel.settle()
    assert [(event.message_id, event.text) for event in engine.events] == [("wamid.edit", "quiero un corte el lunes")]


async def test_an_edit_of_a_message_already_acted_on_is_ignored(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    _, channel = await make_channel(engine=engine)
    channel.inbox.kick(await _store(db, text_message("a las 4", message_id="wamid.acted", timestamp=T0)))
    await channel.settle()
    channel.inbox.kick(await _store(db, _edit("wamid.acted", "a las 5", "wamid.late-edit", T0 + 30)))
    await channel.settle()
    assert engine.texts == ["a las 4"]


async def test_an_edit_that_overtakes_its_original_wins_and_the_late_original_is_dropped(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    _, channel = await make_channel(engine=engine)
    channel.inbox.kick(await _store(db, _edit("wamid.slow-orig", "mañana a las 5", "wamid.fast-edit", T0 + 10)))
    await channel.settle()
    channel.inbox.kick(await _store(db, text_message("mañana a las 4", message_id="wamid.slow-orig", timestamp=T0)))
    await channel.settle()
    assert engine.texts == ["mañana a las 5"]


async def test_a_message_deleted_before_yume_acted_on_it_is_never_answered(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    _, channel = await make_channel(engine=engine)
    lanes = await _store(
        db,
        text_message("perdón, me equivoqué de chat", message_id="wamid.oops", timestamp=T0),
        _revoke("wamid.oops", "wamid.revoke", T0 + 5),
        text_message("hola", message_id="wamid.next", timestamp=T0 + 9),
    )
    channel.inbox.kick(lanes)
    await channel.settle()
    assert engine.texts == ["hola"]


async def test_a_failing_event_holds_up_only_its_own_lane_and_is_set_aside_after_the_last_attempt(
    db, make_channel
) -> None:
    await seed_business(db)
    engine = RecordingEngine(db, fail_on={"wamid.poison"})
    _, channel = await make_channel(engine=engine)
    lanes = await _store(
        db,
        text_message("explota", message_id="wamid.poison", timestamp=T0),
        text_message("después", message_id="wamid.after", timestamp=T0 + 1),
        text_message("otra persona", message_id="wamid.other", timestamp=T0, wa_id="5215599999999"),
    )
    channel.inbox.kick(lanes)
    await channel.settle()
    assert engine.texts == ["otra persona"]  # "después" waits: order before progress
    for _ in range(MAX_ATTEMPTS):
        await channel.inbox.sweep()
        await channel.settle()
    assert engine.texts == ["otra persona", "después"]
    async with db.transaction() as session:
        poison = (
            await session.execute(select(InboxEvent).where(InboxEvent.event_key == "msg:wamid.poison"))
        ).scalar_one()
    assert poison.processed_at is None and poison.failed_at is not None and poison.attempts == MAX_ATTEMPTS
    assert poison.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts: RuntimeError")


async def test_each_message_is_marked_read_with_typing_except_reactions_and_handed_off_chats(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    transport = DevTransport()
    _, channel = await make_channel(engine=engine, transport=transport)
    channel.inbox.kick(
        await _store(
            db, text_message("hola", message_id="wamid.r1", timestamp=T0), _reaction("wamid.yume", "wamid.r2", T0 + 1)
        )
    )
    await channel.settle()
    assert sorted(transport.read_receipts) == [("wamid.r1", True), ("wamid.r2", False)]
    async with db.transaction() as session:
        await session.execute(update(Conversation).values(status=ConversationStatus.handed_off))
    channel.inbox.kick(await _store(db, text_message("¿sigues ahí?", message_id="wamid.r3", timestamp=T0 + 2)))
    await channel.settle()
    assert sorted(receipt[0] for receipt in transport.read_receipts) == ["wamid.r1", "wamid.r2"]  # the owner has this chat
    assert engine.texts[-1] == "¿sigues ahí?"  # still recorded by the engine


async def test_messages_of_one_delivery_within_the_same_second_keep_their_order(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    _, channel = await make_channel(engine=engine)
    payload = text_message("uno", message_id="wamid.z-first", timestamp=T0)
    messages = payload["entry"][0]["changes"][0]["value"]["messages"]
    for text, message_id in (("dos", "wamid.a-second"), ("tres", "wamid.m-third")):
        messages.append({**messages[0], "id": message_id, "text": {"body": text}})
    channel.inbox.kick(await _store(db, payload))
    await channel.settle()
    assert engine.texts == ["uno", "dos", "tres"]


async def test_a_slow_read_receipt_never_holds_up_the_answer(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    released = asyncio.Event()

    class SlowReceipts(DevTransport):
        async def mark_read(self, number, message_id, typing):
            await released.wait()  # Meta takes its time with the blue ticks
            await super().mark_read(number, message_id, typing)

    transport = SlowReceipts()
    _, channel = await make_channel(engine=engine, transport=transport)
    channel.inbox.kick(await _store(db, text_message("hola", message_id="wamid.ticks", timestamp=T0)))
    started = asyncio.get_running_loop().time()
    while not engine.events:
        assert asyncio.get_running_loop().time() - started < 2, "the turn waited for the read receipt"
        await asyncio.sleep(0.01)
    assert list(transport.read_receipts) == []  # still on its way, beside the turn
    released.set()
    await channel.settle()
    assert list(transport.read_receipts) == [("wamid.ticks", True)]


async def test_deliveries_shuffled_within_the_hold_are_answered_in_the_order_they_were_written(
    db, make_channel
) -> None:
    from tests.whatsapp.conftest import config_for

    await seed_business(db)
    engine = RecordingEngine(db)
    # A hold well beyond the deliveries' spread: a loaded CI machine took over a second to accept
    # five webhooks, and a message that arrives after the hold is rightly answered in arrival order.
    hold = 3.0
    client, channel = await make_channel(engine=engine, config=config_for(lane_hold_seconds=hold))
    written = int(datetime.now(timezone.utc).timestamp()) - 5
    lines = ["quiero un corte", "mañana", "a las 11 am", "Sofía", "gracias"]
    deliveries = [
        text_message(line, message_id=f"wamid.shuffled-{index}", timestamp=written + index)
        for index, line in enumerate(lines)
    ]
    rng = random.Random(20261202)
    rng.shuffle(deliveries)
    first_posted = asyncio.get_running_loop().time()
    for payload in deliveries:  # out of order, a few tenths of a second apart (the issue saw 0.7 s)
        assert (await post_webhook(client, payload)).status == 200
        await asyncio.sleep(rng.uniform(0.05, 0.2))
    assert asyncio.get_running_loop().time() - first_posted < hold, "the deliveries took longer than the hold"
    await channel.settle()
    assert engine.texts == lines


async def test_the_hold_keeps_neither_the_lane_nor_a_worker_from_other_people(db, make_channel) -> None:
    from sqlalchemy import text

    from tests.whatsapp.conftest import config_for

    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine, config=config_for(lane_hold_seconds=1.5))
    for index in range(24):  # three times the lanes processed at once
        payload = text_message("hola", message_id=f"wamid.held-{index}", wa_id=f"52155300{index:05d}")
        assert (await post_webhook(client, payload)).status == 200
    await asyncio.sleep(0.5)  # every one of them in its hold now
    assert engine.events == []
    assert channel.inbox._slots._value == 8, "no worker slot is taken by a held lane"
    if db.dialect == "postgresql":
        async with db.engine.connect() as connection:
            held = (await connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ))).scalar()
        assert held == 0, "no lane lock is kept during a hold"
    await channel.settle()
    assert len(engine.events) == 24
