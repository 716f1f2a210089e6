"""What reaches the conversation engine: one parsed inbound event, whatever channel it came from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

InboundKind = Literal[
    "text",  # typed text (also the text of an edit that arrived before we acted)
    "reply",  # a reply button, list row or template quick reply: `reply_id` + `reply_title`
    "media",  # audio, voice, image, video, document, sticker: `media_type`
    "location",
    "contacts",
    "reaction",
    "unsupported",
]


class InboundEvent(BaseModel):
    """One message from one person to one business."""

    organization_id: uuid.UUID
    wa_id: str | None = None  # the sender id exactly as WhatsApp sent it; replies go here
    phone: str | None = None  # canonical E.164 (the 521… rule applied), when known
    bsuid: str | None = None  # Meta's business-scoped user id, when sent
    profile_name: str | None = None
    message_id: str = Field(default_factory=lambda: f"local.{uuid.uuid4().hex}")
    timestamp: datetime
    kind: InboundKind = "text"
    text: str | None = None
    reply_id: str | None = None
    reply_title: str | None = None
    media_type: str | None = None
    context_message_id: str | None = None  # the message this one quotes, if any


class OwnerEcho(BaseModel):
    """The owner wrote to a customer from the WhatsApp Business App (coexistence echo)."""

    organization_id: uuid.UUID
    to_wa_id: str
    to_phone: str | None = None
    message_id: str
    timestamp: datetime
    text: str | None = None
    kind: str = "text"
