"""Who is writing: a staff member or the owner (by canonical phone), else a customer.

Staff are recognised by the number they write from ("5215520203030" is "+525520203030"),
never by what they say. Anyone else is a customer, created on first contact with the phone,
the raw WhatsApp id and Meta's business-scoped id. A name the customer gave is never overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from typing import Any

from sqlalchemy import Select, and_, bindparam, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.ext.asyncio import AsyncSession

from store.conversations import Conversation
from store.models import Customer, NameSource, Staff, StaffRole
from store.organizations import Organization
from store.phones import (
    InvalidPhone,
    canonical_from_whatsapp_id,
    canonical_phone,
    whatsapp_id,
)


@dataclass(frozen=True)
class Sender:
    """The person behind a message and the role they chat in."""

    role: str  # customer | staff | owner
    person: Customer | Staff

    @property
    def party_key(self) -> str:
        return party_key(self.person)


def party_key(person: Customer | Staff) -> str:
    """The conversation key of a person: one conversation per person per business."""
    kind = "staff" if isinstance(person, Staff) else "customer"
    return f"{kind}:{person.id}"


def role_of(person: Customer | Staff) -> str:
    if isinstance(person, Staff):
        return "owner" if person.role == StaffRole.owner else "staff"
    return "customer"


def phone_of(wa_id: str | None, phone: str | None) -> str | None:
    """The canonical phone of a sender, from the channel's canonical phone or the raw WhatsApp id."""
    for candidate, reader in ((phone, canonical_phone), (wa_id, canonical_from_whatsapp_id)):
        if candidate:
            try:
                return reader(candidate)
            except InvalidPhone:
                continue
    return None


async def find_sender(
    session: AsyncSession, organization_id: uuid.UUID, *, wa_id: str | None, phone: str | None, bsuid: str | None
) -> Sender | None:
    """The known staff member or customer writing, or None for someone new."""
    canonical = phone_of(wa_id, phone)
    if canonical:
        staff = (
            await session.execute(
                select(Staff).where(
                    Staff.organization_id == organization_id, Staff.phone == canonical, Staff.active.is_(True)
                )
            )
        ).scalar_one_or_none()
        if staff is not None:
            return Sender(role=role_of(staff), person=staff)
        customer = (
            await session.execute(
                select(Customer).where(Customer.organization_id == organization_id, Customer.phone == canonical)
            )
        ).scalar_one_or_none()
        if customer is not None:
            return Sender(role="customer", person=customer)
    if bsuid:
        customer = (
            await session.execute(
                select(Customer).where(Customer.organization_id == organization_id, Customer.bsuid == bsuid)
            )
        ).scalar_one_or_none()
        if customer is not None:
            return Sender(role="customer", person=customer)
    return None


async def sender_for(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    wa_id: str | None,
    phone: str | None,
    bsuid: str | None,
    profile_name: str | None,
    now: datetime,
) -> Sender:
    """The person writing, creating the customer on first contact and filling in ids we lacked."""
    sender = await find_sender(session, organization_id, wa_id=wa_id, phone=phone, bsuid=bsuid)
    if sender is None:
        customer = Customer(
            organization_id=organization_id,
            phone=phone_of(wa_id, phone),
            wa_id=wa_id,
            bsuid=bsuid,
            created_at=now,
            updated_at=now,
        )
        session.add(customer)
        sender = Sender(role="customer", person=customer)
    await _fill_in(session, organization_id, sender, wa_id=wa_id, bsuid=bsuid, profile_name=profile_name)
    return sender


async def _fill_in(
    session: AsyncSession,
    organization_id: uuid.UUID,
    sender: Sender,
    *,
    wa_id: str | None,
    bsuid: str | None,
    profile_name: str | None,
) -> None:
    """The ids and the profile name we lacked, from this message (a name the customer gave stays)."""
    person = sender.person
    if isinstance(person, Customer):
        if wa_id and not person.wa_id:
            person.wa_id = wa_id
        if bsuid and not person.bsuid and not await _bsuid_taken(session, organization_id, bsuid):
            # Another customer already holds this id (a phone that changed hands): keep both as they are.
            person.bsuid = bsuid
        if profile_name and not person.name:
            person.name = profile_name.strip()[:200]
            person.name_source = NameSource.whatsapp_profile
    elif wa_id and person.wa_id != wa_id:
        person.wa_id = wa_id
    await session.flush()


@dataclass(frozen=True)
class Party:
    """A known sender and their conversation (None before their first turn), as read (locked or not: `locked`)."""

    sender: Sender
    conversation: Conversation | None
    locked: bool = False  # the conversation was read locked, in the transaction of the turn


@dataclass(frozen=True)
class Customers:
    """The customers a message's phone (else its BSUID) names, with their conversations, and the
    business's facts version: read in one statement, before the business's facts are known."""

    facts_version: int | None
    by: str  # "phone" | "bsuid"
    rows: list[tuple[Customer, Conversation | None]]


async def read_customers(
    session: AsyncSession,
    organization_id: uuid.UUID,
    *,
    wa_id: str | None,
    phone: str | None,
    bsuid: str | None,
    lock: bool = False,
) -> Customers | None:
    """The customers this sender may be and the facts version (None when the message names neither phone nor BSUID)."""
    canonical = phone_of(wa_id, phone)
    by, value = ("phone", canonical) if canonical else ("bsuid", bsuid)
    if not value:
        return None
    return await _customers_by(session, organization_id, by, value, lock)


async def _customers_by(session: AsyncSession, organization_id: uuid.UUID, by: str, value: str, lock: bool) -> Customers:
    locked = lock and session.bind.dialect.name == "postgresql"  # SQLite has one writer: nothing to lock
    found = await session.execute(_VERSION_AND_CUSTOMERS[(by, locked)], {"organization_id": organization_id, "value": value})
    rows = found.all()
    version = rows[0][0] if rows else None
    return Customers(version, by, [(customer, chat) for _, customer, chat in rows if customer is not None])


async def find_party(
    session: AsyncSession,
    organization_id: uuid.UUID,
    staff: Sequence[Staff],
    *,
    wa_id: str | None,
    phone: str | None,
    bsuid: str | None,
    lock: bool = False,
    customers: Customers | None = None,
) -> Party | None:
    """Who writes and their conversation, as `find_sender` and `find_conversation` would say, in one query.

    `staff` are the business's active staff (its facts, current this turn): a staff member is
    recognised without asking the database. `lock`: the conversation is locked as it is read (the
    caller's transaction is the turn's), so the turn need not read it again. `customers`: as
    `read_customers` found them with the same `lock` (no query then for those).
    """
    canonical = phone_of(wa_id, phone)
    if canonical:
        member = next((member for member in staff if member.phone == canonical), None)
        if member is not None:
            conversation = await find_conversation(session, organization_id, member, lock=lock)
            return Party(Sender(role=role_of(member), person=member), conversation, locked=lock)
    for by, value in (("phone", canonical), ("bsuid", bsuid)):
        if not value:
            continue
        if customers is None or customers.by != by:
            customers = await _customers_by(session, organization_id, by, value, lock)
        rows = customers.rows
        if rows:
            customer = rows[0][0]
            conversation = next(
                (found for _, found in rows if found is not None and found.party_key == party_key(customer)), None
            )
            return Party(Sender(role="customer", person=customer), conversation, locked=lock)
    return None


def _locked_party(kind: type[Customer] | type[Staff]) -> Select[Any]:
    link = Conversation.staff_id if kind is Staff else Conversation.customer_id
    return (
        select(kind, Conversation)
        .join(Conversation, link == kind.id)
        .where(Conversation.id == bindparam("conversation_id"), Conversation.organization_id == bindparam("organization_id"))
        .with_for_update(of=Conversation, key_share=True)  # as in `conversation_of`
    )


def _version_and_customers(column: Any, locked: bool) -> Select[Any]:
    # Anchored on the organization: its facts version comes back even when no customer matches.
    customer_here = and_(Customer.organization_id == Organization.id, column == bindparam("value"))
    if locked:
        chat = aliased(
            Conversation,
            select(Conversation)
            .where(Conversation.organization_id == Customer.organization_id, Conversation.customer_id == Customer.id)
            .with_for_update(key_share=True)  # as in `conversation_of`
            .lateral("chat"),
        )
        chat_of_customer: Any = true()
    else:
        chat = aliased(Conversation)
        chat_of_customer = and_(chat.organization_id == Customer.organization_id, chat.customer_id == Customer.id)
    return (
        select(Organization.facts_version, Customer, chat)
        .select_from(Organization)
        .outerjoin(Customer, customer_here)
        .outerjoin(chat, chat_of_customer)
        .where(Organization.id == bindparam("organization_id"))
    )


# Every turn runs these: built once (building a statement costs more CPU than running it).
_VERSION_AND_CUSTOMERS = {
    (by, locked): _version_and_customers(column, locked)
    for by, column in (("phone", Customer.phone), ("bsuid", Customer.bsuid))
    for locked in (False, True)
}
_LOCKED_PARTY = {True: _locked_party(Staff), False: _locked_party(Customer)}


async def lock_party(
    session: AsyncSession,
    organization_id: uuid.UUID,
    known: Party,
    *,
    wa_id: str | None,
    bsuid: str | None,
    profile_name: str | None,
) -> tuple[Sender, Conversation] | None:
    """The sender and conversation `known` read, again, the conversation locked: one statement
    (none when `known` was read locked in this transaction).

    None when that is no longer so (the conversation is gone, the staff member left): the caller
    then finds the sender again.
    """
    if known.conversation is None:
        return None
    if known.locked:
        person, conversation = known.sender.person, known.conversation
    else:
        statement = _LOCKED_PARTY[isinstance(known.sender.person, Staff)]
        row = (
            await session.execute(statement, {"conversation_id": known.conversation.id, "organization_id": organization_id})
        ).first()
        if row is None:
            return None
        person, conversation = row
    if conversation.party_key != party_key(person) or (isinstance(person, Staff) and not person.active):
        return None
    sender = Sender(role=role_of(person), person=person)
    await _fill_in(session, organization_id, sender, wa_id=wa_id, bsuid=bsuid, profile_name=profile_name)
    return sender, conversation


async def _bsuid_taken(session: AsyncSession, organization_id: uuid.UUID, bsuid: str) -> bool:
    found = await session.execute(
        select(Customer.id).where(Customer.organization_id == organization_id, Customer.bsuid == bsuid).limit(1)
    )
    return found.first() is not None


async def conversation_of(
    session: AsyncSession, organization_id: uuid.UUID, person: Customer | Staff, *, lock: bool, now: datetime
) -> Conversation:
    """The person's conversation with the business (created on first contact), locked when asked."""
    key = party_key(person)
    query = select(Conversation).where(Conversation.organization_id == organization_id, Conversation.party_key == key)
    if lock:
        # NO KEY UPDATE: turns of this chat exclude each other; inserts pointing at it (messages,
        # outbox rows written by other turns) are not blocked by their foreign-key check.
        query = query.with_for_update(key_share=True)
    conversation = (await session.execute(query)).scalar_one_or_none()
    if conversation is None:
        conversation = Conversation(
            organization_id=organization_id,
            party_key=key,
            customer_id=person.id if isinstance(person, Customer) else None,
            staff_id=person.id if isinstance(person, Staff) else None,
            role=role_of(person),
            wa_id=address_of(person),
            created_at=now,
            updated_at=now,
        )
        session.add(conversation)
        await session.flush()
    return conversation


async def find_conversation(
    session: AsyncSession, organization_id: uuid.UUID, person: Customer | Staff, lock: bool = False
) -> Conversation | None:
    """The person's conversation, if there is one (never created here; locked when asked)."""
    query = select(Conversation).where(Conversation.organization_id == organization_id, Conversation.party_key == party_key(person))
    if lock:
        query = query.with_for_update(key_share=True)  # as in `conversation_of`
    return (await session.execute(query)).scalar_one_or_none()


def address_of(person: Customer | Staff) -> str:
    """The WhatsApp id to write to: the id they last wrote from, else their phone's digits, else their BSUID."""
    if person.wa_id:
        return person.wa_id
    if person.phone:
        return whatsapp_id(person.phone)
    if isinstance(person, Customer) and person.bsuid:
        return person.bsuid  # a user known only by Meta's business-scoped id
    raise ValueError(f"no WhatsApp address for {party_key(person)}")
