"""Meta's webhook payloads, read leniently: the envelope split into inbox events, and typed pieces.

Two jobs, both pure:
- `split_envelope(document)` turns one POST body into `WebhookEvent`s, one per message, status,
  echo, contact sync, history chunk or account update, each with a unique `event_key` (so a second
  delivery is a no-op) and the lane (`sender`) that orders it. Nothing a sender can put in a body
  makes it raise: what cannot be understood becomes an `unknown` event, stored and logged.
- The Pydantic models (`WaMessage`, `WaStatus`, `WaEcho`, …) read one stored piece back when the
  inbox processes it. They accept missing and extra fields; a wrong type is a `ValidationError`.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from store.phones import InvalidPhone, canonical_from_whatsapp_id

EventKind = Literal["message", "status", "echo", "state_sync", "history", "account_update", "error", "unknown"]

MAX_EVENT_KEY = 300
MAX_SENDER = 128
MAX_PHONE_NUMBER_ID = 64
MAX_MESSAGE_ID = 255  # Message.wa_message_id; real wamids are about 60 characters
MAX_DEPTH = 64  # Meta's payloads nest about 10 deep; deeper is stored as text, not as a document
MAX_NUMBER_DIGITS = 100  # longer numbers are kept as their text (Python refuses ints past 4,300 digits)
MAX_EXCERPT = 64 * 1024  # what is kept of a body that cannot be stored as a document
# Kinds whose order does not matter: they never wait behind (or hold up) a person's messages.
ORDER_FREE_KINDS: frozenset[str] = frozenset({"status", "state_sync", "history", "account_update", "error", "unknown"})


@dataclass(frozen=True)
class WebhookEvent:
    """One thing Meta told us, ready to be stored in the inbox."""

    event_key: str
    kind: EventKind
    payload: dict[str, Any]
    phone_number_id: str | None = None
    waba_id: str | None = None
    sender: str | None = None  # the lane: events with the same sender are processed in order
    wa_timestamp: datetime | None = None
    notes: list[str] = field(default_factory=list)


# --- identity -----------------------------------------------------------------------------------


def canonical_or_none(wa_id: str | None) -> str | None:
    """The canonical E.164 phone for a WhatsApp id, or None when it is not a phone number."""
    if not wa_id or not isinstance(wa_id, str):
        return None
    try:
        return canonical_from_whatsapp_id(wa_id)
    except InvalidPhone:
        return None


def person_lane(wa_id: str | None, bsuid: str | None) -> str | None:
    """The lane of one person: their canonical phone, else their BSUID, else the raw id.

    Inbound messages, owner echoes (which may carry the other `521…` variant) and statuses of
    the same person all normalise to the same lane.
    """
    phone = canonical_or_none(wa_id)
    if phone:
        return phone
    if bsuid and isinstance(bsuid, str):
        return _clip(f"bsuid:{bsuid}", MAX_SENDER)
    if wa_id and isinstance(wa_id, str):
        return _clip(f"raw:{wa_id}", MAX_SENDER)
    return None


def parse_timestamp(value: Any) -> datetime | None:
    """Meta's epoch-seconds timestamp (a string or a number) as an aware UTC datetime."""
    try:
        seconds = float(value)
        if seconds != seconds or seconds < 0:  # NaN, negative
            return None
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    hashed = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{text[: limit - 34]}#{hashed}"


def bounded_id(message_id: str) -> str:
    """A WhatsApp message id as Yume stores it: as it is, or (past 255 characters) a stable, unique stand-in.

    Every place that keys on a message id (the inbox key, the Message row, an edit's or a
    revocation's original) uses this, so an absurd id still dedupes and matches.
    """
    return _clip(message_id, MAX_MESSAGE_ID)


def digest(value: Any) -> str:
    """A stable hash of any JSON-ish value."""
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


_digest = digest


def _str(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- the envelope -------------------------------------------------------------------------------


class NotAWebhook(ValueError):
    """The body cannot be a webhook delivery (not JSON, or absurdly nested); answered with 400."""


def decode_body(body: bytes) -> Any:
    """The JSON document in a webhook body, made safe to store on both databases.

    Whatever parses is kept, never refused: a signed delivery Yume refused would come back from
    Meta for a week. PostgreSQL's JSONB refuses NUL characters and lone surrogates (replaced), and
    numbers beyond a double (`1e999999`), NaN and Infinity (kept as their text); a document nested
    deeper than any webhook is kept as an excerpt of its text (an `unknown` event). Only a body
    that is not JSON at all is refused.
    """
    try:
        document = json.loads(body, parse_float=_float, parse_int=_int, parse_constant=str)
    except RecursionError:
        return _too_deep(body)
    except ValueError as error:
        raise NotAWebhook(f"not JSON: {type(error).__name__}") from error
    try:
        return _clean(document, 0)
    except _TooDeep:
        return _too_deep(body)


class _TooDeep(Exception):
    pass


def _too_deep(body: bytes) -> dict[str, Any]:
    return {"unreadable": "nested too deeply", "excerpt": storable_text(body[:MAX_EXCERPT].decode("utf-8", "replace"))}


def _float(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else text  # 1e999999 is inf: JSONB cannot hold it


def _int(text: str) -> int | str:
    return int(text) if len(text.lstrip("-")) <= MAX_NUMBER_DIGITS else text


def _clean(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list):
        return [_clean(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {storable_text(key): _clean(item, depth + 1) for key, item in value.items()}
    return value


def storable_text(text: str) -> str:
    """`text` without what PostgreSQL's JSONB and text columns refuse (NUL, lone surrogates)."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def split_envelope(document: Any) -> list[WebhookEvent]:
    """Every event in one webhook body; never raises, whatever the body holds."""
    if not isinstance(document, dict):
        return [_unknown(document, "the body is not a JSON object")]
    entries = document.get("entry")
    if document.get("object") != "whatsapp_business_account" or not isinstance(entries, list):
        return [_unknown(document, "not a whatsapp_business_account envelope")]
    events: list[WebhookEvent] = []
    for entry in entries:
        changes = _dict(entry).get("changes")
        if not isinstance(changes, list):
            events.append(_unknown(entry, "an entry without changes"))
            continue
        waba_id = _str(_dict(entry).get("id"))
        for change in changes:
            try:
                events.extend(_split_change(_dict(change), waba_id, _dict(entry).get("time")))
            except Exception as error:  # defensive: a shape we did not foresee is stored, not lost
                events.append(_unknown(change, f"unreadable change: {type(error).__name__}: {error}"))
    return events


def _unknown(piece: Any, why: str) -> WebhookEvent:
    return WebhookEvent(event_key=f"unknown:{_digest(piece)}", kind="unknown", payload={"raw": piece}, notes=[why])


def _split_change(change: dict[str, Any], waba_id: str | None, entry_time: Any) -> list[WebhookEvent]:
    field_name = _str(change.get("field")) or ""
    value = _dict(change.get("value"))
    metadata = _dict(value.get("metadata"))
    phone_number_id = _str(metadata.get("phone_number_id"))
    if phone_number_id is not None:
        phone_number_id = _clip(phone_number_id, MAX_PHONE_NUMBER_ID)
    context = {"field": field_name, "waba_id": waba_id, "metadata": metadata}
    events: list[WebhookEvent] = []

    if field_name == "messages":
        contacts = [_dict(contact) for contact in _list(value.get("contacts"))]
        for message in _list(value.get("messages")):
            events.append(_message_event(_dict(message), contacts, context, phone_number_id, waba_id))
        for status in _list(value.get("statuses")):
            events.append(_status_event(_dict(status), context, phone_number_id, waba_id))
        for error in _list(value.get("errors")):
            events.append(_error_event(error, context, phone_number_id, waba_id))
    elif field_name == "smb_message_echoes":
        contacts = [_dict(contact) for contact in _list(value.get("contacts"))]
        for echo in _list(value.get("message_echoes")):
            events.append(_echo_event(_dict(echo), contacts, context, phone_number_id, waba_id))
    elif field_name == "smb_app_state_sync":
        for item in _list(value.get("state_sync")):
            events.append(_keyed("state_sync", "sync", item, {**context, "state_sync": item}, phone_number_id, waba_id))
    elif field_name == "history":
        for chunk in _list(value.get("history")):
            events.append(_keyed("history", "history", chunk, {**context, "history": chunk}, phone_number_id, waba_id))
        for error in _list(value.get("errors")):
            events.append(_error_event(error, context, phone_number_id, waba_id))
    elif field_name == "account_update":
        piece = {**context, "value": value, "entry_time": entry_time}
        events.append(_keyed("account_update", "account", piece, piece, phone_number_id, waba_id))

    if not events:
        events.append(
            WebhookEvent(
                event_key=f"unknown:{_digest(change)}",
                kind="unknown",
                payload={**context, "value": value},
                phone_number_id=phone_number_id,
                waba_id=waba_id,
                notes=[f"nothing Yume acts on in field {field_name!r}"],
            )
        )
    return events


def _keyed(
    kind: EventKind,
    prefix: str,
    identity: Any,
    payload: dict[str, Any],
    phone_number_id: str | None,
    waba_id: str | None,
) -> WebhookEvent:
    return WebhookEvent(
        event_key=f"{prefix}:{phone_number_id or waba_id or '-'}:{_digest(identity)}"[:MAX_EVENT_KEY],
        kind=kind,
        payload=payload,
        phone_number_id=phone_number_id,
        waba_id=waba_id,
        sender=None,
        wa_timestamp=parse_timestamp(_dict(_dict(identity).get("metadata")).get("timestamp")),
    )


def _contact_for(contacts: list[dict[str, Any]], wa_id: str | None, bsuid: str | None) -> dict[str, Any]:
    for contact in contacts:
        if wa_id and _str(contact.get("wa_id")) == wa_id:
            return contact
        if bsuid and _str(contact.get("user_id")) == bsuid:
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _message_event(
    message: dict[str, Any],
    contacts: list[dict[str, Any]],
    context: dict[str, Any],
    phone_number_id: str | None,
    waba_id: str | None,
) -> WebhookEvent:
    wa_id = _str(message.get("from"))
    contact = _contact_for(contacts, wa_id, _str(message.get("from_user_id")))
    bsuid = _str(message.get("from_user_id")) or _str(contact.get("user_id"))
    message_id = _str(message.get("id"))
    key = f"msg:{bounded_id(message_id)}" if message_id else f"msg-noid:{_digest(message)}"
    return WebhookEvent(
        event_key=_clip(key, MAX_EVENT_KEY),
        kind="message",
        payload={**context, "contact": contact, "message": message},
        phone_number_id=phone_number_id,
        waba_id=waba_id,
        sender=person_lane(wa_id, bsuid),
        wa_timestamp=parse_timestamp(message.get("timestamp")),
    )


def _status_event(
    status: dict[str, Any], context: dict[str, Any], phone_number_id: str | None, waba_id: str | None
) -> WebhookEvent:
    message_id = _str(status.get("id"))
    state = _str(status.get("status")) or "?"
    key = f"status:{message_id}:{state}" if message_id else f"status-noid:{_digest(status)}"
    recipient = person_lane(_str(status.get("recipient_id")), _str(status.get("recipient_user_id")))
    return WebhookEvent(
        event_key=_clip(key, MAX_EVENT_KEY),
        kind="status",
        payload={**context, "status": status},
        phone_number_id=phone_number_id,
        waba_id=waba_id,
        sender=_clip(f"status:{recipient or '-'}", MAX_SENDER),
        wa_timestamp=parse_timestamp(status.get("timestamp")),
    )


def _echo_event(
    echo: dict[str, Any],
    contacts: list[dict[str, Any]],
    context: dict[str, Any],
    phone_number_id: str | None,
    waba_id: str | None,
) -> WebhookEvent:
    to = _str(echo.get("to"))
    bsuid = _str(echo.get("to_user_id"))
    message_id = _str(echo.get("id"))
    key = f"echo:{bounded_id(message_id)}" if message_id else f"echo-noid:{_digest(echo)}"
    return WebhookEvent(
        event_key=_clip(key, MAX_EVENT_KEY),
        kind="echo",
        payload={**context, "contact": _contact_for(contacts, to, bsuid), "echo": echo},
        phone_number_id=phone_number_id,
        waba_id=waba_id,
        sender=person_lane(to, bsuid),
        wa_timestamp=parse_timestamp(echo.get("timestamp")),
    )


def _error_event(error: Any, context: dict[str, Any], phone_number_id: str | None, waba_id: str | None) -> WebhookEvent:
    return WebhookEvent(
        event_key=f"error:{phone_number_id or '-'}:{_digest(error)}",
        kind="error",
        payload={**context, "error": error},
        phone_number_id=phone_number_id,
        waba_id=waba_id,
    )


# --- typed pieces, read back when the inbox processes an event ---------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)


class Profile(_Lenient):
    name: str | None = None


class WaContact(_Lenient):
    profile: Profile | None = None
    wa_id: str | None = None
    user_id: str | None = None  # the business-scoped user id (BSUID)


class TextBody(_Lenient):
    body: str = ""


class ReplyChoice(_Lenient):
    id: str = ""
    title: str = ""
    description: str | None = None


class Interactive(_Lenient):
    type: str | None = None
    button_reply: ReplyChoice | None = None
    list_reply: ReplyChoice | None = None


class TemplateButton(_Lenient):
    payload: str | None = None
    text: str | None = None


class Media(_Lenient):
    id: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    filename: str | None = None
    voice: bool | None = None
    animated: bool | None = None


class Location(_Lenient):
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    address: str | None = None


class SharedName(_Lenient):
    formatted_name: str | None = None
    first_name: str | None = None


class SharedPhone(_Lenient):
    phone: str | None = None
    wa_id: str | None = None


class SharedContact(_Lenient):
    name: SharedName | None = None
    phones: list[SharedPhone] = Field(default_factory=list)


class Reaction(_Lenient):
    message_id: str | None = None
    emoji: str | None = None


class MessageContext(_Lenient):
    id: str | None = None
    forwarded: bool | None = None
    frequently_forwarded: bool | None = None


class WaError(_Lenient):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: dict[str, Any] | None = None

    def describe(self) -> str:
        details = (self.error_data or {}).get("details")
        return f"{self.code}: {self.title or self.message or 'error'}" + (f" ({details})" if details else "")


class EditedMessage(_Lenient):
    type: str | None = None
    text: TextBody | None = None


class Edit(_Lenient):
    original_message_id: str | None = None
    message: EditedMessage | None = None


class Revoke(_Lenient):
    original_message_id: str | None = None


class WaMessage(_Lenient):
    """A message a person sent to the business (`value.messages[]`)."""

    from_: str | None = Field(default=None, alias="from")
    from_user_id: str | None = None
    id: str | None = None
    timestamp: str | None = None
    type: str | None = None
    text: TextBody | None = None
    interactive: Interactive | None = None
    button: TemplateButton | None = None
    audio: Media | None = None
    image: Media | None = None
    video: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    location: Location | None = None
    contacts: list[SharedContact] | None = None
    reaction: Reaction | None = None
    edit: Edit | None = None
    revoke: Revoke | None = None
    context: MessageContext | None = None
    errors: list[WaError] | None = None


class Pricing(_Lenient):
    category: str | None = None
    billable: bool | None = None


class WaStatus(_Lenient):
    """The delivery state of a message Yume sent (`value.statuses[]`)."""

    id: str | None = None
    status: str | None = None
    timestamp: str | None = None
    recipient_id: str | None = None
    errors: list[WaError] | None = None
    pricing: Pricing | None = None


class WaEcho(_Lenient):
    """A message the owner sent from the WhatsApp Business App (`value.message_echoes[]`)."""

    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    to_user_id: str | None = None
    id: str | None = None
    timestamp: str | None = None
    type: str | None = None
    text: TextBody | None = None


class SyncedContact(_Lenient):
    full_name: str | None = None
    first_name: str | None = None
    phone_number: str | None = None


class StateSyncItem(_Lenient):
    """One contact of the owner's phone, added or removed (`value.state_sync[]`)."""

    type: str | None = None
    contact: SyncedContact | None = None
    action: str | None = None
    metadata: dict[str, Any] | None = None


class HistoryContext(_Lenient):
    status: str | None = None


class HistoryMessage(WaMessage):
    to: str | None = None
    history_context: HistoryContext | None = None


class HistoryThread(_Lenient):
    id: str | None = None  # the customer's phone
    messages: list[HistoryMessage] = Field(default_factory=list)


class HistoryMetadata(_Lenient):
    phase: int | None = None
    chunk_order: int | None = None
    progress: int | None = None


class HistoryChunk(_Lenient):
    """One chunk of the phone's past chats (`value.history[]`); chunks arrive in any order."""

    metadata: HistoryMetadata | None = None
    threads: list[HistoryThread] = Field(default_factory=list)
    errors: list[WaError] | None = None


class WabaInfo(_Lenient):
    waba_id: str | None = None


class DisconnectionInfo(_Lenient):
    reason: str | None = None
    initiated_by: str | None = None


class AccountUpdate(_Lenient):
    """A change to the business account: disconnection, reconnection, restrictions."""

    event: str | None = None
    waba_info: WabaInfo | None = None
    disconnection_info: DisconnectionInfo | None = None


def message_text(message: WaMessage) -> str | None:
    """The words of a message, when it has any (text body, media caption, edited text)."""
    if message.text is not None:
        return message.text.body
    for media in (message.image, message.video, message.document):
        if media is not None and media.caption:
            return media.caption
    return None
