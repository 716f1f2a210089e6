"""`yume db`: bring the database schema up to date (and, for developers, write migrations)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.settings import database_settings
from store.database import Database
from store.migrate import autogenerate_revision, current_revision, head_revision, upgrade_to_head

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database schema: upgrade, current, revision")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply every pending migration (DATABASE_URL or ./yume.db)")
    upgrade.set_defaults(run=_run_upgrade)
    current = actions.add_parser("current", help="show the database's revision and the newest one")
    current.set_defaults(run=_run_current)
    revision = actions.add_parser("revision", help="(developers) autogenerate a migration from the models")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(run=_run_revision)


def _run_upgrade(args: argparse.Namespace) -> int:
    async def upgrade(database: Database) -> str | None:
        await upgrade_to_head(database.engine)
        return await current_revision(database.engine)

    print(f"Base de datos al día (revisión {_with_database(upgrade)}).")
    return 0


def _run_current(args: argparse.Namespace) -> int:
    async def current(database: Database) -> str | None:
        return await current_revision(database.engine)

    print(f"actual: {_with_database(current)}  más reciente: {head_revision()}")
    return 0


def _run_revision(args: argparse.Namespace) -> int:
    async def revision(database: Database) -> None:
        await autogenerate_revision(database.engine, args.message)

    _with_database(revision)
    return 0


def _with_database(action: Callable[[Database], Awaitable[T]]) -> T:
    """Run `action` on the configured database and always release its connections."""

    async def go() -> T:
        database = Database(database_settings().database_url)
        try:
            return await action(database)
        finally:
            await database.dispose()

    return asyncio.run(go())
