"""`yume db`: bring the database schema up to date (and, for developers, write migrations)."""

from __future__ import annotations

import argparse
import asyncio

from store.database import Database, database_url_from_env
from store.migrate import autogenerate_revision, current_revision, head_revision, upgrade_to_head


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
    async def go() -> str | None:
        database = Database(database_url_from_env())
        try:
            await upgrade_to_head(database.engine)
            return await current_revision(database.engine)
        finally:
            await database.dispose()

    print(f"Base de datos al día (revisión {asyncio.run(go())}).")
    return 0


def _run_current(args: argparse.Namespace) -> int:
    async def go() -> str | None:
        database = Database(database_url_from_env())
        try:
            return await current_revision(database.engine)
        finally:
            await database.dispose()

    print(f"actual: {asyncio.run(go())}  más reciente: {head_revision()}")
    return 0


def _run_revision(args: argparse.Namespace) -> int:
    async def go() -> None:
        database = Database(database_url_from_env())
        try:
            await autogenerate_revision(database.engine, args.message)
        finally:
            await database.dispose()

    asyncio.run(go())
    return 0
