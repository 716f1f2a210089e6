"""Conversations and messages (read only), and handing a taken-over conversation back to Yume."""

from __future__ import annotations

from store.database import Database
from store.models import Conversation
from tests.bot.api import Api, Tenant


async def test_conversations_are_listed_and_read_without_the_flows_private_data(api: Api, carlos: Tenant) -> None:
    listed = await api.call("GET", f"{carlos.path}/conversations", token=carlos.token)
    assert listed.status == 200
    [conversation] = listed.json["items"]
    assert conversation["id"] == str(carlos.conversation_id)
    assert (conversation["status"], conversation["handoff_reason"], conversation["flow_state"]) == (
        "handed_off",
        "owner_echo",
        "choosing_slot",
    )
    assert "secret slot data" not in listed.text
    fetched = await api.call("GET", f"{carlos.path}/conversations/{carlos.conversation_id}", token=carlos.token)
    assert fetched.json == conversation
    active = await api.call("GET", f"{carlos.path}/conversations", token=carlos.token, params={"status": "active"})
    assert active.json["items"] == []


async def test_messages_are_listed_oldest_first(api: Api, carlos: Tenant) -> None:
    reply = await api.call("GET", f"{carlos.path}/conversations/{carlos.conversation_id}/messages", token=carlos.token)
    assert reply.status == 200
    assert [(m["direction"], m["sender_type"], m["text"]) for m in reply.json["items"]] == [
        ("inbound", "customer", "Hola, quiero una cita")
    ]


async def test_hand_back_returns_a_taken_over_conversation_to_the_bot(api: Api, db: Database, carlos: Tenant) -> None:
    reply = await api.call(
        "POST", f"{carlos.path}/conversations/{carlos.conversation_id}/hand-back", token=carlos.token
    )
    assert reply.status == 200, reply.json
    assert (reply.json["status"], reply.json["handed_off_at"], reply.json["handoff_reason"]) == ("active", None, None)
    async with db.transaction() as session:
        stored = await session.get(Conversation, carlos.conversation_id)
    assert (stored.status, stored.handed_off_at, stored.handoff_reason, stored.version) == ("active", None, None, 1)
    again = await api.call(
        "POST", f"{carlos.path}/conversations/{carlos.conversation_id}/hand-back", token=carlos.token
    )
    assert again.status == 409 and again.code == "invalid_transition"


async def test_conversation_validation_errors(api: Api, carlos: Tenant) -> None:
    reply = await api.call("GET", f"{carlos.path}/conversations", token=carlos.token, params={"status": "asleep"})
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "query.status"
    reply = await api.call(
        "GET",
        f"{carlos.path}/conversations/{carlos.conversation_id}/messages",
        token=carlos.token,
        params={"limit": "9999"},
    )
    assert reply.status == 422 and reply.json["error"]["details"][0]["field"] == "query.limit"
    reply = await api.call(
        "POST",
        f"{carlos.path}/conversations/{carlos.conversation_id}/hand-back",
        token=carlos.token,
        json={"force": True},
    )
    assert reply.status == 422
