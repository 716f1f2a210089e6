"""Where outbound messages go: Meta's Cloud API, or the dev transport that only records them.

`yume serve` without Meta credentials (and `yume chat`, and the benchmark) use `DevTransport`:
every message is recorded with the exact Cloud API body it would have sent, visible through
`GET /api/v1/dev/messages`, and answered with a made-up message id as Meta would.
"""

from __future__ import annotations

import itertools
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.whatsapp.client import CloudApiClient
from bot.whatsapp.errors import GraphApiError
from bot.whatsapp.tokens import TokenKeyMissing, TokenUnreadable, decrypt_token
from scheduler.clock import Clock, SystemClock


@dataclass(frozen=True)
class BusinessNumber:
    """The WhatsApp number a message leaves from, with the business's stored token."""

    organization_id: uuid.UUID
    phone_number_id: str
    access_token_encrypted: str | None = None


class Transport(Protocol):
    name: str

    async def send(self, number: BusinessNumber, payload: dict[str, Any]) -> str:
        """Send one Cloud API message body; returns the WhatsApp message id or raises GraphApiError."""
        ...

    async def mark_read(self, number: BusinessNumber, message_id: str, typing: bool) -> None:
        """Mark an inbound message read (and show the typing indicator)."""
        ...


class CloudTransport:
    """The real thing: the Cloud API with each business's own token."""

    name = "cloud"

    def __init__(self, client: CloudApiClient, secret_key: str | None) -> None:
        self.client = client
        self.secret_key = secret_key
        self._tokens: dict[str, str] = {}  # ciphertext → token (decrypting is not free)

    def _token(self, number: BusinessNumber) -> str:
        ciphertext = number.access_token_encrypted
        if not ciphertext:
            raise GraphApiError("the business has not connected its WhatsApp yet (no token)", http_status=401, code=190)
        if ciphertext not in self._tokens:
            try:
                self._tokens[ciphertext] = decrypt_token(ciphertext, self.secret_key)
            except (TokenKeyMissing, TokenUnreadable) as error:
                raise GraphApiError(str(error), http_status=401, code=190) from error
        return self._tokens[ciphertext]

    async def send(self, number: BusinessNumber, payload: dict[str, Any]) -> str:
        return await self.client.send_message(number.phone_number_id, self._token(number), payload)

    async def mark_read(self, number: BusinessNumber, message_id: str, typing: bool) -> None:
        await self.client.mark_read(number.phone_number_id, self._token(number), message_id, typing)


@dataclass
class RecordedMessage:
    """A message the dev transport would have sent."""

    organization_id: uuid.UUID
    phone_number_id: str
    to: str
    payload: dict[str, Any]
    wa_message_id: str
    sent_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "organization_id": str(self.organization_id),
            "phone_number_id": self.phone_number_id,
            "to": self.to,
            "wa_message_id": self.wa_message_id,
            "sent_at": self.sent_at.isoformat(),
            "payload": self.payload,
        }


@dataclass
class DevTransport:
    """Records outbound messages instead of calling Meta (the embedded default)."""

    clock: Clock = field(default_factory=SystemClock)
    keep: int = 1000
    name: str = "dev"
    messages: deque[RecordedMessage] = field(init=False)
    read_receipts: deque[tuple[str, bool]] = field(init=False)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.messages = deque(maxlen=self.keep)
        self.read_receipts = deque(maxlen=self.keep)

    async def send(self, number: BusinessNumber, payload: dict[str, Any]) -> str:
        wamid = f"wamid.DEV{uuid.uuid4().hex[:12]}{next(self._ids):06d}"
        to = str(payload.get("to") or payload.get("recipient") or "")
        self.messages.append(
            RecordedMessage(number.organization_id, number.phone_number_id, to, payload, wamid, self.clock.now())
        )
        return wamid

    async def mark_read(self, number: BusinessNumber, message_id: str, typing: bool) -> None:
        self.read_receipts.append((message_id, typing))

    def recent(self, limit: int = 100, organization_id: uuid.UUID | None = None) -> list[RecordedMessage]:
        """The newest recorded messages, oldest first."""
        chosen = [
            message
            for message in self.messages
            if organization_id is None or message.organization_id == organization_id
        ]
        return chosen[-limit:]
