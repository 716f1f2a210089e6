"""`yume chat`: an interactive WhatsApp chat with the demo business, in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.chat import ChatSetupError, open_chat, parse_now, run_chat
from scheduler.clock import FrozenClock, SystemClock
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
    parser.add_argument("--now", help="pretend it is this local time, e.g. 2027-01-13T10:00 (the clock stays there)")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return asyncio.run(_chat(args))
    except ChatSetupError as error:
        print(f"No puedo empezar el chat: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n¡Hasta luego!")
        return 0


async def _chat(args: argparse.Namespace) -> int:
    database = Database(database_settings().database_url)
    try:
        await upgrade_to_head(database.engine)
        clock = FrozenClock(parse_now(args.now, DEFAULT_TIMEZONE)) if args.now else SystemClock()
        session = await open_chat(database, clock, role=args.role, phone=args.phone, out=sys.stdout)
        await run_chat(session, sys.stdin, interactive=sys.stdin.isatty())
    finally:
        await database.dispose()
    return 0
