"""`yume bench pipeline`: the WhatsApp pipeline under load, in N server processes, next to a floor.

On a scratch PostgreSQL database (created on the server of DATABASE_URL and dropped at the end),
with the offline rule NLU, this starts server processes (`bot/bench/worker.py`: `yume serve`'s
app, metered) and, in this process, the load generator and a fake Graph API that the servers'
real Cloud API client sends to (read receipts included). Ten demo barbershops, each on its own
number (Meta's 20 messages/s per number applies, as in production); customers are spread over
them. Measured:

- the **floor**: a bare aiohttp handler in one server process doing one INSERT and one SELECT per
  request, `conversations` clients back to back — what any webhook on this machine costs at least;
- for each N in `--processes`: `conversations` customers chatting at once, each waiting for Yume's
  answer before writing again (closed loop); deliveries spread over the N processes as a load
  balancer would (a person's consecutive messages reach different processes). Reported: messages
  per second end to end (first delivery until every message was answered), **reply latency**
  (delivery sent → the answer reaching the fake Graph API) and the webhook ack, p50/p99;
- per message: SQL statements and pool checkouts, and CPU ms by component (engine, inbox lanes,
  outbox, webhook, io = event loop and protocol callbacks), summed over the servers; engine CPU
  per turn; and the CPU split of the run (servers, load generator, PostgreSQL backends);
- with `--rate R`: R messages/s offered for `--duration` seconds (open loop, new customers, each
  writing again 5 s later), reply latency p50/p99/max — the figure for "p99 at 50 messages/s".
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.bench.meter import COMPONENTS
from bot.bench.scratch import BenchError, drop_database, scratch_database
from bot.bench.worker import CLOCK_OFFSET_ENV, PROFILE_ENV
from bot.demo import demo_spec
from bot.whatsapp.fake_graph import FakeGraphApi
from bot.whatsapp.signature import SIGNATURE_HEADER, sign
from bot.whatsapp.tokens import encrypt_token
from bot.whatsapp.webhook import WEBHOOK_PATH
from store.business_file import load_business
from store.database import Database
from store.migrate import upgrade_to_head
from store.models import Organization

SECRET = "bench-app-secret"
SECRET_KEY = "bench-secret-key-" + "x" * 32
SCRIPT = ("Hola, quiero una cita para un corte de cabello", "mañana en la tarde", "a las 5", "Juan Pérez")
NOW_LOCAL = "2027-01-13T10:00"  # a Wednesday morning: the demo barbershops are open tomorrow afternoon
BUSINESSES = 10
RATE_GAP_SECONDS = 5.0  # in the offered-rate run, a customer's next message comes this long after the last


# --- figures --------------------------------------------------------------------------------------


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

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def max(self) -> float:
        return max(self.samples) * 1000 if self.samples else float("nan")


@dataclass
class CpuSplit:
    """CPU seconds of the run: the servers, this process (load + fake Graph), PostgreSQL's backends."""

    servers: float
    generator: float
    postgres: float | None

    def line(self, seconds: float) -> str:
        def share(value: float | None) -> str:
            return "n/a" if value is None else f"{100 * value / seconds:.0f}%"

        return (
            f"CPU over the run (100% = one core): servers {share(self.servers)}, load generator + fake Graph "
            f"{share(self.generator)}, PostgreSQL backends {share(self.postgres)}"
        )


@dataclass
class Run:
    """One load run on N server processes."""

    processes: int
    kind: str  # "closed" (each customer waits for the answer) or "rate" (offered messages/s)
    messages: int
    processed: int
    seconds: float
    reply: Latencies
    ack: Latencies
    servers: list[dict[str, Any]]
    cpu: CpuSplit
    offered_rate: float | None = None
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return self.processed / self.seconds if self.seconds else float("nan")

    def per_message(self, key: str) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for server in self.servers:
            for name, value in server[key].items():
                totals[name] += value
        return {name: value / max(1, self.processed) for name, value in totals.items()}

    @property
    def statements(self) -> float:
        return sum(self.per_message("statements").values())

    @property
    def checkouts(self) -> float:
        return sum(self.per_message("checkouts").values())

    @property
    def turns(self) -> int:
        return sum(server["turns"] for server in self.servers)

    @property
    def engine_ms_per_turn(self) -> float:
        engine = sum(server["cpu_seconds"].get("engine", 0.0) for server in self.servers)
        return 1000 * engine / max(1, self.turns)

    def lines(self, baseline: Run | None = None) -> list[str]:
        head = f"N={self.processes}"
        if self.kind == "rate":
            lines = [
                f"{head}, {self.offered_rate:g} messages/s offered: {self.processed} of {self.messages} answered in "
                f"{self.seconds:.1f} s ({self.rate:.1f}/s); reply latency p50 {self.reply.p50:.0f} ms, "
                f"p99 {self.reply.p99:.0f} ms, max {self.reply.max:.0f} ms; ack p50 {self.ack.p50:.1f} ms, "
                f"p99 {self.ack.p99:.1f} ms"
            ]
        else:
            scale = f" (×{self.rate / baseline.rate:.2f} of N={baseline.processes})" if baseline else ""
            lines = [
                f"{head}: end to end {self.processed} messages in {self.seconds:.1f} s = {self.rate:.1f} messages/s"
                f"{scale}; reply latency p50 {self.reply.p50:.0f} ms, p99 {self.reply.p99:.0f} ms; "
                f"ack p50 {self.ack.p50:.1f} ms, p99 {self.ack.p99:.1f} ms"
            ]
        statements = self.per_message("statements")
        checkouts = self.per_message("checkouts")
        cpu = {name: 1000 * value for name, value in self.per_message("cpu_seconds").items()}
        lines.append(
            f"    per message: {self.statements:.1f} SQL statements ("
            + ", ".join(f"{name} {statements.get(name, 0):.1f}" for name in COMPONENTS)
            + f"), {self.checkouts:.1f} pool checkouts ("
            + ", ".join(f"{name} {checkouts.get(name, 0):.1f}" for name in COMPONENTS)
            + ")"
        )
        lines.append(
            "    CPU ms per message: "
            + ", ".join(f"{name} {cpu.get(name, 0):.1f}" for name in COMPONENTS)
            + f" (= {sum(cpu.values()):.1f}); engine CPU per turn {self.engine_ms_per_turn:.1f} ms"
        )
        lines.append("    " + self.cpu.line(self.seconds))
        if self.timed_out:
            lines.append("    (stopped at the time limit: the figures cover what finished)")
        return lines


@dataclass
class PipelineReport:
    conversations: int
    businesses: int
    floor: Latencies
    floor_seconds: float
    runs: list[Run]
    load_before: float
    lane_hold: float

    @property
    def timed_out(self) -> bool:
        return any(run.timed_out for run in self.runs)

    def run(self, processes: int, kind: str = "closed") -> Run:
        return next(run for run in self.runs if run.processes == processes and run.kind == kind)

    def lines(self) -> list[str]:
        floor_rate = len(self.floor.samples) / self.floor_seconds if self.floor_seconds else float("nan")
        lines = [
            f"pipeline: PostgreSQL, rule NLU, the Cloud API client against a fake Graph API on loopback; "
            f"{self.businesses} businesses (one number each), {self.conversations} concurrent conversations × "
            f"{len(SCRIPT)} messages; lane hold {self.lane_hold:g} s; {os.cpu_count()} cores, load average "
            f"{self.load_before:.2f} before the run",
            f"floor ({self.conversations} clients back to back; bare aiohttp handler, 1 INSERT + 1 SELECT): "
            f"p50 {self.floor.p50:.1f} ms, p99 {self.floor.p99:.1f} ms, {floor_rate:.0f} requests/s",
        ]
        closed = [run for run in self.runs if run.kind == "closed"]
        for run in self.runs:
            baseline = closed[0] if run.kind == "closed" and run is not closed[0] else None
            lines += run.lines(baseline)
        return lines


# --- the fake Graph API, telling the load generator when an answer arrives --------------------------


class _Sink(FakeGraphApi):
    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.changed: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    async def _edge(self, request: web.Request) -> web.Response:
        response = await super()._edge(request)
        recorded = self.requests[-1]
        self.requests.clear()  # nothing else reads them: keep memory flat
        if recorded.accepted and isinstance(recorded.body, dict):
            to = str(recorded.body.get("to") or recorded.body.get("recipient"))
            self.arrivals[to].append(time.perf_counter())
            self.changed[to].set()
        return response

    async def answer_after(self, to: str, seen: int, timeout: float) -> float | None:
        """The arrival time of the answer number `seen` (0-based) to `to`, waiting for it."""
        deadline = time.perf_counter() + timeout
        while len(self.arrivals[to]) <= seen:
            event = self.changed[to]
            event.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except asyncio.TimeoutError:
                return None
        return self.arrivals[to][seen]


# --- server processes ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class _Server:
    process: asyncio.subprocess.Process
    url: str
    log: Path


async def _start_servers(mode: str, count: int, env: dict[str, str], logs: Path) -> list[_Server]:
    servers: list[_Server] = []
    for index in range(count):
        port = _free_port()
        log = logs / f"{mode}-{index}-{port}.log"
        with open(log, "wb") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.bench.worker", mode, "--port", str(port),
                env=env, stdout=output, stderr=asyncio.subprocess.STDOUT,
            )
        servers.append(_Server(process, f"http://127.0.0.1:{port}", log))
    async with aiohttp.ClientSession() as http:
        for server in servers:
            deadline = time.monotonic() + 60
            while True:
                if server.process.returncode is not None:
                    raise BenchError(f"a server process exited at start-up:\n{server.log.read_text()[-3000:]}")
                try:
                    async with http.get(server.url + "/ready") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if time.monotonic() > deadline:
                    raise BenchError(f"a server process did not become ready:\n{server.log.read_text()[-3000:]}")
                await asyncio.sleep(0.1)
    return servers


async def _stop_servers(servers: list[_Server]) -> None:
    for server in servers:
        if server.process.returncode is None:
            server.process.send_signal(signal.SIGTERM)
    for server in servers:
        try:
            await asyncio.wait_for(server.process.wait(), 15)
        except asyncio.TimeoutError:
            server.process.kill()
            await server.process.wait()


async def _server_stats(http: aiohttp.ClientSession, servers: list[_Server], action: str) -> list[dict[str, Any]]:
    stats = []
    for server in servers:
        method = http.post if action == "reset" else http.get
        async with method(f"{server.url}/bench/{action}") as response:
            stats.append(await response.json())
    return stats


# --- CPU of the PostgreSQL backends serving the scratch database ----------------------------------


async def _backend_ticks(admin: str, name: str) -> dict[int, int] | None:
    """utime + stime (clock ticks) of each backend connected to `name`, when /proc can tell."""
    connection = await asyncpg.connect(admin, timeout=10)
    try:
        pids = [row["pid"] for row in await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name)]
    finally:
        await connection.close()
    ticks: dict[int, int] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None  # PostgreSQL on another machine (or another namespace)
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def _ticks_seconds(before: dict[int, int] | None, after: dict[int, int] | None) -> float | None:
    if before is None or after is None:
        return None
    hertz = os.sysconf("SC_CLK_TCK")
    return sum(value - before.get(pid, 0) for pid, value in after.items()) / hertz


# --- load ----------------------------------------------------------------------------------------


def _delivery(number_id: str, wa_id: str, message_id: str, text_body: str, timestamp: int) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "525512345678", "phone_number_id": number_id},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": wa_id}],
        "messages": [
            {"from": wa_id, "id": message_id, "timestamp": str(timestamp), "type": "text", "text": {"body": text_body}}
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": f"waba-{number_id}", "changes": [{"field": "messages", "value": value}]}],
    }


class _Load:
    """Sends the customers' messages and times the acks and the answers."""

    def __init__(self, http: aiohttp.ClientSession, sink: _Sink, servers: list[_Server], offset: float) -> None:
        self.http, self.sink, self.servers, self.offset = http, sink, servers, offset
        self.ack = Latencies()
        self.reply = Latencies()
        self.processed = 0

    def customer(self, run: int, index: int) -> tuple[str, str]:
        return f"bench-number-{index % BUSINESSES}", f"52155{run}{index:07d}"

    async def send(self, run: int, index: int, step: int, timeout: float) -> None:
        """One message of one customer: POST it to a server, wait for the answer."""
        number_id, wa_id = self.customer(run, index)
        message_id = f"wamid.BENCH{run}.{index:05d}.{step}.{uuid.uuid4().hex[:8]}"
        timestamp = int(time.time() + self.offset)
        body = json.dumps(_delivery(number_id, wa_id, message_id, SCRIPT[step], timestamp)).encode()
        server = self.servers[(index + step) % len(self.servers)]
        seen = len(self.sink.arrivals[wa_id])
        started = time.perf_counter()
        async with self.http.post(
            server.url + WEBHOOK_PATH, data=body, headers={SIGNATURE_HEADER: sign(body, SECRET)}
        ) as response:
            await response.read()
            if response.status != 200:
                raise BenchError(f"the webhook answered {response.status}")
        self.ack.samples.append(time.perf_counter() - started)
        arrived = await self.sink.answer_after(wa_id, seen, timeout)
        if arrived is not None:
            self.reply.samples.append(arrived - started)
            self.processed += 1


# --- the benchmark -------------------------------------------------------------------------------


async def _seed(database: Database) -> None:
    spec = demo_spec()
    token = encrypt_token("bench-business-token", SECRET_KEY)
    for index in range(BUSINESSES):
        async with database.transaction() as session:
            loaded = await load_business(
                session,
                spec.model_copy(update={"name": f"{spec.name} {index + 1}"}),
                wa_phone_number_id=f"bench-number-{index}",
            )
            organization = await session.get(Organization, loaded.organization_id)
            assert organization is not None
            organization.waba_id = f"waba-bench-number-{index}"
            organization.access_token_encrypted = token


async def _clear_chats(admin: str, name: str) -> None:
    """Between runs: no customers, chats, appointments, inbox or outbox (the businesses stay)."""
    connection = await asyncpg.connect(make_url(admin).set(database=name).render_as_string(hide_password=False))
    try:
        await connection.execute(
            "TRUNCATE inboxevent, outboxmessage, message, conversation, appointment, customer CASCADE"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def _closed_floor(url: str, conversations: int, requests: int) -> tuple[Latencies, float]:
    latencies = Latencies()
    per_client = max(1, requests // conversations)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conversations * 2)) as http:

        async def client(number: int) -> None:
            for index in range(per_client):
                body = json.dumps(
                    _delivery("floor", f"52156{number:08d}", f"wamid.FLOOR{number}.{index}", SCRIPT[0], index)
                ).encode()
                started = time.perf_counter()
                async with http.post(url + WEBHOOK_PATH, data=body) as response:
                    await response.read()
                    if response.status != 200:
                        raise BenchError(f"the floor answered {response.status}")
                latencies.samples.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client(number) for number in range(conversations)))
        return latencies, time.perf_counter() - started


async def _measured(
    admin: str,
    name: str,
    servers: list[_Server],
    http: aiohttp.ClientSession,
    load: Any,
) -> tuple[float, list[dict[str, Any]], CpuSplit, bool]:
    """Run `load()` with every meter reset before and read after: (seconds, server stats, CPU split, timed out)."""
    await _server_stats(http, servers, "reset")
    backends_before = await _backend_ticks(admin, name)
    generator_before = time.process_time()
    started = time.perf_counter()
    timed_out = await load()
    seconds = time.perf_counter() - started
    generator = time.process_time() - generator_before
    backends_after = await _backend_ticks(admin, name)
    stats = await _server_stats(http, servers, "stats")
    cpu = CpuSplit(
        servers=sum(server["process_cpu_seconds"] for server in stats),
        generator=generator,
        postgres=_ticks_seconds(backends_before, backends_after),
    )
    return seconds, stats, cpu, timed_out


async def run_pipeline_bench(
    database_url: str,
    conversations: int = 100,
    processes: tuple[int, ...] = (1, 2),
    *,
    rate: float | None = None,
    duration: float = 20.0,
    time_limit: float = 120.0,
    lane_hold: float = 0.0,
    profile: Path | None = None,
) -> PipelineReport:
    """Run the floor and the pipeline runs on a scratch database; always drops it."""
    admin, name = await scratch_database(database_url, "pipeline")
    scratch_url = make_url(admin).set(database=name, drivername="postgresql").render_as_string(hide_password=False)
    database = Database(scratch_url)
    logs = Path(tempfile.mkdtemp(prefix="yume-bench-pipeline-"))
    sink = _Sink()
    sink_runner = web.AppRunner(sink.app(), access_log=None)
    load_before = os.getloadavg()[0]
    try:
        await upgrade_to_head(database.engine)
        await _seed(database)
        await database.dispose()
        await sink_runner.setup()
        sink_port = _free_port()
        await web.TCPSite(sink_runner, "127.0.0.1", sink_port).start()
        moment = datetime.fromisoformat(NOW_LOCAL).replace(tzinfo=ZoneInfo("America/Mexico_City"))
        offset = moment.timestamp() - time.time()
        env = {
            **os.environ,
            "DATABASE_URL": scratch_url,
            "META_APP_ID": "1234567890",
            "META_APP_SECRET": SECRET,
            "META_WEBHOOK_VERIFY_TOKEN": "bench-verify",
            "META_GRAPH_URL": f"http://127.0.0.1:{sink_port}",
            "YUME_SECRET_KEY": SECRET_KEY,
            "YUME_JOBS_INTERVAL_SECONDS": "0",
            "YUME_LANE_HOLD_SECONDS": str(lane_hold),
            CLOCK_OFFSET_ENV: str(offset),
            "YUME_ENV": "development",
        }
        if profile is not None:
            profile.mkdir(parents=True, exist_ok=True)
            env[PROFILE_ENV] = str(profile.resolve())
        env.pop("ANTHROPIC_API_KEY", None)  # the offline rules: the figures are Yume's, not Claude's

        floor_servers = await _start_servers("floor", 1, env, logs)
        try:
            floor, floor_seconds = await _closed_floor(floor_servers[0].url, conversations, conversations * len(SCRIPT))
        finally:
            await _stop_servers(floor_servers)

        runs: list[Run] = []
        run_number = 0
        for count in processes:
            servers = await _start_servers("serve", count, env, logs)
            try:
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                    runs.append(
                        await _closed_run(admin, name, servers, http, sink, offset, run_number, conversations, time_limit)
                    )
                    run_number += 1
                    if rate:
                        runs.append(
                            await _rate_run(admin, name, servers, http, sink, offset, run_number, rate, duration, time_limit)
                        )
                        run_number += 1
            finally:
                await _stop_servers(servers)
        return PipelineReport(conversations, BUSINESSES, floor, floor_seconds, runs, load_before, lane_hold)
    finally:
        await sink_runner.cleanup()
        await database.dispose()
        await drop_database(admin, name)


async def _closed_run(
    admin: str,
    name: str,
    servers: list[_Server],
    http: aiohttp.ClientSession,
    sink: _Sink,
    offset: float,
    run_number: int,
    conversations: int,
    time_limit: float,
) -> Run:
    await _clear_chats(admin, name)
    load = _Load(http, sink, servers, offset)

    async def customers() -> bool:
        async def customer(index: int) -> None:
            for step in range(len(SCRIPT)):
                await load.send(run_number, index, step, timeout=time_limit)

        try:
            await asyncio.wait_for(asyncio.gather(*(customer(i) for i in range(conversations))), timeout=time_limit)
            return False
        except asyncio.TimeoutError:
            return True

    seconds, stats, cpu, timed_out = await _measured(admin, name, servers, http, customers)
    return Run(
        len(servers), "closed", conversations * len(SCRIPT), load.processed, seconds, load.reply, load.ack, stats, cpu,
        timed_out=timed_out,
    )


async def _rate_run(
    admin: str,
    name: str,
    servers: list[_Server],
    http: aiohttp.ClientSession,
    sink: _Sink,
    offset: float,
    run_number: int,
    rate: float,
    duration: float,
    time_limit: float,
) -> Run:
    await _clear_chats(admin, name)
    load = _Load(http, sink, servers, offset)
    customers = max(1, math.ceil(rate * RATE_GAP_SECONDS))
    total = max(1, int(rate * duration))

    async def offered() -> bool:
        started = time.perf_counter()
        sends = []
        for k in range(total):
            delay = started + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            index, step = k % customers, (k // customers) % len(SCRIPT)
            index += customers * (k // (customers * len(SCRIPT)))  # fresh customers after the script's end
            sends.append(asyncio.ensure_future(load.send(run_number, index, step, timeout=time_limit)))
        try:
            await asyncio.wait_for(asyncio.gather(*sends), timeout=time_limit)
            return False
        except asyncio.TimeoutError:
            return True

    seconds, stats, cpu, timed_out = await _measured(admin, name, servers, http, offered)
    return Run(
        len(servers), "rate", total, load.processed, seconds, load.reply, load.ack, stats, cpu,
        offered_rate=rate, timed_out=timed_out,
    )
