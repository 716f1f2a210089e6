"""`yume serve`: run the aiohttp app on a database whose schema is up to date.

Migrations are a release step (`yume db upgrade`, docs/operations.md): `yume serve` refuses to start
while the database is behind this code, naming both revisions, unless told to migrate first
(`--migrate`: one process on its own database, a demo, a developer's machine).
"""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from bot.app import create_app
from bot.heap import settle_after_start_up
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from bot.state import DATABASE
from store.migrate import current_revision, head_revision, known_revisions, upgrade_to_head

log = logging.getLogger("yume.serve")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve", help="run Yume's web app (WhatsApp webhook, admin API, signup page, health, metrics)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="apply pending migrations first (otherwise a database behind this code is refused: run `yume db upgrade`)",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    configure_logging(json_lines=settings.logs_as_json, level=settings.log_level)
    try:
        web.run_app(
            _checked_app(settings, f"http://{args.host}:{args.port}", migrate=args.migrate),
            host=args.host,
            port=args.port,
            print=None,
            access_log=None,
        )
    except SchemaNotReady as error:
        print(f"Yume cannot start: {error}", file=sys.stderr)
        return 1
    return 0


async def _settle_heap(_app: web.Application) -> None:
    settle_after_start_up()


class SchemaNotReady(RuntimeError):
    """The database is behind this code (and --migrate was not given), or could not be migrated or read."""


async def _checked_app(settings: Settings, address: str, *, migrate: bool) -> web.Application:
    # Built inside run_app's event loop, so the engine's connections belong to the loop serving requests.
    app = create_app(settings)
    engine = app[DATABASE].engine
    where = engine.url.render_as_string(hide_password=True)
    try:
        if migrate:
            await upgrade_to_head(engine)
        revision = await current_revision(engine)
    except Exception as error:
        await app[DATABASE].dispose()
        action = "migrate" if migrate else "read the schema revision of"
        raise SchemaNotReady(f"could not {action} the database at {where}: {error}") from error
    head = head_revision()
    if revision != head and (revision is None or revision in known_revisions()):
        await app[DATABASE].dispose()
        raise SchemaNotReady(
            f"the database at {where} is at revision {revision or '(empty)'}, this code needs {head}. "
            "Run `yume db upgrade` (the release step), or start with `yume serve --migrate`."
        )
    log.info("database at revision %s (%s)", revision, where)
    app.on_startup.append(_settle_heap)
    log.info("environment %s; listening on %s (Ctrl-C to stop)", settings.environment, address)
    return app
