"""`create_app` runs the channel: a signed delivery is answered through the dev transport without
Meta credentials, and through the Cloud API (here the fake) with them."""

from __future__ import annotations


from bot.app import create_app
from bot.settings import Settings
from bot.whatsapp.channel import CHANNEL
from bot.whatsapp.devtools import DEV_MESSAGES_PATH
from scheduler.clock import SystemClock
from tests.bot.api import OPERATOR_TOKEN, issue_token
from tests.helpers import eventually
from tests.whatsapp.support import (
    APP_SECRET,
    SECRET_KEY,
    VERIFY_TOKEN,
    connect_business,
    post_webhook,
    seed_business,
    text_message,
)

CUSTOMER = "5215598765432"


async def test_without_meta_credentials_replies_are_recorded_and_listed_for_the_operator(db, aiohttp_client) -> None:
    loaded = await seed_business(db)
    settings = Settings(
        operator_token=OPERATOR_TOKEN, meta_app_secret=APP_SECRET, meta_webhook_verify_token=VERIFY_TOKEN,
        jobs_interval_seconds=0,  # the real clock: a morning agenda or a reminder would join the messages counted
    )
    client = await aiohttp_client(create_app(settings, database=db, clock=SystemClock()))
    assert client.app[CHANNEL].transport.name == "dev"
    assert (await post_webhook(client, text_message("Hola, ¿qué servicios tienen?", wa_id=CUSTOMER))).status == 200

    async def listed():
        response = await client.get(DEV_MESSAGES_PATH, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
        return (await response.json())["messages"]

    [message] = await eventually(listed)
    assert message["to"] == CUSTOMER and message["organization_id"] == str(loaded.organization_id)
    assert "Corte de cabello" in str(message["payload"])
    assert (await client.get(DEV_MESSAGES_PATH)).status == 401
    token, _ = await issue_token(db, loaded.organization_id)
    own = await client.get(DEV_MESSAGES_PATH, headers={"Authorization": f"Bearer {token}"})
    assert len((await own.json())["messages"]) == 1


async def test_with_meta_credentials_replies_go_to_the_cloud_api_and_the_dev_window_is_closed(
    db, aiohttp_client, fake_graph
) -> None:
    loaded = await seed_business(db)
    await connect_business(db, loaded.organization_id)
    settings = Settings(
        operator_token=OPERATOR_TOKEN,
        meta_app_id="1234567890",
        meta_app_secret=APP_SECRET,
        meta_webhook_verify_token=VERIFY_TOKEN,
        meta_graph_url=fake_graph.url,
        secret_key=SECRET_KEY,
        jobs_interval_seconds=0,
    )
    client = await aiohttp_client(create_app(settings, database=db, clock=SystemClock()))
    assert client.app[CHANNEL].transport.name == "cloud"
    assert (await post_webhook(client, text_message("Hola", wa_id=CUSTOMER, message_id="wamid.app-1"))).status == 200

    async def sent():
        return fake_graph.messages()

    [reply] = await eventually(sent)
    assert reply["to"] == CUSTOMER
    [receipt] = fake_graph.read_receipts()
    assert receipt == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.app-1",
        "typing_indicator": {"type": "text"},
    }
    closed = await client.get(DEV_MESSAGES_PATH, headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert closed.status == 404
