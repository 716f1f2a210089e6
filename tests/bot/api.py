"""Test helpers for the admin API: a client that speaks JSON, and businesses with tokens."""

from __future__ import annotations

import json as jsonlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from bot.api.auth import hash_token, new_token
from store.business_file import LoadedBusiness
from store.database import Database
from store.models import ApiToken, Conversation, ConversationStatus, Direction, Message, SenderType
from tests.helpers import local, seed

OPERATOR_TOKEN = "operator-token-for-tests-0123456789abcdef"
NOW = local("2027-01-14T12:00")  # Thursday noon in Mexico City
PREFIX = "/api/v1"


@dataclass
class Reply:
    """An HTTP answer: status and parsed JSON (None for an empty body)."""

    status: int
    json: Any
    text: str
    headers: Any

    @property
    def code(self) -> str | None:
        """The error code of an error answer."""
        if isinstance(self.json, dict) and isinstance(self.json.get("error"), dict):
            return self.json["error"].get("code")
        return None


class Api:
    """Calls the app under test; `token` is sent as a bearer token unless None."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        json: Any = None,
        data: bytes | str | None = None,
        params: dict[str, str] | None = None,
    ) -> Reply:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        url = path if path.startswith("/api/") or not path.startswith("/organizations") else PREFIX + path
        if json is not None:
            response = await self.client.request(method, url, json=json, headers=headers, params=params)
        else:
            response = await self.client.request(method, url, data=data, headers=headers, params=params)
        text = await response.text()
        parsed = None
        if text:
            try:
                parsed = jsonlib.loads(text)
            except ValueError:
                parsed = None
        return Reply(response.status, parsed, text, response.headers)


@dataclass
class Tenant:
    """A seeded business with an organization token and a few more rows the API can reach."""

    loaded: LoadedBusiness
    token: str
    token_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.loaded.organization_id

    @property
    def path(self) -> str:
        return f"{PREFIX}/organizations/{self.id}"

    def staff(self, handle: str) -> str:
        return str(self.loaded.staff[handle])

    def customer(self, handle: str) -> str:
        return str(self.loaded.customers[handle])

    def service(self, name: str) -> str:
        return str(self.loaded.services[name])


async def issue_token(db: Database, organization_id: uuid.UUID, name: str = "tests") -> tuple[str, uuid.UUID]:
    """A working organization token, written straight to the store."""
    token = new_token()
    async with db.transaction() as session:
        row = ApiToken(organization_id=organization_id, name=name, token_hash=hash_token(token))
        session.add(row)
    return token, row.id


async def make_tenant(db: Database, source: Any, **overrides: Any) -> Tenant:
    """Seed a business, give it a token and a handed-off conversation with one message."""
    loaded = await seed(db, source, **overrides)
    token, token_id = await issue_token(db, loaded.organization_id)
    customer_handle = next(iter(loaded.customers))
    async with db.transaction() as session:
        conversation = Conversation(
            organization_id=loaded.organization_id,
            party_key=f"customer:{loaded.customers[customer_handle]}",
            customer_id=loaded.customers[customer_handle],
            role="customer",
            status=ConversationStatus.handed_off,
            handed_off_at=NOW,
            handoff_reason="owner_echo",
            flow_state="choosing_slot",
            flow_data={"service": "secret slot data"},
        )
        session.add(conversation)
        await session.flush()
        message = Message(
            organization_id=loaded.organization_id,
            conversation_id=conversation.id,
            direction=Direction.inbound,
            sender_type=SenderType.customer,
            text="Hola, quiero una cita",
            wa_message_id=f"wamid.{uuid.uuid4().hex}",
        )
        session.add(message)
    return Tenant(loaded, token, token_id, conversation.id, message.id)
