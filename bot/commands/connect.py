"""`yume connect ORGANIZATION`: issue the Embedded Signup link a business opens to connect WhatsApp."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from sqlalchemy import or_, select

from bot.settings import SettingsError, load_settings
from bot.whatsapp.signup import connect_url
from store.database import Database
from store.models import Organization
from store.signup_links import issue_signup_link
from store.types import utcnow


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("connect", help="print a new Embedded Signup link for a business (its name or id), valid 7 days")
    parser.add_argument("organization", help="the organization's name or id")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    link = asyncio.run(_issue(settings.database_url, settings.base_url, args.organization))
    if link is None:
        print(f"No encuentro el negocio {args.organization!r}.", file=sys.stderr)
        return 1
    print(link)
    return 0


async def _issue(database_url: str, base_url: str | None, which: str) -> str | None:
    """A fresh one-time link, valid 7 days (an earlier link of the business now says it was replaced)."""
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            query = select(Organization).where(Organization.name == which)
            try:
                query = select(Organization).where(or_(Organization.id == uuid.UUID(which), Organization.name == which))
            except ValueError:
                pass
            organization = (await session.execute(query)).scalars().first()
            if organization is None:
                return None
            token = await issue_signup_link(session, organization.id, utcnow())
            return connect_url(base_url or "http://127.0.0.1:8080", token)
    finally:
        await database.dispose()
