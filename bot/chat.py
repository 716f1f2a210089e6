"""`yume chat`: talk to the demo business from the terminal, through the real inbound pipeline.

Each line you type becomes a webhook-shaped WhatsApp message (with your `521…` id, as WhatsApp
sends Mexican mobiles), is stored in the inbox, processed by the conversation engine, and the
replies leave through the outbox and the dev transport — the same path a real message takes,
minus Meta. Buttons and lists are shown as numbered options: answer with the number (sent as the
button or row you picked) or type anything else. Messages Yume sends to other people (the owner,
the barber) are shown too, marked with who gets them. Works with piped stdin as well.
"""

from __future__ import annotations

import re

import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select

from bot.demo import find_demo, seed_demo
from bot.whatsapp.channel import ChannelConfig, WhatsAppChannel, default_engine
from bot.whatsapp.payloads import split_envelope
from bot.whatsapp.transport import DevTransport, RecordedMessage
from scheduler.clock import Clock
from store.database import Database
from store.models import Customer, Organization, Staff, StaffRole
from store.phones import canonical_from_whatsapp_id, canonical_phone, display_phone

# Only these end the chat (and Ctrl-D): a customer saying «adiós» or «gracias, bye» is talking to Yume.
QUIT_WORDS = {"salir", "/salir"}
DEFAULT_CUSTOMER_PHONE = "+52 55 1111 2233"


class ChatSetupError(RuntimeError):
    """The chat cannot start (e.g. no staff member with that role in the demo business)."""


@dataclass
class Option:
    number: int
    id: str
    title: str
    kind: str  # "button_reply" or "list_reply"


@dataclass
class ChatSession:
    """One person chatting with the demo business."""

    channel: WhatsAppChannel
    transport: DevTransport
    organization: Organization
    wa_id: str
    role: str
    clock: Clock
    out: TextIO
    options: list[Option] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    _seen: int = 0
    _sequence: int = 0

    async def say(self, line: str) -> list[RecordedMessage]:
        """Send one line (or a numbered choice) and print what Yume sends back."""
        payload = self._payload(line.strip())
        now = self.clock.now()
        await self.channel.ingest(split_envelope(payload), now)
        await self.channel.settle()
        new = list(self.transport.messages)[self._seen :]
        self._seen = len(self.transport.messages)
        new.sort(key=lambda message: message.to != self.wa_id)  # your replies first, then notices to others
        for message in new:
            await self._print(message)
        return new

    def _payload(self, line: str) -> dict[str, Any]:
        self._sequence += 1
        message: dict[str, Any] = {
            "from": self.wa_id,
            "id": f"wamid.CHAT{uuid.uuid4().hex[:16]}{self._sequence:04d}",
            "timestamp": str(int(self.clock.now().timestamp())),
        }
        chosen = self._choice(line)
        if chosen is not None:
            message["type"] = "interactive"
            message["interactive"] = {"type": chosen.kind, chosen.kind: {"id": chosen.id, "title": chosen.title}}
        else:
            message["type"] = "text"
            message["text"] = {"body": line}
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": (self.organization.phone or "").lstrip("+"),
                "phone_number_id": self.organization.wa_phone_number_id,
            },
            "contacts": [{"wa_id": self.wa_id}],
            "messages": [message],
        }
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": "demo-waba", "changes": [{"field": "messages", "value": value}]}],
        }

    def _choice(self, line: str) -> Option | None:
        """«#2» taps the second option; anything else, a bare «4» included, is typed text, as on WhatsApp.

        A number alone could be a time («4» → 4:00 PM): only the «#» form, which no one writes
        for an hour, means an option.
        """
        found = re.fullmatch(r"#\s*(\d+)", line.strip())
        if found:
            for option in self.options:
                if option.number == int(found.group(1)):
                    return option
        return None

    async def _print(self, message: RecordedMessage) -> None:
        lines, options = render(message.payload)
        if message.to == self.wa_id:
            self.options = options
            prefix = "Yume: "
        else:
            prefix = f"Yume → {await self._name(message.to)}: "
        indent = " " * len(prefix)
        for index, text in enumerate(lines):
            self.out.write((prefix if index == 0 else indent) + text + "\n")
        self.out.write("\n")
        self.out.flush()

    async def _name(self, wa_id: str) -> str:
        if wa_id not in self.names:
            self.names[wa_id] = await _who_is(self.channel.database, self.organization.id, wa_id)
        return self.names[wa_id]


def render(payload: dict[str, Any]) -> tuple[list[str], list[Option]]:
    """A Cloud API message body as terminal lines, with its buttons or rows as numbered options."""
    kind = payload.get("type")
    if kind == "text":
        return payload["text"]["body"].splitlines() or [""], []
    if kind == "template":
        template = payload["template"]
        params = [p["text"] for c in template.get("components", []) if c["type"] == "body" for p in c["parameters"]]
        return [f"[plantilla {template['name']}] " + " | ".join(params)], []
    interactive = payload.get("interactive", {})
    lines: list[str] = []
    if interactive.get("header"):
        lines.append(f"*{interactive['header']['text']}*")
    lines += interactive.get("body", {}).get("text", "").splitlines()
    options: list[Option] = []
    if interactive.get("type") == "button":
        for button in interactive["action"]["buttons"]:
            options.append(Option(len(options) + 1, button["reply"]["id"], button["reply"]["title"], "button_reply"))
    elif interactive.get("type") == "list":
        for section in interactive["action"]["sections"]:
            for row in section["rows"]:
                options.append(Option(len(options) + 1, row["id"], row["title"], "list_reply"))
    for option, source in zip(options, _option_sources(interactive), strict=False):
        lines.append(f"  #{option.number} {option.title}" + (f" — {source}" if source else ""))
    if interactive.get("footer"):
        lines.append(f"_{interactive['footer']['text']}_")
    return lines, options


def _option_sources(interactive: dict[str, Any]) -> list[str | None]:
    if interactive.get("type") == "list":
        return [row.get("description") for section in interactive["action"]["sections"] for row in section["rows"]]
    return [None for _ in interactive.get("action", {}).get("buttons", [])]


async def _who_is(database: Database, organization_id: uuid.UUID, wa_id: str) -> str:
    try:
        phone = canonical_from_whatsapp_id(wa_id)
    except ValueError:
        return wa_id
    async with database.transaction() as session:
        staff = (
            (await session.execute(select(Staff).where(Staff.organization_id == organization_id, Staff.phone == phone)))
            .scalars()
            .first()
        )
        if staff is not None:
            return f"{staff.name} ({'dueño' if staff.role == StaffRole.owner else 'equipo'})"
        customer = (
            (
                await session.execute(
                    select(Customer).where(Customer.organization_id == organization_id, Customer.phone == phone)
                )
            )
            .scalars()
            .first()
        )
    if customer is not None and customer.name:
        return f"{customer.name} (cliente)"
    return display_phone(phone)


async def open_chat(database: Database, clock: Clock, *, role: str, phone: str | None, out: TextIO) -> ChatSession:
    """Seed the demo business if needed and start a chat as `role` (customer, staff or owner)."""
    now = clock.now()
    async with database.transaction() as session:
        organization = await find_demo(session)
    if organization is None:
        await seed_demo(database, now)
        async with database.transaction() as session:
            organization = await find_demo(session)
    assert organization is not None
    canonical = canonical_phone(phone) if phone else await _phone_for(database, organization.id, role)
    wa_id = "521" + canonical[3:] if canonical.startswith("+52") and len(canonical) == 13 else canonical.lstrip("+")
    transport = DevTransport(clock)
    channel = WhatsAppChannel(
        ChannelConfig(), database, clock, engine=default_engine(database, clock), transport=transport
    )
    await channel.start(background=False)
    return ChatSession(channel, transport, organization, wa_id, role, clock, out)


async def _phone_for(database: Database, organization_id: uuid.UUID, role: str) -> str:
    if role == "customer":
        return canonical_phone(DEFAULT_CUSTOMER_PHONE)
    wanted = StaffRole.owner if role == "owner" else StaffRole.employee
    async with database.transaction() as session:
        staff = (
            (
                await session.execute(
                    select(Staff)
                    .where(Staff.organization_id == organization_id, Staff.role == wanted, Staff.active.is_(True))
                    .order_by(Staff.name)
                )
            )
            .scalars()
            .first()
        )
    if staff is None:
        raise ChatSetupError(f"the demo business has no {role}")
    return staff.phone


async def run_chat(session: ChatSession, lines: TextIO, interactive: bool) -> int:
    """Read lines until EOF or «salir»; returns how many messages were sent."""
    out = session.out
    who = {"customer": "cliente", "staff": "barbero", "owner": "dueño"}[session.role]
    out.write(
        f"Chateas con {session.organization.name} como {who} "
        f"(tu WhatsApp: +{session.wa_id}). Escribe «salir» (o Ctrl-D) para terminar.\n"
        "Para tocar una opción escribe su número con # (#1, #2…); lo demás va como texto, igual que en WhatsApp.\n\n"
    )
    sent = 0
    try:
        while True:
            if interactive:
                out.write("Tú: ")
                out.flush()
            line = lines.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT_WORDS:
                break
            if not interactive:
                out.write(f"Tú: {text}\n")
            await session.say(text)
            sent += 1
    finally:
        await session.channel.stop()
    out.write("¡Hasta luego!\n")
    return sent


def stdin_is_interactive() -> bool:
    return sys.stdin.isatty()


def parse_now(text: str, timezone: str) -> datetime:
    """ "2027-01-13T10:00" in the business's timezone (or with an explicit offset)."""
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))
