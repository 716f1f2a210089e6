"""`yume inbox failed|retry`: the WhatsApp events that could not be processed, and replaying them.

An event is set aside when processing it failed `MAX_ATTEMPTS` times, or when it can never work as
it is (a message with no usable sender id); the person's later messages went on without it.
`retry` puts events back in line: a running `yume serve` processes them within its inbox sweep
(10 s), in the person's lane, exactly once; without one, the next `yume serve` does at start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

from store.channel import InboxEvent, requeue, set_aside_events
from bot.settings import database_settings
from store.database import Database

SHORT_ID = 8
LISTED = 1000


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("inbox", help="WhatsApp events set aside: list them, replay them")
    actions = parser.add_subparsers(dest="inbox_action", metavar="ACTION", required=True)
    failed = actions.add_parser("failed", help="list the events set aside, oldest first, with their error")
    failed.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    failed.set_defaults(run=_run_failed)
    retry = actions.add_parser("retry", help="put set-aside events back in line (by id or id prefix, or --all)")
    retry.add_argument("ids", nargs="*", metavar="ID", help=f"event ids, or their first {SHORT_ID}+ characters")
    retry.add_argument("--all", action="store_true", help="every event set aside")
    retry.set_defaults(run=_run_retry)


def _run_failed(args: argparse.Namespace) -> int:
    rows = asyncio.run(_failed(args.limit))
    if not rows:
        print("No events set aside: every WhatsApp event was processed or is waiting its turn.")
        return 0
    print(f"{len(rows)} event(s) set aside, oldest first:")
    for row in rows:
        when = row.failed_at.strftime("%Y-%m-%d %H:%M UTC") if row.failed_at else "?"
        print(
            f"  {str(row.id)[:SHORT_ID]}  {when}  {row.kind:<8} {masked(row.sender):<22} "
            f"{row.attempts} attempt(s)  {_one_line(row.last_error)}"
        )
    print("Replay one with `yume inbox retry ID`, or all of them with `yume inbox retry --all`.")
    return 0


def _run_retry(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        print("Name the events to replay (`yume inbox retry ID …`) or say --all.")
        return 2
    count, unknown = asyncio.run(_retry(None if args.all else args.ids))
    for given in unknown:
        print(f"No set-aside event matches {given!r} (see `yume inbox failed`).")
    print(
        f"{count} event(s) back in line: a running `yume serve` processes them within 10 seconds "
        "(or the next one, when it starts)."
    )
    return 1 if unknown else 0


async def _failed(limit: int) -> list[InboxEvent]:
    database = Database(database_settings().database_url)
    try:
        async with database.transaction() as session:
            return await set_aside_events(session, limit)
    finally:
        await database.dispose()


async def _retry(given: list[str] | None) -> tuple[int, list[str]]:
    database = Database(database_settings().database_url)
    try:
        async with database.transaction() as session:
            if given is None:
                return await requeue(session, None), []
            ids, unknown = _resolve(given, [row.id for row in await set_aside_events(session, LISTED)])
            return (await requeue(session, ids) if ids else 0), unknown
    finally:
        await database.dispose()


def _resolve(given: list[str], candidates: list[uuid.UUID]) -> tuple[list[uuid.UUID], list[str]]:
    """The set-aside events each given id or prefix names (a prefix naming two is refused)."""
    chosen: list[uuid.UUID] = []
    unknown: list[str] = []
    for text in given:
        prefix = text.strip().lower()
        matches = [candidate for candidate in candidates if str(candidate).startswith(prefix)]
        if len(prefix) < SHORT_ID or len(matches) != 1:
            unknown.append(text)
        else:
            chosen.append(matches[0])
    return chosen, unknown


def masked(sender: str | None) -> str:
    """A lane as an operator may read it: "+52 55 **** 5678" for a phone, BSUIDs shortened."""
    if not sender:
        return "-"
    kind, _, rest = sender.rpartition(":")
    if rest.startswith("+") and len(rest) > 8:
        return f"{kind + ':' if kind else ''}{rest[:3]} {rest[3:5]} **** {rest[-4:]}"
    return f"{kind + ':' if kind else ''}{rest[:4]}…" if len(rest) > 4 else sender


def _one_line(text: str | None, limit: int = 160) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
