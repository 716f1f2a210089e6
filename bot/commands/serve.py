"""`yume serve`: bring the database schema up to date, then run the aiohttp app."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.settings import Settings, SettingsError, load_settings
from bot.state import DATABASE
from store.migrate import current_revision, upgrade_to_head

log = logging.getLogger("yume.serve")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="run Yume's web app (WhatsApp webhook, admin API, signup page, health) after applying migrations")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        web.run_app(
            _migrated_app(settings, f"http://{args.host}:{args.port}"),
            host=args.host,
            port=args.port,
            print=None,
            access_log=None,
        )
    except MigrationFailed as error:
        print(f"Yume cannot start: {error}", file=sys.stderr)
        return 1
    return 0


class MigrationFailed(RuntimeError):
    """The database could not be brought to the current schema (unreachable, permissions, …)."""


async def _migrated_app(settings: Settings, address: str) -> web.Application:
    # Built inside run_app's event loop, so the engine's connections belong to the loop serving requests.
    app = create_app(settings)
    engine = app[DATABASE].engine
    try:
        await upgrade_to_head(engine)
        revision = await current_revision(engine)
    except Exception as error:
        await app[DATABASE].dispose()
        raise MigrationFailed(
            f"could not migrate the database at {engine.url.render_as_string(hide_password=True)}: {error}"
        ) from error
    log.info("database at revision %s (%s)", revision, engine.url.render_as_string(hide_password=True))
    log.info("environment %s; listening on %s (Ctrl-C to stop)", settings.environment, address)
    return app
