"""`yume slots`: the open times for a service, as a customer would be offered them."""

from __future__ import annotations

import argparse
import asyncio
import unicodedata
from datetime import date, timedelta

from sqlalchemy import select

from flows.core.formatting import clock_time, duration, long_date, money
from scheduler.availability import distinct_starts
from scheduler.calendar import find_slots, load_business
from scheduler.clock import SystemClock
from bot.settings import database_settings
from store.database import Database
from store.migrate import upgrade_to_head
from store.models import Organization, ServiceType, Staff


class SlotsCommandError(Exception):
    """A clear message for the person at the terminal."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("slots", help="open times for a service (the demo business by default)")
    parser.add_argument("--service", required=True, help='e.g. "Corte de cabello" (a prefix is enough)')
    parser.add_argument("--date", default="mañana", help="YYYY-MM-DD, hoy or mañana (default: mañana)")
    parser.add_argument("--days", type=int, default=1, help="how many days from --date (default 1)")
    parser.add_argument("--staff", help="only this person (a prefix of their name)")
    parser.add_argument("--business", help="business name (default: the only/first one)")
    parser.set_defaults(run=_run)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if unicodedata.category(c) != "Mn")


def _pick(items: list, name: str, what: str):  # type: ignore[no-untyped-def]
    wanted = _fold(name)
    matches = [item for item in items if _fold(item.name).startswith(wanted)]
    matches = matches or [item for item in items if wanted in _fold(item.name)]
    if not matches:
        options = ", ".join(item.name for item in items) or "ninguno"
        raise SlotsCommandError(f"No encontré {what} «{name}». Opciones: {options}.")
    return matches[0]


def parse_day(text: str, today: date) -> date:
    """ "hoy", "mañana" or an ISO date."""
    folded = _fold(text.strip())
    if folded == "hoy":
        return today
    if folded in ("manana", "mañana"):
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise SlotsCommandError(f"No entendí la fecha «{text}»: usa AAAA-MM-DD, hoy o mañana.") from error


async def _slots(args: argparse.Namespace) -> str:
    database = Database(database_settings().database_url)
    try:
        await upgrade_to_head(database.engine)
        async with database.transaction() as session:
            organizations = list((await session.execute(select(Organization).order_by(Organization.created_at))).scalars())
            if not organizations:
                raise SlotsCommandError("No hay ningún negocio todavía. Crea el de ejemplo con: yume demo seed")
            organization = _pick(organizations, args.business, "el negocio") if args.business else organizations[0]
            business = await load_business(session, organization.id)
            services = list(
                (await session.execute(select(ServiceType).where(ServiceType.organization_id == organization.id))).scalars()
            )
            service = _pick(services, args.service, "el servicio")
            staff_id = None
            if args.staff:
                staff = list((await session.execute(select(Staff).where(Staff.organization_id == organization.id))).scalars())
                staff_id = _pick(staff, args.staff, "a la persona").id
            now = SystemClock().now()
            first = parse_day(args.date, now.astimezone(business.tz).date())
            last = first + timedelta(days=max(args.days, 1) - 1)
            slots = await find_slots(session, business, service, first, last, now, staff_id=staff_id)
    finally:
        await database.dispose()

    lines = [f"{service.name} ({money(service.price_cents)}, {duration(service.duration_minutes)}) en {business.organization.name}"]
    day = first
    starts = [start.astimezone(business.tz) for start in distinct_starts(slots)]
    while day <= last:
        todays = [clock_time(start) for start in starts if start.date() == day]
        lines.append(f"{long_date(day).capitalize()}: " + ("  ".join(todays) if todays else "sin horarios libres"))
        day += timedelta(days=1)
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    try:
        print(asyncio.run(_slots(args)))
    except SlotsCommandError as error:
        print(error)
        return 1
    return 0
