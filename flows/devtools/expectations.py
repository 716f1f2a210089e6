"""What a fixture expects, checked: messages matched as the contract says, and the final state.

Matching ignores case, accents (á = a, ñ = n) and runs of whitespace, on the text of all the
messages one person received in a turn. Final appointments and blocks match one to one on the
fields a fixture gives; customers and staff only need to exist; `handed_off` is the exact set.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.devtools.fixture_file import Fixture, FixtureError, MessageExpectation
from flows.core.messages import OutboundMessage
from store.business_file import LoadedBusiness
from store.conversations import Conversation, ConversationStatus
from store.database import Database
from store.hours import parse_weekly_hours, weekly_hours_to_json
from store.models import Appointment, Customer, Location, Organization, ServiceType, Staff, StaffRole, TimeBlock
from store.phones import (
    InvalidPhone,
    canonical_from_whatsapp_id,
    canonical_phone,
    whatsapp_id,
)

# =============================================================================================
# Matching what Yume said
# =============================================================================================


def comparable(value: str) -> str:
    """Text as fixtures compare it: no case, no accents (á = a, ñ = n), single spaces."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare).strip()


def comparable_pattern(pattern: str) -> str:
    """A fixture regex made accent-blind like the text it searches; case stays (\\S is not \\s)."""
    decomposed = unicodedata.normalize("NFKD", pattern)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def joined_text(messages: list[OutboundMessage]) -> str:
    """Everything readable in the messages to one person, joined with newlines."""
    return "\n".join(message.plain_text() for message in messages)


def check_messages(expectation: MessageExpectation, messages: list[OutboundMessage]) -> list[str]:
    """What the messages to one person got wrong (empty when they meet the expectation)."""
    problems: list[str] = []
    if expectation.none:
        if messages:
            problems.append("expected nothing to be sent")
        return problems
    said = comparable(joined_text(messages))
    if not messages and (expectation.contains or expectation.regex):
        problems.append("expected a message, but nothing was sent")
        return problems
    for wanted in expectation.contains:
        if comparable(wanted) not in said:
            problems.append(f"should contain {wanted!r}")
    for unwanted in expectation.not_contains:
        if comparable(unwanted) and comparable(unwanted) in said:
            problems.append(f"should not contain {unwanted!r}")
    if expectation.regex and not re.search(comparable_pattern(expectation.regex), said, re.IGNORECASE):
        problems.append(f"should match /{expectation.regex}/")
    return problems


def quote(messages: list[OutboundMessage]) -> str:
    if not messages:
        return "    (nothing)"
    return "\n".join("    | " + line for line in joined_text(messages).splitlines())


# =============================================================================================
# People in a fixture: handles, raw WhatsApp ids, phones
# =============================================================================================


class People:
    """Resolves handles ("juan") and raw ids ("5215512345000") to phones and WhatsApp ids."""

    def __init__(self, loaded: LoadedBusiness) -> None:
        self.loaded = loaded

    def phone(self, who: str) -> str:
        """The canonical phone of a handle, a raw WhatsApp id or a written number."""
        if who in self.loaded.phones:
            return self.loaded.phones[who]
        digits = re.sub(r"\D", "", who)
        readers = [canonical_phone] if who.strip().startswith("+") or len(digits) <= 10 else [
            lambda _: canonical_from_whatsapp_id(digits), canonical_phone,
        ]
        for read in readers:
            try:
                return read(who)
            except InvalidPhone:
                continue
        raise FixtureError(f"unknown person {who!r}: not a handle of the business nor a phone number")

    def wa_id(self, who: str) -> str:
        """The id the person writes from: a raw id as given, else the phone's digits."""
        if who in self.loaded.phones:
            return whatsapp_id(self.loaded.phones[who])
        return re.sub(r"\D", "", who)

    def messages_to(self, who: str, messages: list[OutboundMessage]) -> list[OutboundMessage]:
        phone = self.phone(who)
        return [message for message in messages if phone_of(message.to) == phone]


def phone_of(wa_id: str) -> str | None:
    try:
        return canonical_from_whatsapp_id(wa_id)
    except InvalidPhone:
        return None


# =============================================================================================
# Final expectations
# =============================================================================================


async def check_final(fixture: Fixture, database: Database, loaded: LoadedBusiness, people: People) -> list[str]:
    expect = fixture.expect
    assert expect is not None
    tz = loaded.tz
    org = loaded.organization_id
    failures: list[str] = []
    async with database.transaction() as session:
        staff_by_id = {s.id: s for s in (await session.execute(select(Staff).where(Staff.organization_id == org))).scalars()}
        customers = {c.id: c for c in (await session.execute(select(Customer).where(Customer.organization_id == org))).scalars()}
        services = {s.id: s.name for s in (await session.execute(select(ServiceType).where(ServiceType.organization_id == org))).scalars()}
        handles = {v: k for k, v in loaded.staff.items()}

        if expect.appointments is not None:
            rows = (await session.execute(select(Appointment).where(Appointment.organization_id == org))).scalars().all()
            actual = [
                {
                    "customer": customers[a.customer_id].phone,
                    "service": services.get(a.service_id),
                    "staff": handles.get(a.staff_id, staff_by_id[a.staff_id].name),
                    "start": _local(a.starts_at, tz),
                    "end": _local(a.ends_at, tz),
                    "status": a.status,
                }
                for a in rows
            ]
            wanted = [_normalize_item(item, people, "customer") for item in expect.appointments]
            failures += _one_to_one("appointments", wanted, actual)

        if expect.blocks is not None:
            rows = (await session.execute(select(TimeBlock).where(TimeBlock.organization_id == org))).scalars().all()
            actual = [
                {"staff": handles.get(b.staff_id), "start": _local(b.starts_at, tz), "end": _local(b.ends_at, tz), "reason": b.reason}
                for b in rows
            ]
            wanted = [_normalize_item(item, people, None) for item in expect.blocks]
            failures += _one_to_one("blocks", wanted, actual)

        for item in expect.customers or []:
            phone = people.phone(str(item["phone"])) if "phone" in item else None
            match = [c for c in customers.values() if phone is None or c.phone == phone]
            fields = {k: v for k, v in item.items() if k != "phone"}
            if not any(all(str(getattr(c, k, None)) == str(v) for k, v in fields.items()) for c in match):
                found = [{"phone": c.phone, "name": c.name} for c in match] or "no customer with that phone"
                failures.append(f"final customers: expected {item}, found {found}")

        for item in expect.staff or []:
            wanted = dict(item)
            if "phone" in wanted:
                wanted["phone"] = canonical_phone(str(wanted["phone"]))
            if "role" in wanted:
                wanted["role"] = StaffRole.employee if wanted["role"] == "staff" else wanted["role"]
            if not any(all(str(getattr(s, k, None)) == str(v) for k, v in wanted.items()) for s in staff_by_id.values()):
                failures.append(f"final staff: expected {item}, found {[(s.name, s.phone, s.role) for s in staff_by_id.values()]}")

        for item in expect.organizations or []:
            failures += await _check_organization(session, item)

        if expect.handed_off is not None:
            conversations = (await session.execute(select(Conversation).where(Conversation.organization_id == org))).scalars().all()
            phones_off = set()
            for conversation in conversations:
                if conversation.status != ConversationStatus.handed_off:
                    continue
                person = customers.get(conversation.customer_id) if conversation.customer_id else staff_by_id.get(conversation.staff_id)
                if person is not None and person.phone:
                    phones_off.add(person.phone)
            wanted_off = {people.phone(who) for who in expect.handed_off}
            if wanted_off != phones_off:
                failures.append(f"final handed_off: expected {sorted(wanted_off)}, found {sorted(phones_off)}")
    return failures


async def _check_organization(session: AsyncSession, item: dict[str, Any]) -> list[str]:
    """A business signed up in the conversation: its status, services, staff and hours, as far as given."""
    name = str(item.get("name"))
    organization = (await session.execute(select(Organization).where(Organization.name == name))).scalars().first()
    if organization is None:
        return [f"final organizations: no business named {name!r}"]
    failures: list[str] = []
    if "status" in item and organization.status != item["status"]:
        failures.append(f"final organizations: {name!r} has status {organization.status!r}, expected {item['status']!r}")
    if "services" in item:
        services = (await session.execute(select(ServiceType).where(ServiceType.organization_id == organization.id))).scalars().all()
        found = sorted(f"{s.name} {s.price_cents // 100} {s.duration_minutes}" for s in services)
        wanted = sorted(" ".join(str(part) for part in (s["name"], s["price"], s["minutes"])) for s in item["services"])
        if found != wanted:
            failures.append(f"final organizations: {name!r} services are {found} (name price minutes), expected {wanted}")
    if "staff" in item:
        staff = (await session.execute(select(Staff).where(Staff.organization_id == organization.id))).scalars().all()
        for wanted_staff in item["staff"]:
            fields = dict(wanted_staff)
            if "phone" in fields:
                fields["phone"] = canonical_phone(str(fields["phone"]))
            if "role" in fields:
                fields["role"] = StaffRole.employee if fields["role"] == "staff" else fields["role"]
            if not any(all(str(getattr(s, k, None)) == str(v) for k, v in fields.items()) for s in staff):
                failures.append(f"final organizations: {name!r} has no staff {wanted_staff}; found {[(s.name, s.phone, s.role) for s in staff]}")
    if "hours" in item:
        location = (await session.execute(select(Location).where(Location.organization_id == organization.id))).scalars().first()
        stored = parse_weekly_hours(location.business_hours if location else {})
        wanted_hours = parse_weekly_hours(item["hours"])
        if any(tuple(stored.get(day, ())) != tuple(wanted_hours.get(day, ())) for day in range(7)):
            failures.append(
                f"final organizations: {name!r} hours are {weekly_hours_to_json(stored)}, expected {weekly_hours_to_json(wanted_hours)}"
            )
    return failures


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def _normalize_item(item: dict[str, Any], people: People, person_key: str | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in item.items():
        if key == person_key:
            result[key] = people.phone(str(value))
        elif key in ("start", "end"):
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            result[key] = moment.strftime("%Y-%m-%dT%H:%M")
        else:
            result[key] = str(value)
    return result


def _one_to_one(what: str, wanted: list[dict[str, str]], actual: list[dict[str, Any]]) -> list[str]:
    """Each expected item matches a different actual item on the fields it gives, and none is left over."""
    def fits(w: dict[str, str], a: dict[str, Any]) -> bool:
        return all(str(a.get(k)) == v for k, v in w.items())

    def assign(i: int, used: frozenset[int]) -> bool:
        if i == len(wanted):
            return True
        return any(fits(wanted[i], a) and assign(i + 1, used | {j}) for j, a in enumerate(actual) if j not in used)

    if len(wanted) == len(actual) and assign(0, frozenset()):
        return []
    shown = "\n".join(f"    {a}" for a in sorted(actual, key=lambda a: str(a.get("start")))) or "    (none)"
    expected = "\n".join(f"    {w}" for w in wanted) or "    (none)"
    return [f"final {what} do not match one to one.\n  expected:\n{expected}\n  found:\n{shown}"]
