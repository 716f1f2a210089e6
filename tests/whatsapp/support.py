"""Shared pieces of the WhatsApp channel tests: the real payload corpus, signing, a business."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.whatsapp.payloads import canonical_or_none
from bot.whatsapp.signature import SIGNATURE_HEADER, sign
from bot.whatsapp.webhook import WEBHOOK_PATH
from flows.core.events import InboundEvent, OwnerEcho
from flows.core.messages import OutboundMessage
from store.business_file import LoadedBusiness, load_business
from store.channel import mark_processed
from store.conversations import Conversation, Direction, Message, SenderType
from store.database import Database
from store.models import Customer, Organization, OrganizationStatus
from store.signup_links import issue_signup_link
from store.types import utcnow
from tests.helpers import DON_CARLOS, SHARED, business_spec

CORPUS_DIR = SHARED / "reference" / "whatsapp-webhooks"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "verify-me-please"
SECRET_KEY = "k" * 40
PHONE_NUMBER_ID = "1122334455667"  # the corpus's business number
WABA_ID = "102290129340398"  # the corpus's account_update business account


def corpus() -> dict[str, dict[str, Any]]:
    """Every real payload, as "file/case" → payload (used as they are)."""
    cases: dict[str, dict[str, Any]] = {}
    for path in sorted(CORPUS_DIR.glob("*.json")):
        for name, payload in json.loads(path.read_text(encoding="utf-8")).items():
            cases[f"{path.stem}/{name}"] = payload
    return cases


def corpus_case(name: str) -> dict[str, Any]:
    return corpus()[name]


async def post_webhook(client: TestClient, payload: Any, *, secret: str | None = APP_SECRET, raw: bytes | None = None):
    """POST a delivery the way Meta does (signed raw bytes)."""
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SIGNATURE_HEADER] = sign(body, secret)
    return await client.post(WEBHOOK_PATH, data=body, headers=headers)


async def seed_business(
    db: Database, phone_number_id: str = PHONE_NUMBER_ID, waba_id: str = WABA_ID, **overrides: Any
) -> LoadedBusiness:
    """Barbería Don Carlos (shared example business) on the corpus's WhatsApp number."""
    async with db.transaction() as session:
        loaded = await load_business(
            session, business_spec(DON_CARLOS, **overrides), wa_phone_number_id=phone_number_id
        )
        organization = await session.get(Organization, loaded.organization_id)
        organization.waba_id = waba_id
    return loaded


async def onboarding_business_with_link(db: Database) -> tuple[Organization, str]:
    """Barbería Don Carlos still onboarding (no number yet), with an open Embedded Signup link's token."""
    loaded = await seed_business(db, phone_number_id=None, waba_id=None)
    async with db.transaction() as session:
        organization = await session.get(Organization, loaded.organization_id)
        assert organization is not None
        organization.status = OrganizationStatus.onboarding
        token = await issue_signup_link(session, organization.id, utcnow())
    return organization, token


def text_message(
    text: str,
    *,
    wa_id: str = "5215512345678",
    message_id: str | None = None,
    timestamp: int = 1_767_000_000,
    phone_number_id: str = PHONE_NUMBER_ID,
    name: str = "Cliente",
) -> dict[str, Any]:
    """A `messages` webhook with one text message (the shape of the corpus's `message/text`)."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": WABA_ID,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "525512345678", "phone_number_id": phone_number_id},
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": message_id or f"wamid.{uuid.uuid4().hex}",
                                    "timestamp": str(timestamp),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def envelope(field: str, value: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    """A webhook with one change of `field`."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "525512345678", "phone_number_id": phone_number_id},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": field, "value": value}]}],
    }


class RecordingEngine:
    """Stands in for the conversation engine where a test is about the channel, not the flows.

    Like the real engine it records each inbound message (unique WhatsApp id) and marks its inbox
    row processed in the same transaction as its work, so exactly-once can be checked across restarts.
    """

    def __init__(self, database: Database, fail_on: set[str] | None = None) -> None:
        self.database = database
        self.events: list[InboundEvent] = []
        self.echoes: list[OwnerEcho] = []
        self.fail_on = fail_on or set()

    async def handle(self, event: InboundEvent, inbox_event_id: uuid.UUID | None = None) -> list[OutboundMessage]:
        if event.message_id in self.fail_on:
            raise RuntimeError(f"engine failure on {event.message_id}")
        async with self.database.transaction() as session:
            if inbox_event_id is not None and not await mark_processed(session, inbox_event_id, datetime.now(timezone.utc)):
                return []
            conversation = await _conversation(session, event.organization_id, event.wa_id or event.bsuid or "?")
            session.add(
                Message(
                    organization_id=event.organization_id,
                    conversation_id=conversation.id,
                    direction=Direction.inbound,
                    sender_type=SenderType.customer,
                    content_type=event.kind,
                    text=event.text,
                    wa_message_id=event.message_id,
                )
            )
        self.events.append(event)
        return []

    async def handle_echo(self, echo: OwnerEcho, inbox_event_id: uuid.UUID | None = None) -> bool:
        if inbox_event_id is not None:
            async with self.database.transaction() as session:
                await mark_processed(session, inbox_event_id, datetime.now(timezone.utc))
        self.echoes.append(echo)
        return True

    @property
    def texts(self) -> list[str | None]:
        return [event.text for event in self.events]


async def _conversation(session: Any, organization_id: uuid.UUID, wa_id: str) -> Conversation:
    found = (
        (
            await session.execute(
                select(Conversation).where(
                    Conversation.organization_id == organization_id, Conversation.party_key == f"test:{wa_id}"
                )
            )
        )
        .scalars()
        .first()
    )
    if found is None:
        # As the real engine does: the conversation belongs to the customer with that phone.
        customer = Customer(organization_id=organization_id, phone=canonical_or_none(wa_id), wa_id=wa_id)
        session.add(customer)
        await session.flush()
        found = Conversation(
            organization_id=organization_id, party_key=f"test:{wa_id}", role="customer", wa_id=wa_id, customer_id=customer.id
        )
        session.add(found)
        await session.flush()
    return found


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


async def connect_business(db: Database, organization_id: uuid.UUID, token: str = "EAAG-test-token") -> None:
    """Give the business a stored (encrypted) Meta token, as Embedded Signup would."""
    from bot.whatsapp.tokens import encrypt_token

    async with db.transaction() as session:
        organization = await session.get(Organization, organization_id)
        organization.access_token_encrypted = encrypt_token(token, SECRET_KEY)


async def customer_conversation(
    db: Database,
    organization_id: uuid.UUID,
    wa_id: str,
    *,
    last_inbound_at: datetime | None,
    name: str | None = "Juan Pérez",
) -> Conversation:
    """A customer and their conversation, with the 24-hour window opened at `last_inbound_at`."""
    from store.people import Customer, NameSource
    from store.phones import canonical_from_whatsapp_id

    async with db.transaction() as session:
        customer = Customer(
            organization_id=organization_id,
            phone=canonical_from_whatsapp_id(wa_id),
            wa_id=wa_id,
            name=name,
            name_source=NameSource.customer if name else None,
        )
        session.add(customer)
        await session.flush()
        conversation = Conversation(
            organization_id=organization_id,
            party_key=f"customer:{customer.id}",
            customer_id=customer.id,
            role="customer",
            wa_id=wa_id,
            last_inbound_at=last_inbound_at,
        )
        session.add(conversation)
    return conversation


async def queue_message(
    db: Database,
    organization_id: uuid.UUID,
    message: OutboundMessage,
    *,
    conversation_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
) -> tuple[uuid.UUID, uuid.UUID | None]:
    """An outbox row (and its Message when there is a conversation), as the engine writes them."""
    from store.channel import OutboxMessage

    now = created_at or datetime.now(timezone.utc)
    async with db.transaction() as session:
        message_id = None
        if conversation_id is not None:
            record = Message(
                organization_id=organization_id,
                conversation_id=conversation_id,
                direction=Direction.outbound,
                sender_type=SenderType.ai,
                text=message.text,
                status="pending",
                created_at=now,
            )
            session.add(record)
            await session.flush()
            message_id = record.id
        row = OutboxMessage(
            organization_id=organization_id,
            conversation_id=conversation_id,
            message_id=message_id,
            to_wa_id=message.to,
            body=message.model_dump(mode="json"),
            created_at=now,
            next_attempt_at=now,
        )
        session.add(row)
    return row.id, message_id
