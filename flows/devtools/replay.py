"""Fixture replay: conversations from YAML through the production path, with only the edges swapped.

The clock is frozen (`now`, moved by `wait:`), outbound messages are captured from the engine
instead of sent to Meta, and the NLU is the offline rule engine unless `--nlu claude`. Each
fixture gets a fresh database. The contract is `spec/fixtures.md`; this module implements it.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from flows.devtools.coverage import TransitionCoverage
from flows.engine import Engine
from flows.core.events import InboundEvent, OwnerEcho
from flows.devtools.expectations import (
    People,
    check_final,
    check_messages,
    comparable,
    phone_of,
    quote,
)
from flows.devtools.fixture_file import (
    Fixture,
    FixtureError,
    TurnSpec,
    fixture_paths,
    load_fixture,
    wait_delta,
)
from flows.jobs.registry import run_due_jobs
from flows.core.messages import OutboundMessage
from nlu.engine import Understander
from scheduler.clock import FrozenClock
from store.business_file import (
    BusinessSpec,
    LoadedBusiness,
    add_appointments,
    add_blocks,
    load_business,
)
from store.database import Database, create_all, normalize_database_url
from store.models import (
    Location,
    metadata,
)

# =============================================================================================
# Results
# =============================================================================================


@dataclass
class FixtureResult:
    """One fixture's outcome, with readable failures."""

    path: Path | None
    name: str
    failures: list[str] = field(default_factory=list)
    inbound: int = 0
    outbound: int = 0
    transcript: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def describe(self) -> str:
        where = f"{self.path}: " if self.path else ""
        lines = [f"FAIL {where}{self.name}"]
        for failure in self.failures:
            lines.extend("  " + line for line in failure.splitlines())
        return "\n".join(lines)


@dataclass
class ReplaySummary:
    results: list[FixtureResult] = field(default_factory=list)
    claude_calls: int = 0

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed)

    def line(self) -> str:
        """The one summary line other programs read (spec/fixtures.md): extend it, never break it."""
        inbound = sum(r.inbound for r in self.results)
        outbound = sum(r.outbound for r in self.results)
        return (
            f"replay: {self.passed} passed, {self.failed} failed; "
            f"inbound {inbound}, outbound {outbound}, claude calls {self.claude_calls}"
        )


# =============================================================================================
# Running one fixture
# =============================================================================================


class _ErrorLog(logging.Handler):
    """Collects errors logged by the engine and the jobs during a turn (they must be none)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        detail = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            detail += f": {type(error).__name__}: {error}"
        self.records.append(detail)


@contextmanager
def _capture_errors() -> Iterator[_ErrorLog]:
    handler = _ErrorLog()
    logger = logging.getLogger("yume")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


async def replay_fixture(
    fixture: Fixture, database: Database, understander: Understander, coverage: TransitionCoverage | None = None
) -> FixtureResult:
    """Replay one fixture against an empty database; the result lists every failed expectation."""
    result = FixtureResult(path=fixture.path, name=fixture.name)
    try:
        spec = fixture.business_spec()
        loaded = await _load(database, fixture, spec)
    except (FixtureError, ValueError, OSError) as error:
        result.failures.append(f"cannot load the business: {error}")
        return result
    tz = ZoneInfo(spec.timezone)
    clock = FrozenClock(fixture.now.replace(tzinfo=tz))
    engine = Engine(database, understander, clock, listeners=[coverage] if coverage else [])
    people = People(loaded)
    last_sender: str | None = None
    offered: dict[str, OutboundMessage] = {}  # the last message with options, per person

    for number, turn in enumerate(fixture.turns, start=1):
        sender = turn.sender or (turn.media.sender if turn.media and turn.media.sender else None) or last_sender
        try:
            with _capture_errors() as errors:
                sent, header = await _play(turn, number, sender, engine, clock, people, loaded, offered, database)
        except FixtureError as error:
            result.failures.append(f"turn {number}: {error}")
            break
        if turn.kind in ("text", "choose", "media"):
            last_sender = sender
            result.inbound += 1
        result.outbound += len(sent)
        result.transcript.append(f"{number}. {header}")
        for message in sent:
            body = message.plain_text().replace("\n", "\n       ")
            result.transcript.append(f"     → {message.to}: {body}")
        for message in sent:
            if message.buttons or message.rows:
                phone = phone_of(message.to)
                if phone:
                    offered[phone] = message
        problems = [f"Yume failed while handling it: {error}" for error in errors.records]
        problems += _check_turn(turn, sender, sent, people)
        if problems:
            result.failures.append(_describe_failure(number, header, problems, turn, sender, sent, people))

    if fixture.expect is not None and not result.failures:
        result.failures.extend(await check_final(fixture, database, loaded, people))
    return result


HISTORY_BOOKED_BEFORE = timedelta(days=40)


async def _load(database: Database, fixture: Fixture, spec: BusinessSpec) -> LoadedBusiness:
    # History was booked well before the frozen clock (the plan counts this month's bookings only),
    # unless an appointment says when (`booked:`).
    booked_at = fixture.now.replace(tzinfo=ZoneInfo(spec.timezone)) - HISTORY_BOOKED_BEFORE
    async with database.transaction() as session:
        loaded = await load_business(session, spec, settings_overrides=fixture.settings, history_booked_at=booked_at)
        location_id = (
            await session.execute(select(Location.id).where(Location.organization_id == loaded.organization_id))
        ).scalar_one()
        await add_appointments(session, spec, loaded, fixture.appointments, location_id=location_id, booked_at=booked_at)
        await add_blocks(session, loaded, fixture.blocks)
        return loaded


async def _play(
    turn: TurnSpec,
    number: int,
    sender: str | None,
    engine: Engine,
    clock: FrozenClock,
    people: People,
    loaded: LoadedBusiness,
    offered: dict[str, OutboundMessage],
    database: Database,
) -> tuple[list[OutboundMessage], str]:
    """Play one turn; what Yume sent during it, and a one-line description of the turn."""
    org = loaded.organization_id
    message_id = f"replay.{uuid.uuid4().hex}"
    if turn.wait is not None:
        clock.advance(wait_delta(turn.wait))
        return await run_due_jobs(database, clock), f"wait {turn.wait}"
    if turn.echo is not None:
        echo = OwnerEcho(
            organization_id=org,
            to_wa_id=people.wa_id(turn.echo.to),
            to_phone=people.phone(turn.echo.to),
            message_id=message_id,
            timestamp=clock.now(),
            text=turn.echo.text,
        )
        await engine.handle_echo(echo)
        return [], f"the owner writes to {turn.echo.to} from the phone app: {turn.echo.text!r}"
    if sender is None:
        raise FixtureError("no `from`: the first message turn must say who writes")
    base = dict(
        organization_id=org, wa_id=people.wa_id(sender), phone=people.phone(sender), message_id=message_id,
        timestamp=clock.now(),
    )
    if turn.text is not None:
        event = InboundEvent(**base, kind="text", text=turn.text)
        header = f"{sender}: {turn.text!r}"
    elif turn.choose is not None:
        option = _find_option(offered.get(people.phone(sender)), turn.choose)
        if option is None:
            raise FixtureError(f"{sender} chooses {turn.choose!r}, but the last message to them offered no such option")
        event = InboundEvent(**base, kind="reply", reply_id=option[0], reply_title=option[1])
        header = f"{sender} taps {option[1]!r}"
    else:
        assert turn.media is not None
        kind = "location" if turn.media.type == "location" else "media"
        event = InboundEvent(**base, kind=kind, media_type=turn.media.type)
        header = f"{sender} sends {turn.media.type}"
    return await engine.handle(event), header


def _find_option(message: OutboundMessage | None, wanted: str) -> tuple[str, str] | None:
    if message is None:
        return None
    key = comparable(wanted)
    options = [(b.id, b.title) for b in message.buttons] + [(r.id, r.title) for r in message.rows]
    exact = [o for o in options if comparable(o[1]) == key]
    if exact:
        return exact[0]
    partial = [o for o in options if key in comparable(o[1])]
    return partial[0] if partial else None


def _check_turn(turn: TurnSpec, sender: str | None, sent: list[OutboundMessage], people: People) -> list[str]:
    problems: list[str] = []
    if turn.reply is not None and sender is not None:
        problems += [f"reply {p}" for p in check_messages(turn.reply, people.messages_to(sender, sent))]
    for item in [*turn.notify, *turn.sent]:
        assert item.to is not None
        mine = people.messages_to(item.to, sent)
        problems += [f"to {item.to}: {p}" for p in check_messages(item, mine)]
    return problems


def _describe_failure(
    number: int, header: str, problems: list[str], turn: TurnSpec, sender: str | None, sent: list[OutboundMessage],
    people: People,
) -> str:
    lines = [f"turn {number} ({header})"]
    lines += [f"  ✗ {problem}" for problem in problems]
    shown = {sender} if sender and turn.reply is not None else set()
    shown |= {item.to for item in [*turn.notify, *turn.sent] if item.to}
    for who in sorted(shown):
        lines.append(f"  Yume sent to {who}:")
        lines.append(quote(people.messages_to(who, sent)))
    others = [m for m in sent if all(phone_of(m.to) != people.phone(w) for w in shown)]
    if others:
        lines.append("  and to others:")
        lines += [f"    → {m.to}: {m.plain_text().splitlines()[0]}" for m in others]
    return "\n".join(lines)


# =============================================================================================
# Databases and the whole run
# =============================================================================================


class FreshDatabases:
    """A fresh database per fixture: a new SQLite file, or emptied tables in a private PostgreSQL schema.

    The private schema is the only one on the search path, so tables an older Yume left in `public`
    are never mistaken for ours.
    """

    def __init__(self, url: str | None) -> None:
        self.url = normalize_database_url(url) if url else None
        self._tmp = tempfile.TemporaryDirectory(prefix="yume-replay-")
        self._count = 0
        self._postgres: Database | None = None
        self._schema = f"yume_replay_{uuid.uuid4().hex[:10]}"

    @property
    def is_postgres(self) -> bool:
        return self.url is not None and make_url(self.url).get_backend_name() == "postgresql"

    async def fresh(self) -> Database:
        """An empty database with the current schema."""
        if not self.is_postgres:
            self._count += 1
            database = Database(f"sqlite+aiosqlite:///{Path(self._tmp.name) / f'fixture{self._count}.db'}")
            await database.create_all()
            return database
        if self._postgres is None:
            assert self.url is not None
            admin = Database(self.url)
            async with admin.engine.begin() as connection:
                await connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
                await connection.execute(text(f'CREATE SCHEMA "{self._schema}"'))
            await admin.dispose()
            self._postgres = Database(
                self.url, connect_args={"server_settings": {"search_path": self._schema}}
            )
            await create_all(self._postgres.engine)
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        async with self._postgres.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} CASCADE"))
        return self._postgres

    async def release(self, database: Database) -> None:
        if database is not self._postgres:
            await database.dispose()

    async def close(self) -> None:
        if self._postgres is not None:
            await self._postgres.dispose()
            assert self.url is not None
            admin = Database(self.url)
            async with admin.engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{self._schema}" CASCADE'))
            await admin.dispose()
        self._tmp.cleanup()


async def replay_paths(
    paths: list[Path],
    understander: Understander,
    database_url: str | None = None,
    coverage: TransitionCoverage | None = None,
    out: TextIO | None = None,
    transcript: bool = False,
) -> ReplaySummary:
    """Replay every fixture under `paths`, printing failures as they happen and the summary line."""
    summary = ReplaySummary()
    databases = FreshDatabases(database_url)
    try:
        for path in fixture_paths(paths):
            try:
                fixture = load_fixture(path)
            except FixtureError as error:
                result = FixtureResult(path=path, name=path.name, failures=[str(error)])
            else:
                if fixture is None:
                    continue
                database = await databases.fresh()
                try:
                    counted = coverage if fixture.asserts_something else None  # a fixture that checks nothing proves nothing
                    result = await replay_fixture(fixture, database, understander, counted)
                finally:
                    await databases.release(database)
            summary.results.append(result)
            if out is not None and transcript:
                print(f"=== {result.path}: {result.name}", file=out)
                print("\n".join(result.transcript), file=out)
            if out is not None and not result.passed:
                print(result.describe(), file=out)
    finally:
        await databases.close()
    summary.claude_calls = claude_calls(understander)
    return summary


def claude_calls(understander: Understander) -> int:
    """Requests the understander sent to Claude (0 for the rule engine)."""
    stats = getattr(understander, "stats", None)
    return int(getattr(stats, "calls", 0) or 0)
