"""`yume demo`: the demo barbershop on the embedded database (or DATABASE_URL)."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.demo import seed_demo
from flows.core.formatting import clock_time, long_date
from scheduler.availability import distinct_starts
from scheduler.calendar import find_slots, load_business
from scheduler.clock import SystemClock
from bot.settings import database_settings
from store.database import Database
from store.migrate import upgrade_to_head
from store.models import ServiceType


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="the demo barbershop: create it once and show its next open times (show, the default), or only seed it",
        description="Without an action, `yume demo` is `yume demo show`.",
    )
    parser.set_defaults(run=_run_show)
    actions = parser.add_subparsers(dest="demo_action", metavar="ACTION")
    show = actions.add_parser("show", help="(default) create the demo business once and show the next open times")
    show.set_defaults(run=_run_show)
    seed = actions.add_parser("seed", help="create the demo business with a few appointments around today")
    seed.add_argument("--reset", action="store_true", help="delete the demo business first and start over")
    seed.set_defaults(run=_run_seed)


def _run_seed(args: argparse.Namespace) -> int:
    return asyncio.run(_seed(reset=args.reset, show=False))


def _run_show(args: argparse.Namespace) -> int:
    return asyncio.run(_seed(reset=False, show=True))


async def _seed(reset: bool, show: bool) -> int:
    database = Database(database_settings().database_url)
    try:
        await upgrade_to_head(database.engine)
        now = SystemClock().now()
        result = await seed_demo(database, now, reset=reset)
        if result.created:
            print(f"Listo: creé la Barbería Don Carlos con {result.appointments} citas de ejemplo.")
        else:
            print("La Barbería Don Carlos ya existe (yume demo seed --reset para empezar de cero).")
        if show:
            print(await _next_open_times(database, result.organization_id, now))
    finally:
        await database.dispose()
    return 0


async def _next_open_times(database: Database, organization_id: uuid.UUID, now: datetime) -> str:
    """The first day with open times for a haircut, as Yume would offer them."""
    async with database.transaction() as session:
        business = await load_business(session, organization_id)
        service = (
            await session.execute(
                select(ServiceType).where(
                    ServiceType.organization_id == organization_id, ServiceType.name == "Corte de cabello"
                )
            )
        ).scalar_one()
        day = now.astimezone(business.tz).date()
        for _ in range(14):
            starts = distinct_starts(await find_slots(session, business, service, day, day, now))
            if starts:
                shown = "  ".join(clock_time(start.astimezone(business.tz)) for start in starts[:8])
                return f"Próximos horarios para {service.name}, {long_date(day)}: {shown}"
            day += timedelta(days=1)
    return "No hay horarios libres en las próximas dos semanas."
