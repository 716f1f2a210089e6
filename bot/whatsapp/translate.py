"""From Meta's message shapes to the engine's contracts (`InboundEvent`, `OwnerEcho`).

Every message type of the Cloud API maps to one `InboundEvent` kind, so the engine never sees a
Meta shape: text, reply buttons, list rows and template quick replies (`reply`), audio/voice,
image, video, document and sticker (`media`), location, shared contacts, reactions, and
everything else (`unsupported`). Edits and revocations refer to an earlier message; they come
back as `EditOf` / `RevokeOf` for the inbox to decide on.

Every value from Meta that lands in a column is bounded here, at the edge, to that column: message
ids through `bounded_id` (≤ 255, stable), a type in 20 characters, a name in 200. A sender id too
long to be a WhatsApp id is not used; a message with no usable sender at all comes back as
`Unusable`, and the inbox sets it aside with the reason instead of failing on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from bot.whatsapp.payloads import (
    WaContact,
    WaEcho,
    WaMessage,
    bounded_id,
    canonical_or_none,
    message_text,
    parse_timestamp,
)
from flows.core.events import InboundEvent, OwnerEcho

MEDIA_TYPES = ("image", "video", "document", "sticker")
MAX_WA_ID = 32  # Customer.wa_id / Staff.wa_id; WhatsApp ids are phone digits (≤ 15)
MAX_BSUID = 128  # Customer.bsuid
MAX_TYPE = 20  # Message.content_type
MAX_NAME = 200  # Customer.name


@dataclass(frozen=True)
class Unusable:
    """A message Yume can never answer as it is (no usable sender): set aside with `reason`."""

    reason: str


def _id_or_none(value: str | None, limit: int) -> str | None:
    return value if value and len(value) <= limit else None


def _optional_id(value: str | None) -> str | None:
    return bounded_id(value) if value else None


@dataclass(frozen=True)
class EditOf:
    """The person edited an earlier message; `event` is the edited text as a new message."""

    original_message_id: str | None
    event: InboundEvent


@dataclass(frozen=True)
class RevokeOf:
    """The person deleted an earlier message for everyone."""

    original_message_id: str | None
    message_id: str | None


def to_inbound(
    message: WaMessage, contact: WaContact | None, organization_id: uuid.UUID, received_at: datetime
) -> InboundEvent | EditOf | RevokeOf | Unusable:
    """The engine's view of one message (or the edit/revoke it is), every value within its column."""
    raw_wa_id = message.from_ or (contact.wa_id if contact else None)
    raw_bsuid = message.from_user_id or (contact.user_id if contact else None)
    wa_id, bsuid = _id_or_none(raw_wa_id, MAX_WA_ID), _id_or_none(raw_bsuid, MAX_BSUID)
    kind = message.type or ""
    if wa_id is None and bsuid is None and kind != "revoke":
        return Unusable(f"no usable sender id (from {_describe(raw_wa_id)}, user id {_describe(raw_bsuid)})")
    profile_name = (contact.profile.name if contact and contact.profile else None) or None
    base = InboundEvent(
        organization_id=organization_id,
        wa_id=wa_id,
        phone=canonical_or_none(wa_id),
        bsuid=bsuid,
        profile_name=profile_name[:MAX_NAME] if profile_name else None,
        timestamp=parse_timestamp(message.timestamp) or received_at,
        context_message_id=_optional_id(message.context.id if message.context else None),
        **({"message_id": bounded_id(message.id)} if message.id else {}),
    )

    if kind == "edit" and message.edit is not None:
        edited = message.edit.message
        text = edited.text.body if edited is not None and edited.text is not None else None
        event = (
            base.model_copy(update={"kind": "text", "text": text})
            if text
            else base.model_copy(update={"kind": "unsupported"})
        )
        return EditOf(_optional_id(message.edit.original_message_id), event)
    if kind == "revoke":
        return RevokeOf(
            _optional_id(message.revoke.original_message_id if message.revoke else None), _optional_id(message.id)
        )

    if kind == "text" and message.text is not None:
        return base.model_copy(update={"kind": "text", "text": message.text.body})
    if kind == "interactive" and message.interactive is not None:
        choice = message.interactive.button_reply or message.interactive.list_reply
        if choice is not None and (choice.id or choice.title):
            return base.model_copy(update={"kind": "reply", "reply_id": choice.id, "reply_title": choice.title})
    if kind == "button" and message.button is not None:
        return base.model_copy(
            update={
                "kind": "reply",
                "reply_id": message.button.payload or message.button.text,
                "reply_title": message.button.text,
            }
        )
    if kind == "audio" and message.audio is not None:
        return base.model_copy(update={"kind": "media", "media_type": "voice" if message.audio.voice else "audio"})
    if kind in MEDIA_TYPES and getattr(message, kind) is not None:
        return base.model_copy(update={"kind": "media", "media_type": kind, "text": message_text(message)})
    if kind == "location" and message.location is not None:
        place = ", ".join(part for part in (message.location.name, message.location.address) if part)
        return base.model_copy(update={"kind": "location", "text": place or None})
    if kind == "contacts" and message.contacts:
        return base.model_copy(update={"kind": "contacts", "text": shared_contacts_text(message)})
    if kind == "reaction" and message.reaction is not None:
        return base.model_copy(
            update={
                "kind": "reaction",
                "text": message.reaction.emoji or None,
                "context_message_id": _optional_id(message.reaction.message_id),
            }
        )
    return base.model_copy(update={"kind": "unsupported", "media_type": kind[:MAX_TYPE] or None})


def _describe(value: str | None) -> str:
    """What was wrong with an id, without the id itself (it may be a phone number: never logged)."""
    return f"{len(value)} characters" if value else "missing"


def shared_contacts_text(message: WaMessage) -> str:
    """ "Chandler Bing +1 555-555-5555; Monica +1 666-666-6666": a shared contact card as words.

    Staff share a contact to add a walk-in's phone or a new employee; the engine reads the phone
    out of the text as if it had been typed.
    """
    parts: list[str] = []
    for shared in message.contacts or []:
        name = (shared.name.formatted_name or shared.name.first_name) if shared.name else None
        phones = [phone.phone or phone.wa_id for phone in shared.phones if phone.phone or phone.wa_id]
        parts.append(" ".join(part for part in (name, *phones[:1]) if part))
    return "; ".join(part for part in parts if part)


def to_owner_echo(
    echo: WaEcho, contact: WaContact | None, organization_id: uuid.UUID, received_at: datetime
) -> OwnerEcho | Unusable:
    """The owner's message from the phone app, addressed the way the customer is known."""
    raw = echo.to or (contact.wa_id if contact else None) or echo.to_user_id or ""
    to = _id_or_none(raw, MAX_WA_ID)
    if to is None:
        return Unusable(f"an owner echo with no usable recipient id (to {_describe(raw)})")
    return OwnerEcho(
        organization_id=organization_id,
        to_wa_id=to,
        to_phone=canonical_or_none(to),
        message_id=bounded_id(echo.id) if echo.id else f"echo.{uuid.uuid4().hex}",
        timestamp=parse_timestamp(echo.timestamp) or received_at,
        text=echo.text.body if echo.text is not None else None,
        kind=(echo.type or "text")[:MAX_TYPE],
    )
