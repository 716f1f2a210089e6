"""`yume bench prune`: the channel's tables before and after pruning, on PostgreSQL.

On a scratch database (the server of DATABASE_URL, else the local test server; dropped at the
end), migrated to head, it writes `days` days of one busy deployment's traffic — per day
`per_day` inbox events (processed), as many sent outbox rows, two messages (in and out) and a
tenth as many completed appointments — then runs the prune job as of the last day and reports
rows and on-disk size of each table: before, after the prune (autovacuum then reuses the space),
and after a one-off VACUUM FULL (what an operator runs once on a database that was never pruned).
Messages and appointments must be untouched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import asyncpg
from sqlalchemy.engine import make_url

from bot.bench.scratch import BenchError, drop_database, scratch_database
from bot.demo import demo_spec
from bot.whatsapp.prune import KEEP, prune_channel
from store.business_file import load_business
from store.database import Database
from store.migrate import upgrade_to_head

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
TABLES = ("inboxevent", "outboxmessage", "message", "appointment")
END = datetime(2027, 3, 31, 12, 0, tzinfo=timezone.utc)
PAYLOAD = (
    '{"field": "messages", "waba_id": "102290129340398", "metadata": {"display_phone_number": "525512345678", '
    '"phone_number_id": "bench-number"}, "contact": {"profile": {"name": "Cliente"}, "wa_id": "5215500000000"}, '
    '"message": {"from": "5215500000000", "id": "wamid.HBgMNTIxNTUwMDAwMDAwFQIAEhggQTNEMjFGQjc0QkM0RTQ2", '
    '"timestamp": "1767000000", "type": "text", "text": {"body": "Hola, quiero una cita para un corte mañana en la tarde"}}}'
)
BODY = (
    '{"to": "5215500000000", "text": "Mañana jueves 15 de enero tengo estos horarios para Corte de cabello ($150):", '
    '"rows": [{"id": "slot:1", "title": "3:00 PM"}, {"id": "slot:2", "title": "4:00 PM"}, {"id": "slot:3", "title": "5:30 PM"}], '
    '"list_button": "Ver horarios", "purpose": null, "template": null}'
)


@dataclass
class TableSize:
    rows: int
    bytes: int


@dataclass
class PruneReport:
    days: int
    per_day: int
    seed_seconds: float
    prune_seconds: float
    pruned_inbox: int
    pruned_outbox: int
    before: dict[str, TableSize] = field(default_factory=dict)
    after: dict[str, TableSize] = field(default_factory=dict)
    compacted: dict[str, TableSize] = field(default_factory=dict)

    @property
    def kept_the_rest(self) -> bool:
        return all(self.after[name].rows == self.before[name].rows for name in ("message", "appointment"))

    def lines(self) -> list[str]:
        lines = [
            f"prune: PostgreSQL, {self.days} days × {self.per_day:,} inbox events a day (seeded in "
            f"{self.seed_seconds:.1f} s); keeping {KEEP.days} days (Meta retries for 7)",
            f"prune job: {self.prune_seconds:.2f} s, {self.pruned_inbox:,} inbox events and "
            f"{self.pruned_outbox:,} outbox rows deleted",
            f"{'table':<14} {'before':>24} {'after the prune':>24} {'after VACUUM FULL':>24}",
        ]
        for name in TABLES:
            cells = [_cell(sizes[name]) for sizes in (self.before, self.after, self.compacted)]
            lines.append(f"{name:<14} " + " ".join(f"{cell:>24}" for cell in cells))
        lines.append(
            "messages and appointments untouched" if self.kept_the_rest else "MESSAGES OR APPOINTMENTS CHANGED"
        )
        return lines


def _cell(size: TableSize) -> str:
    return f"{size.rows:,} rows, {size.bytes / 1024 / 1024:,.1f} MB"


async def _sizes(connection: asyncpg.Connection) -> dict[str, TableSize]:
    sizes = {}
    for name in TABLES:
        rows = await connection.fetchval(f"SELECT count(*) FROM {name}")
        size = await connection.fetchval("SELECT pg_total_relation_size($1::regclass)", name)
        sizes[name] = TableSize(int(rows), int(size))
    return sizes


async def _seed(connection: asyncpg.Connection, days: int, per_day: int) -> None:
    organization, location, staff, service = await connection.fetchrow(
        "SELECT o.id, l.id, s.id, v.id FROM organization o JOIN location l ON l.organization_id = o.id "
        "JOIN staff s ON s.organization_id = o.id JOIN servicetype v ON v.organization_id = o.id LIMIT 1"
    )
    await connection.execute(
        """
        INSERT INTO customer (id, organization_id, phone, wa_id, created_at, updated_at)
        SELECT gen_random_uuid(), $1, '+5255' || lpad(n::text, 8, '0'), '52155' || lpad(n::text, 8, '0'), $2, $2
        FROM generate_series(1, 2000) AS n
        """,
        organization, END - timedelta(days=days),
    )
    await connection.execute(
        """
        INSERT INTO conversation (id, organization_id, party_key, customer_id, role, wa_id, flow_data, status,
                                  version, created_at, updated_at)
        SELECT gen_random_uuid(), c.organization_id, 'customer:' || c.id, c.id, 'customer', c.wa_id, '{}', 'active',
               0, c.created_at, c.created_at
        FROM customer c WHERE c.organization_id = $1
        """,
        organization,
    )
    total = days * per_day
    start = END - timedelta(days=days)
    # One event every (a day / per_day), each with its message in, its reply out, and its outbox row.
    await connection.execute(
        f"""
        WITH chats AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS many FROM conversation),
        events AS (
            SELECT n, $2::timestamptz + (n * interval '1 day' / $3) AS at, chats.ids[1 + n % chats.many] AS conversation_id
            FROM generate_series(0, $4 - 1) AS n, chats
        ), inbound AS (
            INSERT INTO message (id, organization_id, conversation_id, direction, sender_type, content_type, text,
                                 wa_message_id, sent_at, created_at)
            SELECT gen_random_uuid(), $1, conversation_id, 'inbound', 'customer', 'text', 'Hola, quiero una cita',
                   'wamid.in.' || n, at, at FROM events
        ), outbound AS (
            INSERT INTO message (id, organization_id, conversation_id, direction, sender_type, content_type, text,
                                 payload, wa_message_id, status, sent_at, created_at)
            SELECT gen_random_uuid(), $1, conversation_id, 'outbound', 'ai', 'interactive', 'Tengo estos horarios',
                   '{BODY}'::jsonb, 'wamid.out.' || n, 'read', at, at FROM events
            RETURNING id, conversation_id, created_at, wa_message_id
        ), outbox AS (
            INSERT INTO outboxmessage (id, organization_id, conversation_id, message_id, to_wa_id, body, status,
                                       attempts, next_attempt_at, wa_message_id, created_at, sent_at)
            SELECT gen_random_uuid(), $1, conversation_id, id, '5215500000000', '{BODY}'::jsonb, 'sent', 1,
                   created_at + interval '30 seconds', wa_message_id, created_at, created_at + interval '1 second'
            FROM outbound
        )
        INSERT INTO inboxevent (id, event_key, kind, phone_number_id, organization_id, sender, payload, wa_timestamp,
                                received_at, processed_at, attempts)
        SELECT gen_random_uuid(), 'msg:wamid.in.' || n, 'message', 'bench-number', $1, '+5255' || lpad((n % 2000)::text, 8, '0'),
               '{PAYLOAD}'::jsonb, at, at, at + interval '200 milliseconds', 0
        FROM events
        """,
        organization, start, per_day, total,
    )
    # Completed appointments, a tenth of the messages: 45 minutes each, back to back for the one barber.
    await connection.execute(
        """
        INSERT INTO appointment (id, organization_id, location_id, customer_id, staff_id, service_id, starts_at,
                                 ends_at, busy_until, status, source, price_cents, created_at, updated_at)
        SELECT gen_random_uuid(), $1, $2, people.ids[1 + n % people.many], $3, $4,
               $5::timestamptz + n * interval '45 minutes', $5::timestamptz + (n + 1) * interval '45 minutes',
               $5::timestamptz + (n + 1) * interval '45 minutes', 'completed', 'whatsapp', 15000,
               $5::timestamptz, $5::timestamptz
        FROM generate_series(0, $6 - 1) AS n,
             (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS many FROM customer) AS people
        """,
        organization, location, staff, service, start, max(1, total // 10),
    )
    await connection.execute("ANALYZE")


async def run_prune_bench(database_url: str | None, days: int = 30, per_day: int = 5000) -> PruneReport:
    """Seed, measure, prune, measure; always drops the scratch database."""
    admin, name = await scratch_database(database_url or DEFAULT_SERVER, "prune")
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    try:
        await upgrade_to_head(database.engine)
        async with database.transaction() as session:
            await load_business(session, demo_spec(), wa_phone_number_id="bench-number")
        connection = await asyncpg.connect(url, timeout=10)
        try:
            started = time.perf_counter()
            await _seed(connection, days, per_day)
            seed_seconds = time.perf_counter() - started
            before = await _sizes(connection)
            started = time.perf_counter()
            pruned = await prune_channel(database, END)
            prune_seconds = time.perf_counter() - started
            after = await _sizes(connection)
            await connection.execute("VACUUM FULL " + ", ".join(TABLES))
            compacted = await _sizes(connection)
        finally:
            await connection.close()
        return PruneReport(
            days, per_day, seed_seconds, prune_seconds, pruned.inbox, pruned.outbox, before, after, compacted
        )
    except asyncpg.PostgresError as error:
        raise BenchError(f"the prune benchmark could not run: {error}") from error
    finally:
        await database.dispose()
        await drop_database(admin, name)
