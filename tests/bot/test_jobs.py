"""The background jobs feature: APScheduler inside the app, started and stopped with it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.jobs import JOB_RUNNER, JobRunner
from bot.settings import Settings
from bot.whatsapp.channel import CHANNEL
from bot.whatsapp.templates import TemplateCatalog
from flows.jobs.registry import JOBS, run_due_jobs
from flows.core.messages import OutboundMessage
from scheduler import booking
from scheduler.clock import Clock, FrozenClock
from store.database import Database
from store.models import Appointment, OutboxMessage
from tests.flows.conversation import BARBERIA
from tests.helpers import local, seed
from tests.whatsapp.support import APP_SECRET, VERIFY_TOKEN, seed_business


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Wait for the scheduler to get there (generous: the suite must not depend on speed)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_the_scheduler_starts_with_the_app_runs_every_job_and_stops_with_it(aiohttp_client: Any, db: Database) -> None:
    app = create_app(Settings(jobs_interval_seconds=60), database=db, clock=FrozenClock(local("2026-03-10T11:00")))
    runner = app[JOB_RUNNER]
    assert not runner.running
    client = await aiohttp_client(app)
    assert runner.running
    await until(lambda: all(runner.runs[name] >= 1 for name in JOBS))
    assert set(runner.runs) == set(JOBS) >= {"reminders", "morning_agenda", "review_requests", "expire_stale_flows"}
    assert not runner.failures
    assert (await client.get("/health")).status == 200
    await client.close()
    assert not runner.running


async def test_two_app_instances_starting_after_an_outage_send_the_due_reminder_once(aiohttp_client: Any, db: Database) -> None:
    loaded = await seed(db, BARBERIA)
    async with db.transaction() as session:
        await booking.book(
            session, organization_id=loaded.organization_id, customer_id=loaded.customers["juan"],
            service_id=loaded.services["Corte de cabello"], start=local("2026-03-12T16:00"),
            now=local("2026-03-10T11:00"), staff_id=loaded.staff["pedro"],
        )
    clock = FrozenClock(local("2026-03-11T18:00"))  # the reminder fell due at 4 PM, while both were down
    other = Database(db.url)
    try:
        apps = [create_app(Settings(jobs_interval_seconds=60), database=each, clock=clock) for each in (db, other)]
        clients = [await aiohttp_client(app) for app in apps]
        await until(lambda: all(app[JOB_RUNNER].runs["reminders"] >= 1 for app in apps))
        async with db.transaction() as session:
            rows = (await session.execute(OutboxMessage.__table__.select())).all()  # type: ignore[attr-defined]
        assert len(rows) == 1 and rows[0].body["purpose"] == "reminder"
        for client in clients:
            await client.close()
    finally:
        await other.dispose()


async def test_the_jobs_are_off_with_an_interval_of_zero(db: Database) -> None:
    app = create_app(Settings(jobs_interval_seconds=0), database=db)
    assert JOB_RUNNER not in app


async def test_a_failing_job_is_logged_and_tried_again_without_stopping_the_others(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def breaks(database: Database, clock: Clock) -> list[OutboundMessage]:
        raise RuntimeError("boom")

    async def works(database: Database, clock: Clock) -> list[OutboundMessage]:
        return []

    runner = JobRunner(db, FrozenClock(local("2026-03-10T11:00")), 0.01, jobs={"breaks": breaks, "works": works})
    with caplog.at_level(logging.ERROR, logger="yume.jobs"):
        runner.start()
        try:
            await until(lambda: runner.failures["breaks"] >= 2 and runner.runs["works"] >= 2)
        finally:
            await runner.stop()
    assert "job breaks failed" in caplog.text and "boom" in caplog.text
    assert not runner.failures["works"]


async def test_a_slow_sweep_never_overlaps_itself(db: Database) -> None:
    running = 0
    most = 0

    async def slow(database: Database, clock: Clock) -> list[OutboundMessage]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)  # five intervals long
        running -= 1
        return []

    runner = JobRunner(db, FrozenClock(local("2026-03-10T11:00")), 0.01, jobs={"slow": slow})
    runner.start()
    try:
        await until(lambda: runner.runs["slow"] >= 3)
    finally:
        await runner.stop()
    assert most == 1


async def test_stopping_lets_a_running_sweep_finish(db: Database) -> None:
    finished = asyncio.Event()
    started = asyncio.Event()

    async def sweep(database: Database, clock: Clock) -> list[OutboundMessage]:
        started.set()
        await asyncio.sleep(0.05)
        finished.set()
        return []

    runner = JobRunner(db, FrozenClock(local("2026-03-10T11:00")), 60, jobs={"sweep": sweep})
    runner.start()
    await asyncio.wait_for(started.wait(), 30)
    await runner.stop()
    assert finished.is_set() and not runner.running


async def test_every_job_message_fits_its_approved_template(db: Database) -> None:
    business = {**BARBERIA, "settings": {"slot_step_minutes": 30, "review_request_hours": 2, "review_link": "https://g.page/r/x"}}
    loaded = await seed(db, business)
    async with db.transaction() as session:
        for start in ("2026-03-12T11:00", "2026-03-12T16:00"):
            await booking.book(
                session, organization_id=loaded.organization_id, customer_id=loaded.customers["juan"],
                service_id=loaded.services["Corte de cabello"], start=local(start), now=local("2026-03-10T11:00"),
                staff_id=loaded.staff["pedro"],
            )
    clock = FrozenClock(local("2026-03-12T08:00"))
    sent = await run_due_jobs(db, clock)  # the reminders and the morning agendas
    async with db.transaction() as session:
        [first, _] = sorted((await session.execute(select(Appointment))).scalars(), key=lambda a: a.starts_at)
        await booking.complete(session, organization_id=loaded.organization_id, appointment_id=first.id, now=local("2026-03-12T11:50"))
    clock.set(local("2026-03-12T13:50"))
    sent += await run_due_jobs(db, clock)  # the review request
    catalog = TemplateCatalog.load()
    assert {m.purpose for m in sent} == {"reminder", "daily_agenda", "review_request"}
    for message in sent:
        assert message.template is not None, message.purpose
        assert catalog.problem_with(message.template) is None, message.template
        assert len(message.template.quick_replies) == len(catalog.definitions[message.template.name].quick_replies)


async def test_a_reminder_due_at_start_up_reaches_whatsapp_as_the_template_when_the_window_is_closed(
    aiohttp_client: Any, db: Database
) -> None:
    loaded = await seed_business(db)
    async with db.transaction() as session:
        appointment = await booking.book(
            session, organization_id=loaded.organization_id, customer_id=loaded.customers["miguel"],
            service_id=loaded.services["Corte de cabello"], start=local("2027-01-15T16:00"),
            now=local("2027-01-10T11:00"), staff_id=loaded.staff["pedro"],
        )
    settings = Settings(meta_app_secret=APP_SECRET, meta_webhook_verify_token=VERIFY_TOKEN, jobs_interval_seconds=60)
    app = create_app(settings, database=db, clock=FrozenClock(local("2027-01-14T16:05")))
    await aiohttp_client(app)
    transport = app[CHANNEL].dev_transport
    assert transport is not None
    await until(lambda: len(transport.messages) >= 1)
    [delivered] = transport.messages
    template = delivered.payload["template"]
    assert delivered.payload["type"] == "template" and template["name"] == "appointment_reminder"
    buttons = [c["parameters"][0]["payload"] for c in template["components"] if c["type"] == "button"]
    assert buttons == [f"confirm:{appointment.id}", f"cancel:{appointment.id}", f"move:{appointment.id}"]
