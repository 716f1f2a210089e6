"""`yume chat`: an interactive WhatsApp chat with the demo business, in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.chat import ChatSetupError, open_chat, parse_now, run_chat
from bot.demo import demo_start
from bot.logs import configure_logging
from flows.core.formatting import clock_time, long_date
from scheduler.clock import Clock, FrozenClock, ShiftedClock, SystemClock
from bot.settings import database_settings
from store.database import Database
from store.migrate import upgrade_to_head
from store.organizations import DEFAULT_TIMEZONE


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "chat", help="chat with the demo barbershop as a customer, a barber or the owner (the real pipeline, no Meta)"
    )
    parser.add_argument(
        "--as",
        dest="role",
        choices=("customer", "staff", "owner"),
        default="customer",
        help="who you are: a customer (default), a barber of the demo business, or its owner",
    )
    parser.add_argument("--phone", help="your phone number (default: a new customer, or the demo's barber/owner)")
    parser.add_argument(
        "--now",
        help="pretend it is this local time, e.g. 2027-01-13T10:00 (the clock stays there); "
        "default: now, or the next opening when the barbershop is closed or about to close",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    configure_logging(json_lines=False, level="WARNING")  # only problems; phones masked as everywhere
    try:
        return asyncio.run(_chat(args))
    except ChatSetupError as error:
        print(f"No puedo empezar el chat: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n¡Hasta luego!")
        return 0


def _clock(now: str | None) -> Clock:
    """--now frozen; otherwise the real clock, moved to the next opening when the demo would be closed."""
    if now:
        return FrozenClock(parse_now(now, DEFAULT_TIMEZONE))
    start = demo_start(SystemClock().now())
    if start is None:
        return SystemClock()
    print(
        f"La barbería está cerrada (o por cerrar) a esta hora: el chat empieza el {long_date(start.date())} a las "
        f"{clock_time(start)}, cuando abre (usa --now para elegir otro momento)."
    )
    return ShiftedClock(start)


async def _chat(args: argparse.Namespace) -> int:
    database = Database(database_settings().database_url)
    try:
        await upgrade_to_head(database.engine)
        clock = _clock(args.now)
        session = await open_chat(database, clock, role=args.role, phone=args.phone, out=sys.stdout)
        await run_chat(session, sys.stdin, interactive=sys.stdin.isatty())
    finally:
        await database.dispose()
    return 0
