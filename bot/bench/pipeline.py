"""`yume bench pipeline`: the WhatsApp pipeline under load, next to a floor measured in the same run.

On a scratch PostgreSQL database (created on the server of DATABASE_URL and dropped at the end),
with the offline rule NLU and the dev transport (no Meta), it measures:

- the floor: a bare aiohttp handler doing one INSERT and one SELECT per request, `conversations`
  clients sending back to back — what any webhook on this machine and database costs at least;
- the real webhook (`/api/v1/webhooks/whatsapp`: signature, parse, store in the inbox, 200) under
  exactly the floor's load with processing off: its own cost, comparable with the floor;
- the webhook ack latency (p50/p99) while the whole pipeline runs (below): what Meta sees;
- end-to-end throughput: messages per second from the first delivery until every message was
  processed by the conversation engine and every reply to it left through the outbox,
  with `conversations` customers chatting at once (each waits for Yume's answer before writing
  again, as a person does).

Everything runs in one process on loopback, so load generator, server and engine share the CPU.
"""

from __future__ import annotations

import asyncio
import json
import math
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.bench.scratch import BenchError, drop_database, scratch_database
from bot.demo import seed_demo
from bot.whatsapp.channel import ChannelConfig, WhatsAppChannel, default_engine, setup_whatsapp
from bot.whatsapp.signature import SIGNATURE_HEADER, sign
from bot.whatsapp.transport import BusinessNumber, DevTransport
from bot.whatsapp.webhook import WEBHOOK_PATH, add_webhook_routes
from flows.events import InboundEvent, OwnerEcho
from scheduler.clock import FrozenClock
from store.database import Database
from store.migrate import upgrade_to_head

SECRET = "bench-app-secret"
SCRIPT = ("Hola, quiero una cita para un corte de cabello", "mañana en la tarde", "a las 5", "Juan Pérez")
NOW_LOCAL = "2027-01-13T10:00"  # a Wednesday morning: the demo barbershop is open tomorrow afternoon


@dataclass
class Latencies:
    samples: list[float] = field(default_factory=list)  # seconds

    def percentile(self, p: float) -> float:
        """The nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.samples)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
        return ordered[index] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000 if self.samples else float("nan")


@dataclass
class PipelineReport:
    conversations: int
    messages: int
    floor: Latencies
    floor_seconds: float
    alone: Latencies  # the webhook under the floor's load, nothing processed
    alone_seconds: float
    ack: Latencies  # the webhook while the pipeline processes (deliveries paced by the replies)
    processed: int
    end_to_end_seconds: float
    replies: int
    timed_out: bool

    def lines(self) -> list[str]:
        floor_rate = len(self.floor.samples) / self.floor_seconds if self.floor_seconds else float("nan")
        alone_rate = len(self.alone.samples) / self.alone_seconds if self.alone_seconds else float("nan")
        rate = self.processed / self.end_to_end_seconds if self.end_to_end_seconds else float("nan")
        lines = [
            f"pipeline: PostgreSQL, rule NLU, dev transport; {self.conversations} concurrent conversations × "
            f"{len(SCRIPT)} messages ({self.messages} deliveries), one process on loopback",
            f"floor ({self.conversations} clients back to back; bare aiohttp handler, 1 INSERT + 1 SELECT): "
            f"p50 {self.floor.p50:.1f} ms, "
            f"p99 {self.floor.percentile(99):.1f} ms, {floor_rate:.0f} requests/s",
            f"webhook alone, same load (verify signature, store in inbox, 200): p50 {self.alone.p50:.1f} ms, "
            f"p99 {self.alone.percentile(99):.1f} ms, {alone_rate:.0f} requests/s",
            f"webhook ack while the pipeline runs: p50 {self.ack.p50:.1f} ms, p99 {self.ack.percentile(99):.1f} ms",
            f"end to end (inbox → engine → outbox → transport): {self.processed} messages in "
            f"{self.end_to_end_seconds:.1f} s = {rate:.1f} messages/s ({self.replies} replies sent)",
        ]
        if self.timed_out:
            lines.append("(stopped at the time limit: the figures cover what finished)")
        return lines


# --- load ----------------------------------------------------------------------------------------


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


async def _closed_loop(
    url: str, concurrency: int, requests: int, body_for: Any, headers_for: Any = lambda body: {}
) -> tuple[Latencies, float]:
    """`concurrency` clients each sending their share of `requests` back to back; latencies and seconds."""
    latencies = Latencies()
    per_client = max(1, requests // concurrency)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency * 2)) as http:

        async def client(number: int) -> None:
            for index in range(per_client):
                body = body_for(number, index)
                started = time.perf_counter()
                async with http.post(url, data=body, headers=headers_for(body)) as response:
                    await response.read()
                    if response.status != 200:
                        raise BenchError(f"{url} answered {response.status}")
                latencies.samples.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client(number) for number in range(concurrency)))
        return latencies, time.perf_counter() - started


def _delivery_body(number: int, index: int) -> bytes:
    wa_id = f"52156{number:08d}"
    return json.dumps(
        _delivery(wa_id, f"wamid.LOAD{number:04d}{index:04d}{uuid.uuid4().hex[:6]}", SCRIPT[0], index)
    ).encode()


async def _floor(database: Database, concurrency: int, requests: int) -> tuple[Latencies, float]:
    """A bare handler: one INSERT and one SELECT per request, the same connection pool settings."""
    async with database.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, payload jsonb NOT NULL)"))

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        async with database.engine.begin() as connection:
            new_id = (
                await connection.execute(
                    text("INSERT INTO bench_floor (payload) VALUES (CAST(:p AS jsonb)) RETURNING id"),
                    {"p": body.decode()},
                )
            ).scalar()
            await connection.execute(text("SELECT payload FROM bench_floor WHERE id = :id"), {"id": new_id})
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/floor", handler)
    runner, base = await _serve(app)
    try:
        return await _closed_loop(f"{base}/floor", concurrency, requests, _delivery_body)
    finally:
        await runner.cleanup()


async def _webhook_alone(
    database: Database, clock: FrozenClock, concurrency: int, requests: int
) -> tuple[Latencies, float]:
    """The real webhook under the floor's exact load, with processing switched off: its own cost."""
    channel = WhatsAppChannel(ChannelConfig(app_secret=SECRET), database, clock, transport=DevTransport(clock))
    app = web.Application()
    add_webhook_routes(app, channel)  # the channel is not started: deliveries are stored, not processed
    runner, base = await _serve(app)
    try:
        return await _closed_loop(
            base + WEBHOOK_PATH,
            concurrency,
            requests,
            _delivery_body,
            lambda body: {SIGNATURE_HEADER: sign(body, SECRET)},
        )
    finally:
        await runner.cleanup()
        async with database.engine.begin() as connection:
            await connection.execute(text("DELETE FROM inboxevent"))


def _delivery(wa_id: str, message_id: str, text_body: str, timestamp: int) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "525512345678", "phone_number_id": "demo-phone-number-id"},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": wa_id}],
        "messages": [
            {"from": wa_id, "id": message_id, "timestamp": str(timestamp), "type": "text", "text": {"body": text_body}}
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "demo-waba", "changes": [{"field": "messages", "value": value}]}],
    }


class _ProbeEngine:
    """The real engine, telling the load generator when a message was handled and what it said."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.handled: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.expected: dict[str, int] = defaultdict(int)

    async def handle(self, event: InboundEvent):
        replies = await self.engine.handle(event)
        self.expected[event.wa_id or ""] += sum(1 for reply in replies if reply.to == event.wa_id)
        self.handled[event.message_id].set()
        return replies

    async def handle_echo(self, echo: OwnerEcho):
        return await self.engine.handle_echo(echo)


class _ProbeTransport(DevTransport):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.sent: dict[str, int] = defaultdict(int)
        self.changed = asyncio.Condition()

    async def send(self, number: BusinessNumber, payload: dict[str, Any]) -> str:
        wamid = await super().send(number, payload)
        async with self.changed:
            self.sent[str(payload.get("to"))] += 1
            self.changed.notify_all()
        return wamid


async def run_pipeline_bench(database_url: str, conversations: int = 100, time_limit: float = 120.0) -> PipelineReport:
    """Run the floor and the pipeline on a scratch database; always drops it."""
    admin, name = await scratch_database(database_url, "pipeline")
    database = Database(make_url(admin).set(database=name).render_as_string(hide_password=False))
    try:
        await upgrade_to_head(database.engine)
        clock = FrozenClock(datetime.fromisoformat(NOW_LOCAL).replace(tzinfo=ZoneInfo("America/Mexico_City")))
        await seed_demo(database, clock.now())
        floor, floor_seconds = await _floor(database, conversations, conversations * len(SCRIPT))
        alone, alone_seconds = await _webhook_alone(database, clock, conversations, conversations * len(SCRIPT))

        engine = _ProbeEngine(default_engine(database, clock))
        transport = _ProbeTransport(clock, keep=conversations * len(SCRIPT) * 4)
        app = web.Application()
        setup_whatsapp(
            app,
            ChannelConfig(app_secret=SECRET, rate_per_second=10_000.0),
            database,
            clock,
            engine=engine,
            transport=transport,
        )
        runner, base = await _serve(app)
        ack = Latencies()
        processed = 0
        timed_out = False
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conversations * 2)) as http:

                async def customer(index: int) -> None:
                    nonlocal processed
                    wa_id = f"52155{index:08d}"
                    for step, line in enumerate(SCRIPT):
                        message_id = f"wamid.BENCH{index:04d}{step}{uuid.uuid4().hex[:8]}"
                        body = json.dumps(
                            _delivery(wa_id, message_id, line, int(clock.now().timestamp()) + step)
                        ).encode()
                        started = time.perf_counter()
                        async with http.post(
                            base + WEBHOOK_PATH, data=body, headers={SIGNATURE_HEADER: sign(body, SECRET)}
                        ) as response:
                            await response.read()
                            if response.status != 200:
                                raise BenchError(f"the webhook answered {response.status}")
                        ack.samples.append(time.perf_counter() - started)
                        await engine.handled[message_id].wait()
                        async with transport.changed:
                            await transport.changed.wait_for(lambda: transport.sent[wa_id] >= engine.expected[wa_id])
                        processed += 1

                started = time.perf_counter()
                try:
                    await asyncio.wait_for(
                        asyncio.gather(*(customer(i) for i in range(conversations))), timeout=time_limit
                    )
                except asyncio.TimeoutError:
                    timed_out = True
                elapsed = time.perf_counter() - started
        finally:
            await runner.cleanup()
        return PipelineReport(
            conversations=conversations,
            messages=conversations * len(SCRIPT),
            floor=floor,
            floor_seconds=floor_seconds,
            alone=alone,
            alone_seconds=alone_seconds,
            ack=ack,
            processed=processed,
            end_to_end_seconds=elapsed,
            replies=len(transport.messages),
            timed_out=timed_out,
        )
    finally:
        await database.dispose()
        await drop_database(admin, name)
