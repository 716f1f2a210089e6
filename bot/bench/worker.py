"""One server process of `yume bench pipeline`: `yume serve`'s app, metered, on a given port.

    python -m bot.bench.worker serve --port 8101     # the app as `yume serve` builds it
    python -m bot.bench.worker floor --port 8101     # the floor: a bare handler, 1 INSERT + 1 SELECT

Configuration comes from the environment exactly as for `yume serve` (DATABASE_URL, META_*,
YUME_SECRET_KEY, …; the parent points META_GRAPH_URL at its own fake Graph API), plus
YUME_BENCH_CLOCK_OFFSET: seconds added to the real time, so every process of one run lives at the
same moment of the demo's week. The parent reads and resets the meter through `/bench/stats` and
`/bench/reset` (bench-only routes), and stops the process with SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import signal
import time
from datetime import datetime, timedelta, timezone

from aiohttp import web
from sqlalchemy import text

from bot.bench import meter as metering
from bot.heap import settle_after_start_up
from bot.whatsapp.webhook import WEBHOOK_PATH
from store.database import Database

CLOCK_OFFSET_ENV = "YUME_BENCH_CLOCK_OFFSET"
PROFILE_ENV = "YUME_BENCH_PROFILE"  # a folder: each run's cProfile of this process is written there


class ShiftedClock:
    """The real time moved by a fixed offset: time passes, at the demo's moment of the week."""

    def __init__(self, offset_seconds: float) -> None:
        self.offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset


def _meter_routes(app: web.Application, meter: metering.Meter) -> None:
    folder = os.environ.get(PROFILE_ENV)
    profiler: list[cProfile.Profile] = []  # the run being profiled, between reset and stats

    async def stats(_request: web.Request) -> web.Response:
        snapshot = meter.snapshot()
        if profiler:
            running = profiler.pop()
            running.disable()
            running.dump_stats(os.path.join(folder or ".", f"server-{os.getpid()}-{int(time.time())}.prof"))
        return web.json_response(snapshot)

    async def reset(_request: web.Request) -> web.Response:
        meter.reset()
        if folder:
            profiler.append(cProfile.Profile())
            profiler[-1].enable()
        return web.json_response({"reset": True})

    app.router.add_get("/bench/stats", stats)
    app.router.add_post("/bench/reset", reset)


def _meter_engine(meter: metering.Meter) -> None:
    """Charge the conversation engine's turns to `engine` (and count them)."""
    from flows.engine import Engine

    handle, handle_echo = Engine.handle, Engine.handle_echo

    async def counted(self: Engine, *args: object, **kwargs: object) -> object:
        meter.turns += 1
        return await handle(self, *args, **kwargs)

    Engine.handle = metering.in_component(meter, "engine", counted)  # type: ignore[method-assign]
    Engine.handle_echo = metering.in_component(meter, "engine", handle_echo)  # type: ignore[method-assign]


async def _serve_app(meter: metering.Meter) -> web.Application:
    from bot.app import create_app
    from bot.settings import load_settings

    settings = load_settings()
    database = Database(settings.database_url)
    metering.count_sql(meter, database.engine)
    _meter_engine(meter)
    clock = ShiftedClock(float(os.environ.get(CLOCK_OFFSET_ENV, "0")))
    app = create_app(settings, database=database, clock=clock)
    app.middlewares.append(metering.webhook_middleware(meter, WEBHOOK_PATH))
    _meter_routes(app, meter)

    async def dispose(_app: web.Application) -> None:
        await database.dispose()

    app.on_cleanup.append(dispose)
    return app


async def _floor_app(meter: metering.Meter) -> web.Application:
    database = Database(os.environ["DATABASE_URL"])
    metering.count_sql(meter, database.engine)
    async with database.engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, payload jsonb NOT NULL)")
        )

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        async with database.engine.begin() as connection:
            new_id = (
                await connection.execute(
                    text("INSERT INTO bench_floor (payload) VALUES (CAST(:p AS jsonb)) RETURNING id"),
                    {"p": body.decode()},
                )
            ).scalar()
            await connection.execute(text("SELECT payload FROM bench_floor WHERE id = :id"), {"id": new_id})
        return web.Response(text="ok")

    async def ready(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ready"})

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_post(WEBHOOK_PATH, handler)
    app.router.add_get("/ready", ready)
    _meter_routes(app, meter)

    async def dispose(_app: web.Application) -> None:
        await database.dispose()

    app.on_cleanup.append(dispose)
    return app


async def _main(mode: str, port: int) -> None:
    meter = metering.Meter()
    metering.install(meter, asyncio.get_running_loop())
    app = await (_serve_app(meter) if mode == "serve" else _floor_app(meter))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    if mode == "serve":
        settle_after_start_up()  # as `yume serve` does once its app has started
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description="one server process of yume bench pipeline")
    parser.add_argument("mode", choices=("serve", "floor"))
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_main(args.mode, args.port))


if __name__ == "__main__":
    main()
