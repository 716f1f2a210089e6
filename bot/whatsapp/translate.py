"""From Meta's message shapes to the engine's contracts (`InboundEvent`, `OwnerEcho`).

Every message type of the Cloud API maps to one `InboundEvent` kind, so the engine never sees a
Meta shape: text, reply buttons, list rows and template quick replies (`reply`), audio/voice,
image, video, document and sticker (`media`), location, shared contacts, reactions, and
everything else (`unsupported`). Edits and revocations refer to an earlier message; they come
back as `EditOf` / `RevokeOf` for the inbox to decide on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from bot.whatsapp.payloads import WaContact, WaEcho, WaMessage, canonical_or_none, message_text, parse_timestamp
from flows.events import InboundEvent, OwnerEcho

MEDIA_TYPES = ("image", "video", "document", "sticker")


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
) -> InboundEvent | EditOf | RevokeOf:
    """The engine's view of one message (or the edit/revoke it is)."""
    wa_id = message.from_ or (contact.wa_id if contact else None)
    bsuid = message.from_user_id or (contact.user_id if contact else None)
    base = InboundEvent(
        organization_id=organization_id,
        wa_id=wa_id,
        phone=canonical_or_none(wa_id),
        bsuid=bsuid,
        profile_name=(contact.profile.name if contact and contact.profile else None) or None,
        timestamp=parse_timestamp(message.timestamp) or received_at,
        context_message_id=message.context.id if message.context else None,
        **({"message_id": message.id} if message.id else {}),
    )
    kind = message.type or ""

    if kind == "edit" and message.edit is not None:
        edited = message.edit.message
        text = edited.text.body if edited is not None and edited.text is not None else None
        event = (
            base.model_copy(update={"kind": "text", "text": text})
            if text
            else base.model_copy(update={"kind": "unsupported"})
        )
        return EditOf(message.edit.original_message_id, event)
    if kind == "revoke":
        return RevokeOf(message.revoke.original_message_id if message.revoke else None, message.id)

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
                "context_message_id": message.reaction.message_id,
            }
        )
    return base.model_copy(update={"kind": "unsupported", "media_type": kind or None})


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
) -> OwnerEcho:
    """The owner's message from the phone app, addressed the way the customer is known."""
    to = echo.to or (contact.wa_id if contact else None) or echo.to_user_id or ""
    return OwnerEcho(
        organization_id=organization_id,
        to_wa_id=to,
        to_phone=canonical_or_none(to),
        message_id=echo.id or f"echo.{uuid.uuid4().hex}",
        timestamp=parse_timestamp(echo.timestamp) or received_at,
        text=echo.text.body if echo.text is not None else None,
        kind=echo.type or "text",
    )
