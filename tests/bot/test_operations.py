"""Operating Yume: /metrics lists every series, logs follow one message and mask phones, /ready tells
the load balancer the truth (schema behind, loops stopped), `yume serve` refuses a stale schema."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot import metrics
from bot.app import create_app
from bot.commands.serve import SchemaNotReady, _checked_app
from bot.jobs import JOB_RUNNER, JobRunner
from bot.logs import TextFormatter, configure_logging, mask_phones
from bot.settings import Settings
from bot.state import CLOCK, DATABASE
from bot.whatsapp.channel import CHANNEL
from scheduler.clock import FrozenClock, SystemClock
from store.channel import InboxEvent, OutboxMessage, OutboxStatus
from store.database import Database
from store.migrate import head_revision, known_revisions, upgrade_to_head
from tests.bot.api import OPERATOR_TOKEN
from tests.helpers import eventually
from tests.whatsapp.support import APP_SECRET, VERIFY_TOKEN, post_webhook, seed_business, text_message

CUSTOMER = "5215598765432"
CUSTOMER_DIGITS = ("5598765432", "55 9876 5432", "9876 5432", "98765432")

# Every series docs/operations.md tells an operator to watch.
SERIES = {
    "yume_inbound_messages": "counter",
    "yume_webhook_events": "counter",
    "yume_outbound_messages": "counter",
    "yume_outbox_retries": "counter",
    "yume_outbox_failures": "counter",
    "yume_turn_seconds": "histogram",
    "yume_nlu_decisions": "counter",
    "yume_nlu_fallbacks": "counter",
    "yume_claude_seconds": "histogram",
    "yume_claude_errors": "counter",
    "yume_webhook_ack_seconds": "histogram",
    "yume_bookings": "counter",
    "yume_job_runs": "counter",
    "yume_job_failures": "counter",
    "yume_database_up": "gauge",
    "yume_inbox_backlog": "gauge",
    "yume_inbox_oldest_seconds": "gauge",
    "yume_outbox_messages": "gauge",
    "yume_outbox_oldest_pending_seconds": "gauge",
    "yume_loop_up": "gauge",
}


def _settings(**overrides: Any) -> Settings:
    return Settings(
        operator_token=OPERATOR_TOKEN, meta_app_secret=APP_SECRET, meta_webhook_verify_token=VERIFY_TOKEN,
        **{"jobs_interval_seconds": 0, **overrides},
    )


async def _scrape(client: Any) -> dict[str, Any]:
    response = await client.get("/metrics")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    return {family.name: family for family in text_string_to_metric_families(await response.text())}


def _value(families: dict[str, Any], name: str, sample: str | None = None, **labels: str) -> float:
    family = families[name]
    wanted = sample or (name + "_total" if family.type == "counter" else name)
    return sum(
        s.value for s in family.samples if s.name == wanted and all(s.labels.get(k) == v for k, v in labels.items())
    )


async def _answered(client: Any, wa_id: str) -> list[Any]:
    channel = client.app[CHANNEL]

    async def replies() -> list[Any]:
        return [message for message in channel.dev_transport.messages if message.to == wa_id]

    return await eventually(replies)


# --- /metrics --------------------------------------------------------------------------------------


async def test_metrics_lists_every_series_and_counts_one_answered_message(db: Database, aiohttp_client: Any) -> None:
    await seed_business(db)
    client = await aiohttp_client(create_app(_settings(jobs_interval_seconds=3600), database=db, clock=SystemClock()))
    before = await _scrape(client)
    assert {name: family.type for name, family in before.items() if name in SERIES} == SERIES

    assert (await post_webhook(client, text_message("Hola, ¿qué servicios tienen?", wa_id=CUSTOMER))).status == 200
    await _answered(client, CUSTOMER)
    after = await _scrape(client)

    def grew(name: str, sample: str | None = None, **labels: str) -> float:
        return _value(after, name, sample, **labels) - _value(before, name, sample, **labels)

    assert grew("yume_inbound_messages", kind="text") == 1
    assert grew("yume_webhook_events", kind="message") == 1
    assert grew("yume_outbound_messages", form="session") >= 1
    assert grew("yume_turn_seconds", "yume_turn_seconds_count") == 1
    assert grew("yume_webhook_ack_seconds", "yume_webhook_ack_seconds_count", status="200") == 1
    assert grew("yume_nlu_decisions", engine="rules") == 1  # no Anthropic key: the rules answer
    assert _value(after, "yume_database_up") == 1
    assert _value(after, "yume_loop_up", loop="inbox_sweep") == 1
    assert _value(after, "yume_loop_up", loop="outbox_sender") == 1
    assert _value(after, "yume_loop_up", loop="jobs") == 1



async def test_job_runs_and_failures_are_counted_per_job(db: Database) -> None:
    async def fine(_database: Database, _clock: Any) -> list[Any]:
        return []

    async def broken(_database: Database, _clock: Any) -> list[Any]:
        raise RuntimeError("the sweep hit a bug")

    ok, bad = f"fine_{uuid.uuid4().hex[:6]}", f"broken_{uuid.uuid4().hex[:6]}"  # counters live for the process
    runner = JobRunner(db, FrozenClock(SystemClock().now()), 60, jobs={ok: fine, bad: broken})
    counted = lambda counter, job: counter.labels(job)._value.get()  # noqa: E731
    assert counted(metrics.JOB_RUNS, bad) == 0  # the series exists before the first run
    await runner.run(ok)
    await runner.run(bad)
    await runner.run(bad)
    assert (counted(metrics.JOB_RUNS, ok), counted(metrics.JOB_FAILURES, ok)) == (1, 0)
    assert (counted(metrics.JOB_RUNS, bad), counted(metrics.JOB_FAILURES, bad)) == (2, 2)


def _gauges_app(database: Database, clock: FrozenClock) -> web.Application:
    """Only the metrics feature, as in one server process (no loops that would drain the queues)."""
    app = web.Application()
    app[DATABASE], app[CLOCK] = database, clock
    metrics.register(app)
    return app


async def test_queue_gauges_come_from_the_database_so_every_process_reports_the_same(
    db: Database, database_url: str, aiohttp_client: Any
) -> None:
    loaded = await seed_business(db)
    clock = FrozenClock(SystemClock().now())
    now = clock.now()
    async with db.transaction() as session:
        for minutes in (10, 3):
            session.add(InboxEvent(event_key=f"msg:wamid.{uuid.uuid4().hex}", kind="message",
                                   received_at=now - timedelta(minutes=minutes)))
        session.add(InboxEvent(event_key="msg:wamid.done", kind="message", received_at=now - timedelta(hours=1),
                               processed_at=now - timedelta(hours=1)))
        for minutes, status in ((7, OutboxStatus.pending), (2, OutboxStatus.pending), (1, OutboxStatus.failed),
                                (30, OutboxStatus.sent)):
            session.add(OutboxMessage(organization_id=loaded.organization_id, to_wa_id=CUSTOMER, status=status,
                                      created_at=now - timedelta(minutes=minutes)))
    other = Database(database_url)  # a second process: its own engine and connections
    try:
        first = await _scrape(await aiohttp_client(_gauges_app(db, clock)))
        second = await _scrape(await aiohttp_client(_gauges_app(other, clock)))
    finally:
        await other.dispose()
    for families in (first, second):
        assert _value(families, "yume_inbox_backlog") == 2
        assert _value(families, "yume_inbox_oldest_seconds") == pytest.approx(600, abs=1)
        assert _value(families, "yume_outbox_messages", status="pending") == 2
        assert _value(families, "yume_outbox_messages", status="failed") == 1
        assert _value(families, "yume_outbox_oldest_pending_seconds") == pytest.approx(420, abs=1)


async def test_an_unreachable_database_shows_as_database_down_not_as_a_failed_scrape(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    missing = Database(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'yume.db'}")
    try:
        families = await _scrape(await aiohttp_client(_gauges_app(missing, FrozenClock(SystemClock().now()))))
    finally:
        await missing.dispose()
    assert _value(families, "yume_database_up") == 0


# --- logs ------------------------------------------------------------------------------------------


@pytest.fixture
def json_log() -> Any:
    stream = io.StringIO()
    handler = configure_logging(json_lines=True, level="INFO", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


async def test_the_log_lines_of_one_message_share_its_id_and_never_show_the_phone(
    db: Database, aiohttp_client: Any, json_log: io.StringIO, unused_tcp_port: int
) -> None:
    loaded = await seed_business(db)
    # Claude configured but unreachable: the NLU logs its fallback, inside the same message's trace.
    settings = _settings(anthropic_api_key="sk-ant-test", anthropic_base_url=f"http://127.0.0.1:{unused_tcp_port}",
                         nlu_timeout_s=2.0)
    client = await aiohttp_client(create_app(settings, database=db, clock=SystemClock()))
    wamid = f"wamid.{uuid.uuid4().hex}"
    message = text_message("oigan y para el jueves algo con Pedro? mi cel es 55 9876 5432", wa_id=CUSTOMER,
                           message_id=wamid)
    assert (await post_webhook(client, message)).status == 200
    await _answered(client, CUSTOMER)
    await eventually(lambda: _logged(json_log, "sent outbox row"))

    lines = [json.loads(line) for line in json_log.getvalue().splitlines() if line.strip()]
    mine = [line for line in lines if line.get("message_id") == wamid]
    loggers = {line["logger"] for line in mine}
    assert "yume.whatsapp.inbox" in loggers  # the inbox handled it
    assert "yume.nlu.claude" in loggers  # the NLU fell back to the rules for it
    assert "yume.whatsapp.outbox" in loggers  # and its reply was sent, logged under the same id
    assert {line["organization_id"] for line in mine} == {str(loaded.organization_id)}
    assert {line["lane"].split("|")[1] for line in mine} == {"+52 55 **** 5432"}
    everything = json_log.getvalue()
    for digits in CUSTOMER_DIGITS:
        assert digits not in everything
    assert CUSTOMER not in everything


async def _logged(stream: io.StringIO, text_part: str) -> bool:
    return text_part in stream.getvalue()


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("to 5215512345678: failed", "to +52 55 **** 5678: failed"),
        ("cliente +52 55 1234 5678 escribió", "cliente +52 55 **** 5678 escribió"),
        ("mi número es 55-1234-5678", "mi número es +52 55 **** 5678"),
        ("(33) 1234 5678", "+52 33 **** 5678"),
        ("+1 415 555 2671", "+1 41 **** 2671"),
    ],
)
def test_phones_in_log_text_are_masked_however_they_are_written(raw: str, masked: str) -> None:
    assert mask_phones(raw) == masked


@pytest.mark.parametrize(
    "harmless",
    ["at 2026-03-10 11:00", "row 3f2b1c9e-1234-4a5b-8c6d-123456789012", "price $1500", "took 12345678 us",
     "2026-03-10T11:00:00+00:00"],
)
def test_dates_ids_and_amounts_are_left_alone(harmless: str) -> None:
    assert mask_phones(harmless) == harmless


def test_a_traceback_is_masked_too() -> None:
    try:
        raise ValueError("could not send to 5215512345678")
    except ValueError:
        record = logging.LogRecord("yume", logging.ERROR, __file__, 1, "failed for %s", ("5215512345678",), None)
        import sys

        record.exc_info = sys.exc_info()
    line = TextFormatter().format(record)
    assert "5215512345678" not in line and line.count("+52 55 **** 5678") >= 2


# --- /ready ----------------------------------------------------------------------------------------


async def test_ready_fails_on_a_database_without_the_schema(aiohttp_client: Any, tmp_path: Path) -> None:
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        client = await aiohttp_client(create_app(_settings(), database=empty))
        reply = await client.get("/ready")
        body = await reply.json()
    finally:
        await empty.dispose()
    assert reply.status == 503 and body["error"]["code"] == "not_ready"
    assert "no schema yet" in body["error"]["message"] and "yume db upgrade" in body["error"]["message"]


@pytest.mark.postgres
async def test_ready_fails_while_the_schema_is_behind_and_not_when_it_is_ahead(
    aiohttp_client: Any, tmp_path: Path
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await upgrade_to_head(database.engine)
        client = await aiohttp_client(create_app(_settings(), database=database))
        assert (await client.get("/ready")).status == 200
        older = sorted(known_revisions() - {head_revision()})[0]
        await _set_revision(database, older)
        behind = await client.get("/ready")
        message = (await behind.json())["error"]["message"]
        assert behind.status == 503 and f"at revision {older}, this code needs {head_revision()}" in message
        await _set_revision(database, "f00dfeedbeef")  # a newer release migrated it (rolling upgrade)
        assert (await client.get("/ready")).status == 200
    finally:
        await database.dispose()


async def _set_revision(database: Database, revision: str) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


@pytest.mark.parametrize("loop", ["outbox sender", "inbox sweep"])
async def test_ready_fails_when_a_channel_loop_has_stopped(db: Database, aiohttp_client: Any, loop: str) -> None:
    client = await aiohttp_client(create_app(_settings(), database=db))
    assert (await client.get("/ready")).status == 200
    channel = client.app[CHANNEL]
    [task] = [task for task in channel._tasks if task.get_name() == loop]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    reply = await client.get("/ready")
    message = (await reply.json())["error"]["message"]
    assert reply.status == 503 and f"background loop stopped: {loop.replace(' ', '_')}" in message
    families = await _scrape(client)
    assert _value(families, "yume_loop_up", loop=loop.replace(" ", "_")) == 0


async def test_ready_fails_when_the_job_scheduler_has_stopped(db: Database, aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app(_settings(jobs_interval_seconds=3600), database=db))
    assert (await client.get("/ready")).status == 200
    await client.app[JOB_RUNNER].stop()
    reply = await client.get("/ready")
    assert reply.status == 503 and "background loop stopped: jobs" in (await reply.json())["error"]["message"]


# --- yume serve and the schema ---------------------------------------------------------------------


async def test_serve_refuses_a_database_behind_the_code_unless_told_to_migrate(tmp_path: Path) -> None:
    settings = _settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    with pytest.raises(SchemaNotReady) as refused:
        await _checked_app(settings, "http://127.0.0.1:0", migrate=False)
    assert "yume db upgrade" in str(refused.value) and "--migrate" in str(refused.value)
    app = await _checked_app(settings, "http://127.0.0.1:0", migrate=True)
    await app[DATABASE].dispose()
    again = await _checked_app(settings, "http://127.0.0.1:0", migrate=False)  # now at head: starts
    await again[DATABASE].dispose()


def test_the_metrics_module_documents_how_to_aggregate_across_processes() -> None:
    doc = metrics.__doc__ or ""
    assert re.search(r"per process.*sum\(\)", doc, re.S) and re.search(r"database.*max\(\)", doc, re.S)
