"""Fixture replay: conversations from YAML through the production path, with only the edges swapped.

The clock is frozen (`now`, moved by `wait:`), outbound messages are captured from the engine
instead of sent to Meta, and the NLU is the offline rule engine unless `--nlu claude`. Each
fixture gets a fresh database. The contract is `spec/fixtures.md`; this module implements it.
"""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from flows.coverage import TransitionCoverage
from flows.engine import Engine, Understander
from flows.events import InboundEvent, OwnerEcho
from flows.fixture_file import (
    Fixture,
    FixtureError,
    MessageExpectation,
    TurnSpec,
    fixture_paths,
    load_fixture,
    wait_delta,
)
from flows.jobs import run_due_jobs
from flows.messages import OutboundMessage
from scheduler.clock import FrozenClock
from store.business_file import (
    BusinessSpec,
    LoadedBusiness,
    add_appointments,
    add_blocks,
    load_business,
)
from store.conversations import Conversation, ConversationStatus
from store.database import Database, create_all, normalize_database_url
from store.models import (
    Appointment,
    Customer,
    Location,
    ServiceType,
    Staff,
    StaffRole,
    TimeBlock,
    metadata,
)
from store.phones import (
    InvalidPhone,
    canonical_from_whatsapp_id,
    canonical_phone,
    whatsapp_id,
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
# Matching what Yume said
# =============================================================================================


def comparable(value: str) -> str:
    """Text as fixtures compare it: no case, no accents (á = a, ñ = n), single spaces."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare).strip()


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
    if expectation.regex and not re.search(comparable(expectation.regex), said, re.IGNORECASE):
        problems.append(f"should match /{expectation.regex}/")
    return problems


def _quote(messages: list[OutboundMessage]) -> str:
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
        return [message for message in messages if _phone_of(message.to) == phone]


def _phone_of(wa_id: str) -> str | None:
    try:
        return canonical_from_whatsapp_id(wa_id)
    except InvalidPhone:
        return None


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
                phone = _phone_of(message.to)
                if phone:
                    offered[phone] = message
        problems = [f"Yume failed while handling it: {error}" for error in errors.records]
        problems += _check_turn(turn, sender, sent, people)
        if problems:
            result.failures.append(_describe_failure(number, header, problems, turn, sender, sent, people))

    if fixture.expect is not None and not result.failures:
        result.failures.extend(await _check_final(fixture, database, loaded, people))
    return result


async def _load(database: Database, fixture: Fixture, spec: BusinessSpec) -> LoadedBusiness:
    async with database.transaction() as session:
        loaded = await load_business(session, spec, settings_overrides=fixture.settings)
        location_id = (
            await session.execute(select(Location.id).where(Location.organization_id == loaded.organization_id))
        ).scalar_one()
        await add_appointments(session, spec, loaded, fixture.appointments, location_id=location_id)
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
        lines.append(_quote(people.messages_to(who, sent)))
    others = [m for m in sent if all(_phone_of(m.to) != people.phone(w) for w in shown)]
    if others:
        lines.append("  and to others:")
        lines += [f"    → {m.to}: {m.plain_text().splitlines()[0]}" for m in others]
    return "\n".join(lines)


# =============================================================================================
# Final expectations
# =============================================================================================


async def _check_final(fixture: Fixture, database: Database, loaded: LoadedBusiness, people: People) -> list[str]:
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


# =============================================================================================
# Databases and the whole run
# =============================================================================================


class FreshDatabases:
    """A fresh database per fixture: a new SQLite file, or emptied tables in a private PostgreSQL schema."""

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
                self.url, connect_args={"server_settings": {"search_path": f"{self._schema},public"}}
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
                    result = await replay_fixture(fixture, database, understander, coverage)
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
