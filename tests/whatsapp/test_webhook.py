"""The webhook: verified, signed, stored before the ack, acknowledged at once, never a 500."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

from sqlalchemy import delete, func, select

from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.inbox import store_events
from bot.whatsapp.payloads import split_envelope
from bot.whatsapp.transport import DevTransport
from bot.whatsapp.webhook import WEBHOOK_PATH
from store.channel import InboxEvent, OutboxMessage
from store.conversations import Conversation, Message
from store.database import Database
from tests.whatsapp.support import (
    VERIFY_TOKEN,
    RecordingEngine,
    corpus,
    post_webhook,
    seed_business,
    text_message,
)


async def _inbox(db: Database) -> list[InboxEvent]:
    async with db.transaction() as session:
        return list((await session.execute(select(InboxEvent).order_by(InboxEvent.received_at))).scalars())


async def test_verification_answers_the_challenge_only_for_the_right_token(db, make_channel) -> None:
    client, _ = await make_channel(engine=RecordingEngine(db))
    ok = await client.get(
        WEBHOOK_PATH, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert (ok.status, await ok.text()) == (200, "1158201444")
    wrong = await client.get(
        WEBHOOK_PATH, params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert wrong.status == 403
    missing = await client.get(WEBHOOK_PATH)
    assert missing.status == 403


async def test_a_missing_or_wrong_signature_is_401_and_nothing_is_stored(db, make_channel) -> None:
    await seed_business(db)
    client, _ = await make_channel(engine=RecordingEngine(db))
    payload = corpus()["message/text"]
    assert (await post_webhook(client, payload, secret=None)).status == 401
    assert (await post_webhook(client, payload, secret="not-the-app-secret")).status == 401
    body = json.dumps(payload).encode()
    tampered = await client.post(WEBHOOK_PATH, data=body + b" ", headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert tampered.status == 401
    assert await _inbox(db) == []


async def test_every_real_payload_is_acknowledged_stored_and_processed(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine)
    for name, payload in corpus().items():
        response = await post_webhook(client, payload)
        assert response.status == 200, name
        keys = {event.event_key: event.kind for event in split_envelope(payload)}
        stored = {row.event_key: row.kind for row in await _inbox(db)}
        assert {key: stored.get(key) for key in keys} == keys, name
    await channel.settle()
    rows = await _inbox(db)
    waiting = [row for row in rows if row.processed_at is None]
    # Statuses of messages Yume never sent wait a little for the outbox to record the id, then go.
    assert {row.kind for row in waiting} == {"status"}
    assert {row.last_error for row in waiting} == {"waiting for the outbox to record the message this status is about"}
    assert not [
        row.last_error
        for row in rows
        if row.processed_at and row.last_error and not row.last_error.startswith("skipped:")
    ]
    assert engine.events, "the messages reached the engine"


async def test_every_real_message_gets_a_polite_answer_or_deliberate_silence_from_the_real_engine(
    db, make_channel
) -> None:
    await seed_business(db)
    transport = DevTransport()
    client, channel = await make_channel(transport=transport)
    silent_cases = {
        "message/reaction",
        "message/unreaction_empty",
        "message/unreaction_no_emoji",
        "message/static_sticker",
        "message/animated_sticker",
        "edited_and_revoked/revoke",
    }
    for name, payload in corpus().items():
        if not name.startswith(("message/", "callback_", "edited_and_revoked/")):
            continue
        before = len(transport.messages)
        assert (await post_webhook(client, payload)).status == 200
        await channel.settle()
        said = [message.payload for message in list(transport.messages)[before:]]
        texts = json.dumps(said, ensure_ascii=False)
        assert "tuve un problema" not in texts, f"{name}: the engine failed: {texts}"
        if name in silent_cases:
            assert said == [], f"{name} deserves deliberate silence, got {texts}"
        elif name != "message/unsupported_with_type":
            assert said, f"{name} got no answer"
        # The corpus reuses message ids, and a chat of nonsense ends with a hand-off to a person:
        # start each case from a fresh conversation (the business and the customer stay).
        async with db.transaction() as session:
            for table in (OutboxMessage, Message, Conversation, InboxEvent):
                await session.execute(delete(table))


async def test_a_duplicate_delivery_is_a_no_op(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine)
    payload = text_message("Hola, quiero un corte", message_id="wamid.dup-1")
    for _ in range(3):
        assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    assert (await post_webhook(client, payload)).status == 200  # again, after processing
    await channel.settle()
    assert len(await _inbox(db)) == 1
    assert [event.message_id for event in engine.events] == ["wamid.dup-1"]


async def test_an_unknown_phone_number_id_is_stored_and_acknowledged_but_not_answered(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine)
    response = await post_webhook(client, text_message("hola", phone_number_id="999000999"))
    assert response.status == 200
    await channel.settle()
    [row] = await _inbox(db)
    assert (row.phone_number_id, row.organization_id) == ("999000999", None)
    assert row.processed_at is not None and row.last_error == "skipped: unknown phone_number_id 999000999"
    assert engine.events == []


async def test_bodies_that_are_not_webhooks_are_refused_with_400_and_not_stored(db, make_channel) -> None:
    client, _ = await make_channel(engine=RecordingEngine(db))
    for raw in (b"", b"not json", b"\xff\xfe\xfd", b"{"):
        response = await post_webhook(client, None, raw=raw)
        assert response.status == 400, raw[:20]
    assert await _inbox(db) == []


async def test_a_signed_body_with_values_json_columns_refuse_is_stored_and_acknowledged(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine)
    bodies = [
        b'{"entry":[{"changes":[{"value":1e999999}]}]}',  # inf: JSONB refuses it (was a 503, retried for a week)
        b'{"object":"whatsapp_business_account","entry":[{"changes":[{"value":NaN}]}]}',
        b"[" * 5000 + b"]" * 5000,  # deeper than any webhook
        json.dumps(text_message("hola\u0000 \ud800", message_id="wamid.nul\u0000")).encode(),
        json.dumps(text_message("a las 4", message_id="wamid.num")).replace(b'"1767000000"'.decode(), "1e999999").encode(),
    ]
    for raw in bodies:
        response = await post_webhook(client, None, raw=raw)
        assert response.status == 200, (raw[:60], response.status)
    rows = await _inbox(db)
    assert len(rows) == len(bodies)
    await channel.settle()
    assert sorted(engine.texts) == ["a las 4", "hola ?"]


async def test_an_event_the_database_refuses_as_it_is_is_stored_as_unknown_with_the_reason(db) -> None:
    from bot.whatsapp.payloads import WebhookEvent

    events = [
        WebhookEvent(event_key="unknown:inf", kind="unknown", payload={"value": float("inf")}),
        WebhookEvent(event_key="unknown:fine", kind="unknown", payload={"value": 1}),
    ]
    await store_events(db, events, datetime.now(timezone.utc))  # never raises for what it was given
    rows = await _inbox(db)
    assert len(rows) == 2
    if db.dialect == "postgresql":  # SQLite's JSON text takes Infinity; JSONB does not
        [kept] = [row for row in rows if row.event_key.startswith("unstorable:")]
        assert kept.kind == "unknown" and kept.payload["event_key"] == "unknown:inf"
        assert "Infinity" in kept.payload["excerpt"] and kept.payload["unstorable"]


async def test_a_delivery_larger_than_the_admin_api_limit_is_accepted(db, make_channel) -> None:
    await seed_business(db)
    engine = RecordingEngine(db)
    client, channel = await make_channel(engine=engine)
    response = await post_webhook(client, text_message("á" * 1_200_000, message_id="wamid.big"))
    assert response.status == 200
    await channel.settle()
    assert len(engine.events[0].text) == 1_200_000


async def test_the_ack_does_not_wait_for_processing(db, make_channel) -> None:
    await seed_business(db)
    release = asyncio.Event()

    class SlowEngine(RecordingEngine):
        async def handle(self, event, inbox_event_id=None):
            await release.wait()
            return await super().handle(event, inbox_event_id)

    engine = SlowEngine(db)
    client, channel = await make_channel(engine=engine)
    response = await asyncio.wait_for(post_webhook(client, text_message("hola", message_id="wamid.slow")), timeout=5)
    assert response.status == 200
    [row] = await _inbox(db)
    assert row.processed_at is None  # acknowledged, stored, not processed yet
    release.set()
    await channel.settle()
    assert [event.message_id for event in engine.events] == ["wamid.slow"]


async def test_events_stored_before_a_crash_are_processed_on_start_up(db, make_channel) -> None:
    await seed_business(db)
    events = split_envelope(text_message("Hola", message_id="wamid.crash-1")) + split_envelope(
        text_message("quiero un corte", message_id="wamid.crash-2", timestamp=1_767_000_005)
    )
    await store_events(db, events, datetime.now(timezone.utc))  # acked by a process that then died
    engine = RecordingEngine(db)
    _, channel = await make_channel(engine=engine, background=True)  # start-up sweep
    for _ in range(100):
        if len(engine.events) == 2:
            break
        await asyncio.sleep(0.05)
    assert [event.message_id for event in engine.events] == ["wamid.crash-1", "wamid.crash-2"]


async def test_a_database_outage_is_503_so_meta_retries(db, make_channel, tmp_path) -> None:
    broken = Database(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'yume.db'}")
    client, _ = await make_channel(engine=RecordingEngine(db), database=broken)
    response = await post_webhook(client, text_message("hola"))
    assert response.status == 503
    await broken.dispose()


async def test_the_channel_is_reachable_from_the_app(db, make_channel) -> None:
    client, channel = await make_channel(engine=RecordingEngine(db))
    from bot.whatsapp.channel import CHANNEL

    assert isinstance(client.app[CHANNEL], WhatsAppChannel)
    assert channel.transport.name == "cloud"
    async with db.transaction() as session:
        assert (await session.execute(select(func.count()).select_from(InboxEvent))).scalar() == 0


async def test_a_user_known_only_by_bsuid_is_answered_through_the_bsuid(db, make_channel) -> None:
    await seed_business(db)
    transport = DevTransport()
    client, channel = await make_channel(transport=transport)
    payload = text_message("Hola, ¿qué servicios tienen?", message_id="wamid.bsuid-1")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": "Vero"}, "user_id": "MX.1349120865530274"}]
    del value["messages"][0]["from"]
    value["messages"][0]["from_user_id"] = "MX.1349120865530274"
    assert (await post_webhook(client, payload)).status == 200
    await channel.settle()
    [reply] = transport.messages
    assert reply.payload["recipient"] == "MX.1349120865530274" and "to" not in reply.payload
    from store.models import Customer

    async with db.transaction() as session:
        customer = (await session.execute(select(Customer).where(Customer.bsuid == "MX.1349120865530274"))).scalar_one()
    assert (customer.phone, customer.name) == (None, "Vero")
