"""Coexistence: the number is shared with the owner's WhatsApp Business App.

- `smb_app_state_sync`: the phone's contacts create or name customers. A name the customer gave
  (or staff typed) always wins over the phone book; the phone book wins over a WhatsApp profile.
- `history`: past chats (up to 180 days, in chunks that arrive in any order) become messages in
  the customers' conversations, each stored once (unique WhatsApp id) at its own timestamp, so
  importing twice or out of order gives the same conversations. History never opens the 24-hour
  window: only messages received after onboarding do.
- `account_update`: the business disconnected or reconnected the number, or Meta offboarded it:
  the organization's status follows, and the outbox stops sending for a disconnected business.
Owner echoes (`smb_message_echoes`) go straight to the engine (`handle_echo`) from the inbox.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from sqlalchemy import select

from bot.whatsapp.outcome import Outcome
from bot.whatsapp.payloads import (
    AccountUpdate,
    HistoryChunk,
    HistoryMessage,
    StateSyncItem,
    bounded_id,
    message_text,
    parse_timestamp,
)
from flows.core.identity import conversation_of, find_sender, sender_for
from scheduler.clock import Clock
from store.conversations import Direction, Message, SenderType
from store.database import Database
from store.organizations import Organization, OrganizationStatus
from store.people import Customer, NameSource, Staff
from store.phones import InvalidPhone, canonical_from_whatsapp_id, canonical_phone

log = logging.getLogger("yume.whatsapp.coexistence")

# Who may overwrite a customer's name: a source only replaces names from weaker sources.
NAME_STRENGTH = {
    None: 0,
    NameSource.whatsapp_profile: 1,
    NameSource.contacts: 2,
    NameSource.staff: 3,
    NameSource.customer: 4,
}
ACCOUNT_STATUS = {
    "PARTNER_REMOVED": OrganizationStatus.suspended,  # the owner (or Meta) disconnected Yume from the number
    "ACCOUNT_OFFBOARDED": OrganizationStatus.suspended,
    "ACCOUNT_RECONNECTED": OrganizationStatus.active,
}
HISTORY_DECLINED = 2593109


def _phone(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return canonical_phone(raw)
    except InvalidPhone:
        return None


# --- the phone's contacts ----------------------------------------------------------------------


async def apply_state_sync(
    database: Database, organization_id: uuid.UUID, payload: dict[str, Any], clock: Clock
) -> Outcome:
    """Create or name one customer from one contact of the owner's phone."""
    item = StateSyncItem.model_validate(payload.get("state_sync") or {})
    contact = item.contact
    if item.type not in (None, "contact") or contact is None:
        return Outcome.ok(f"a {item.type} sync (only contacts are used)")
    phone = _phone(contact.phone_number)
    if phone is None:
        return Outcome.ok("a contact without a usable phone number")
    if item.action == "remove":
        return Outcome.ok("removed from the phone's contacts (the customer stays)")
    name = (contact.full_name or contact.first_name or "").strip()[:200] or None
    now = clock.now()
    async with database.transaction() as session:
        staff = await session.execute(
            select(Staff.id).where(Staff.organization_id == organization_id, Staff.phone == phone)
        )
        if staff.first() is not None:
            return Outcome.ok("a staff member's number")
        customer = (
            (
                await session.execute(
                    select(Customer).where(Customer.organization_id == organization_id, Customer.phone == phone)
                )
            )
            .scalars()
            .first()
        )
        if customer is None:
            session.add(
                Customer(
                    organization_id=organization_id,
                    phone=phone,
                    name=name,
                    name_source=NameSource.contacts if name else None,
                    created_at=now,
                    updated_at=now,
                )
            )
            return Outcome.ok()
        if (
            name
            and name != customer.name
            and NAME_STRENGTH.get(customer.name_source, 0) <= NAME_STRENGTH[NameSource.contacts]
        ):
            customer.name, customer.name_source, customer.updated_at = name, NameSource.contacts, now
    return Outcome.ok()


# --- past chats --------------------------------------------------------------------------------


async def import_history(
    database: Database, organization_id: uuid.UUID, payload: dict[str, Any], clock: Clock
) -> Outcome:
    """Import one history chunk; messages already stored are skipped (idempotent, any order)."""
    chunk = HistoryChunk.model_validate(payload.get("history") or {})
    if chunk.errors:
        codes = [error.code for error in chunk.errors]
        if HISTORY_DECLINED in codes:
            return Outcome.ok("the owner chose not to share the chat history")
        log.warning(
            "history chunk with errors for %s: %s", organization_id, [error.describe() for error in chunk.errors]
        )
    business_phone = _phone(((payload.get("metadata") or {}).get("display_phone_number")))
    now = clock.now()
    imported = skipped_staff = 0
    async with database.transaction() as session:
        for thread in chunk.threads:
            phone = _phone(thread.id)
            if phone is None or not thread.messages:
                continue
            existing = await find_sender(session, organization_id, wa_id=None, phone=phone, bsuid=None)
            if existing is not None and not isinstance(existing.person, Customer):
                skipped_staff += 1  # chats with staff are not customer history
                continue
            sender = existing or await sender_for(
                session, organization_id, wa_id=None, phone=phone, bsuid=None, profile_name=None, now=now
            )
            conversation = await conversation_of(session, organization_id, sender.person, lock=False, now=now)
            messages = {_history_id(thread.id or phone, message): message for message in thread.messages}
            known = set(
                (
                    await session.execute(
                        select(Message.wa_message_id).where(Message.wa_message_id.in_(list(messages)))
                    )
                ).scalars()
            )
            for wa_message_id, message in messages.items():
                if wa_message_id in known:
                    continue
                at = parse_timestamp(message.timestamp) or now
                from_business = _from_business(message, phone, business_phone)
                session.add(
                    Message(
                        organization_id=organization_id,
                        conversation_id=conversation.id,
                        direction=Direction.outbound if from_business else Direction.inbound,
                        sender_type=SenderType.owner_app if from_business else SenderType.customer,
                        content_type=(message.type or "unknown")[:20],
                        text=message_text(message),
                        payload={"history": True, "type": message.type},
                        wa_message_id=wa_message_id,
                        status=message.history_context.status.lower()[:20]
                        if message.history_context and message.history_context.status
                        else None,
                        sent_at=at,
                        created_at=at,
                    )
                )
                imported += 1
    note = f"imported {imported} past messages" + (f", skipped {skipped_staff} staff chats" if skipped_staff else "")
    log.info("history chunk for %s: %s", organization_id, note)
    return Outcome.ok()


def _history_id(thread: str, message: HistoryMessage) -> str:
    if message.id:
        return bounded_id(message.id)
    digest = hashlib.sha256(
        f"{thread}|{message.timestamp}|{message.from_}|{message_text(message)}".encode()
    ).hexdigest()[:40]
    return f"history.{digest}"


def _from_business(message: HistoryMessage, customer_phone: str, business_phone: str | None) -> bool:
    """Whether the owner (not the customer) wrote this past message."""
    try:
        sender = canonical_from_whatsapp_id(message.from_) if message.from_ else None
    except InvalidPhone:
        sender = None
    if sender is not None:
        if sender == customer_phone:
            return False
        if business_phone is None or sender == business_phone:
            return True
    return message.to is not None and _phone(message.to) == customer_phone


# --- connection state --------------------------------------------------------------------------


async def apply_account_update(database: Database, payload: dict[str, Any], clock: Clock) -> Outcome:
    """Follow a disconnection, offboarding or reconnection in the organization's status."""
    update = AccountUpdate.model_validate(payload.get("value") or {})
    status = ACCOUNT_STATUS.get(update.event or "")
    if status is None:
        log.warning("account_update %s for WABA %s (logged, no change)", update.event, payload.get("waba_id"))
        return Outcome.ok(f"account update {update.event} needs no change")
    candidates = [
        waba for waba in (update.waba_info.waba_id if update.waba_info else None, payload.get("waba_id")) if waba
    ]
    async with database.transaction() as session:
        organization = (
            (await session.execute(select(Organization).where(Organization.waba_id.in_(candidates)))).scalars().first()
            if candidates
            else None
        )
        if organization is None:
            log.warning("account_update %s for unknown WABA %s", update.event, candidates)
            return Outcome.ok("an account update for a business account Yume does not know")
        if organization.status == OrganizationStatus.churned:
            return Outcome.ok("the organization has left Yume")
        before = organization.status
        organization.status = status
        organization.updated_at = clock.now()
    reason = update.disconnection_info.reason if update.disconnection_info else None
    log.warning("organization %s: %s (%s) → %s (was %s)", organization.id, update.event, reason or "-", status, before)
    return Outcome.ok()
