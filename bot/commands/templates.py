"""`yume templates`: the Meta message templates Yume needs — list them, submit them for review."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path

import aiohttp
from sqlalchemy import or_, select

from bot.settings import SettingsError, load_settings
from bot.whatsapp.client import CloudApiClient
from bot.whatsapp.errors import GraphApiError
from bot.whatsapp.templates import TemplateCatalog, TemplateFileError, default_templates_dir
from bot.whatsapp.tokens import TokenKeyMissing, TokenUnreadable, decrypt_token
from store.database import Database
from store.models import Organization

ALREADY_EXISTS_SUBCODE = 2388024  # "a template with this name and language already exists"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("templates", help="Meta message templates (fixtures/templates): list, submit")
    actions = parser.add_subparsers(dest="templates_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="show the templates and their parameters")
    listing.add_argument("--dir", type=Path, default=None, help="templates folder (default fixtures/templates)")
    listing.set_defaults(run=_run_list)
    submit = actions.add_parser("submit", help="post every template to the business account's message_templates")
    submit.add_argument("--organization", help="an organization's name or id (default: every connected business)")
    submit.add_argument("--dir", type=Path, default=None, help="templates folder (default fixtures/templates)")
    submit.set_defaults(run=_run_submit)


def _catalog(directory: Path | None) -> TemplateCatalog:
    return TemplateCatalog.load(directory or default_templates_dir())


def _run_list(args: argparse.Namespace) -> int:
    try:
        catalog = _catalog(args.dir)
    except TemplateFileError as error:
        print(f"Plantilla inválida: {error}", file=sys.stderr)
        return 1
    for definition in catalog.definitions.values():
        replies = f", respuestas rápidas: {', '.join(definition.quick_replies)}" if definition.quick_replies else ""
        print(
            f"{definition.name} ({definition.category}, {definition.language}): {definition.body_params} parámetros{replies}"
        )
    return 0


def _run_submit(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        catalog = _catalog(args.dir)
    except (SettingsError, TemplateFileError) as error:
        print(error, file=sys.stderr)
        return 2
    return asyncio.run(_submit(settings, catalog, args.organization))


async def _submit(settings, catalog: TemplateCatalog, which: str | None) -> int:
    database = Database(settings.database_url)
    failures = 0
    try:
        async with database.transaction() as session:
            query = select(Organization).where(
                Organization.waba_id.is_not(None), Organization.access_token_encrypted.is_not(None)
            )
            if which:
                try:
                    query = query.where(or_(Organization.id == uuid.UUID(which), Organization.name == which))
                except ValueError:
                    query = query.where(Organization.name == which)
            organizations = list((await session.execute(query.order_by(Organization.name))).scalars())
        if not organizations:
            print(
                "No hay negocios con WhatsApp conectado" + (f" que se llamen {which!r}" if which else "") + ".",
                file=sys.stderr,
            )
            return 1
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        async with aiohttp.ClientSession() as http:
            client = CloudApiClient(http, settings.meta_graph_url, settings.meta_api_version)
            for organization in organizations:
                try:
                    token = decrypt_token(organization.access_token_encrypted, secret)
                except (TokenKeyMissing, TokenUnreadable) as error:
                    print(f"{organization.name}: {error}", file=sys.stderr)
                    failures += 1
                    continue
                for definition in catalog.definitions.values():
                    try:
                        answer = await client.submit_template(organization.waba_id, token, definition.definition)
                        print(
                            f"{organization.name}: {definition.name} → {answer.get('status', 'enviada')} (id {answer.get('id')})"
                        )
                    except GraphApiError as error:
                        if error.subcode == ALREADY_EXISTS_SUBCODE:
                            print(f"{organization.name}: {definition.name} → ya existe")
                            continue
                        print(f"{organization.name}: {definition.name} → rechazada: {error.reason()}", file=sys.stderr)
                        failures += 1
    finally:
        await database.dispose()
    return 1 if failures else 0
