"""A small driver for engine tests: a seeded business, a frozen clock, and people who write."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from flows.engine import Engine
from flows.core.events import InboundEvent, OwnerEcho
from flows.core.messages import OutboundMessage
from nlu.rules import RuleEngine
from scheduler.clock import FrozenClock
from store.business_file import LoadedBusiness
from store.database import Database
from store.phones import whatsapp_id
from tests.helpers import local, seed

BARBERIA = {
    "name": "Barbería El Centro",
    "address": "Av. Juárez 45, Centro",
    "hours": {day: ["10:00-20:00"] for day in ("tue", "wed", "thu", "fri")} | {"sat": ["09:00-14:00"]},
    "settings": {"slot_step_minutes": 30},
    "services": [
        {"name": "Corte de cabello", "minutes": 45, "price": 150},
        {"name": "Arreglo de barba", "minutes": 30, "price": 100},
    ],
    "people": {
        "rosa": {"name": "Rosa Martínez", "phone": "+52 55 3000 1000", "role": "owner", "services": []},
        "pedro": {"name": "Pedro Ruiz", "phone": "55 2020 3030", "role": "staff"},
        "juan": {"name": "Juan Pérez", "phone": "+52 55 9876 5432", "role": "customer"},
    },
}
NOW = "2026-03-10T11:00"  # a Tuesday


@dataclass
class Chat:
    """One business, one clock, any number of engines (processes) sharing the database."""

    db: Database
    loaded: LoadedBusiness
    clock: FrozenClock
    engine: Engine
    sent: list[OutboundMessage] = field(default_factory=list)

    async def says(self, who: str, text: str, engine: Engine | None = None, **extra: Any) -> list[OutboundMessage]:
        """`who` (a handle or a raw WhatsApp id) writes `text`; what Yume sends back to everyone."""
        event = InboundEvent(
            organization_id=self.loaded.organization_id,
            wa_id=self.wa_id(who),
            timestamp=self.clock.now(),
            text=text,
            **extra,
        )
        out = await (engine or self.engine).handle(event)
        self.sent += out
        return out

    async def taps(self, who: str, reply_id: str, title: str) -> list[OutboundMessage]:
        event = InboundEvent(
            organization_id=self.loaded.organization_id,
            wa_id=self.wa_id(who),
            timestamp=self.clock.now(),
            kind="reply",
            reply_id=reply_id,
            reply_title=title,
        )
        return await self.engine.handle(event)

    async def owner_writes_to(self, who: str, text: str) -> None:
        await self.engine.handle_echo(
            OwnerEcho(
                organization_id=self.loaded.organization_id,
                to_wa_id=self.wa_id(who),
                message_id=f"echo.{uuid.uuid4().hex}",
                timestamp=self.clock.now(),
                text=text,
            )
        )

    def wa_id(self, who: str) -> str:
        return whatsapp_id(self.loaded.phones[who]) if who in self.loaded.phones else who

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    async def count(self, model: Any, *where: Any) -> int:
        async with self.db.transaction() as session:
            return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())

    async def rows(self, model: Any, *where: Any) -> list[Any]:
        async with self.db.transaction() as session:
            return list((await session.execute(select(model).where(*where))).scalars().all())


async def open_chat(db: Database, now: str = NOW, business: dict[str, Any] | None = None, **engine_kwargs: Any) -> Chat:
    """A seeded business and an engine on the offline NLU with a frozen clock."""
    loaded = await seed(db, business or BARBERIA)
    clock = FrozenClock(local(now))
    return Chat(db, loaded, clock, Engine(db, RuleEngine(), clock, **engine_kwargs))


def texts(messages: list[OutboundMessage], to: str | None = None) -> str:
    """Everything readable in the messages (to one WhatsApp id, if given)."""
    return "\n".join(m.plain_text() for m in messages if to is None or m.to == to)
