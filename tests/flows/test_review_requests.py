"""Review requests: off by default; once, N hours after an appointment is marked completed."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from flows.jobs.review_requests import send_review_requests
from scheduler import booking
from store.database import Database
from store.models import OutboxMessage, ReviewRequest
from tests.flows.conversation import BARBERIA, Chat, open_chat, texts
from tests.helpers import local

LINK = "https://g.page/r/barberia-el-centro/review"
ASKING = {"slot_step_minutes": 30, "review_request_hours": 3, "review_link": LINK}


async def completed_haircut(db: Database, settings: dict[str, Any]) -> tuple[Chat, uuid.UUID]:
    """Juan's 10:00 haircut on Tuesday, marked completed at 10:50."""
    chat = await open_chat(db, now="2026-03-09T09:00", business={**BARBERIA, "settings": settings})
    async with db.transaction() as session:
        appointment = await booking.book(
            session, organization_id=chat.loaded.organization_id, customer_id=chat.loaded.customers["juan"],
            service_id=chat.loaded.services["Corte de cabello"], start=local("2026-03-10T10:00"),
            now=chat.clock.now(), staff_id=chat.loaded.staff["pedro"],
        )
    chat.clock.set(local("2026-03-10T10:50"))
    async with db.transaction() as session:
        await booking.complete(session, organization_id=chat.loaded.organization_id, appointment_id=appointment.id, now=chat.clock.now())
    return chat, appointment.id


async def test_off_by_default(db: Database) -> None:
    chat, _ = await completed_haircut(db, {"slot_step_minutes": 30})
    chat.clock.set(local("2026-03-10T14:00"))
    assert await send_review_requests(db, chat.clock) == []


async def test_sent_n_hours_after_completion_with_the_link_once(db: Database) -> None:
    chat, _ = await completed_haircut(db, ASKING)
    chat.clock.set(local("2026-03-10T13:49"))
    assert await send_review_requests(db, chat.clock) == []
    chat.clock.set(local("2026-03-10T13:50"))
    [message] = await send_review_requests(db, chat.clock)
    assert "¡Gracias por venir a Barbería El Centro, Juan!" in texts([message]) and LINK in texts([message])
    assert message.template is not None and message.template.body_params == ["Juan", "Barbería El Centro", LINK]
    chat.later(hours=1)
    assert await send_review_requests(db, chat.clock) == []


async def test_two_schedulers_ask_once(db: Database) -> None:
    chat, _ = await completed_haircut(db, ASKING)
    chat.clock.set(local("2026-03-10T14:00"))
    other = Database(db.url)
    try:
        results = await asyncio.gather(*(send_review_requests(each, chat.clock) for each in (db, other, db)))
    finally:
        await other.dispose()
    assert sum(len(sent) for sent in results) == 1 and await chat.count(OutboxMessage) == 1


async def test_not_when_a_person_has_taken_over_the_chat(db: Database) -> None:
    chat, _ = await completed_haircut(db, ASKING)
    await chat.owner_writes_to("juan", "Juan, una disculpa por la espera")
    chat.clock.set(local("2026-03-10T14:00"))
    assert await send_review_requests(db, chat.clock) == []
    [record] = await chat.rows(ReviewRequest)
    assert record.sent is False  # handled: not asked later either


async def test_missed_by_more_than_a_day_it_is_not_sent_late(db: Database) -> None:
    chat, _ = await completed_haircut(db, ASKING)
    chat.clock.set(local("2026-03-11T13:50"))
    assert await send_review_requests(db, chat.clock) == []
