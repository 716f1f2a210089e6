"""Background jobs in process: APScheduler runs the registered jobs (flows/jobs/registry.py) inside `yume serve`.

Each registered job — stale flows, takeovers, reminders, morning agendas, review requests — is
one interval job of an `AsyncIOScheduler` on the app's event loop: its first run is at start-up
(what fell due while the server was down goes out now), then every `YUME_JOBS_INTERVAL_SECONDS`
(default 60; 0 turns the jobs off in this process). `max_instances=1` and coalescing: a slow
sweep never overlaps itself, and runs it missed collapse into one. The jobs find what is due in
the database and claim it there, so several processes may run them at once and nothing is sent
twice. A failing run is logged and retried on the next interval; it never stops the app or the
other jobs. On shutdown no new run starts and running sweeps get a few seconds to commit.

The channel's own loops (outbox sender and its retries, inbox sweep; bot/whatsapp/channel.py) are
deliberately not scheduled here: the sender is woken the moment a row is written and otherwise
polls every second, keeps each person's messages in order and paces each number at Meta's rate,
and the inbox sweep runs every 10 s — a per-minute scheduler would only slow replies down, and a
per-second one would add nothing. Jobs write outbox rows and wake the sender when they did.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime, timezone

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import metrics
from bot.health import add_loop
from bot.state import CLOCK, DATABASE, SETTINGS
from bot.whatsapp.channel import CHANNEL
from flows.jobs.registry import JOBS, Job
from flows.core.trace import tracing
from scheduler.clock import Clock
from store.database import Database

log = logging.getLogger("yume.jobs")

STOP_GRACE_SECONDS = 10.0


class JobRunner:
    """The registered jobs on an interval, on the running event loop."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        interval_seconds: float,
        jobs: Mapping[str, Job] | None = None,
        stop_grace_seconds: float = STOP_GRACE_SECONDS,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.interval_seconds = interval_seconds
        self.jobs = dict(JOBS if jobs is None else jobs)
        self.stop_grace_seconds = stop_grace_seconds
        self.on_sent = on_sent  # the messages are in the outbox: wake whoever delivers them
        self.runs: Counter[str] = Counter()  # finished runs per job, failed ones included
        self.failures: Counter[str] = Counter()
        self._running: set[asyncio.Task[object]] = set()
        self._scheduler: AsyncIOScheduler | None = None
        for name in self.jobs:  # every job's series exists from the first scrape
            metrics.JOB_RUNS.labels(name)
            metrics.JOB_FAILURES.labels(name)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> None:
        """Schedule every job: at once, then every interval (call from inside the event loop)."""
        scheduler = AsyncIOScheduler(timezone=timezone.utc)
        start = datetime.now(timezone.utc)
        for name in self.jobs:
            scheduler.add_job(
                self.run,
                "interval",
                seconds=self.interval_seconds,
                args=[name],
                id=name,
                name=name,
                next_run_time=start,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,  # late (a busy loop) is still worth running
            )
        scheduler.start()
        self._scheduler = scheduler
        log.info("background jobs every %gs: %s", self.interval_seconds, ", ".join(self.jobs))

    async def stop(self) -> None:
        """No new runs; let the running ones finish (within the grace period), then stop."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        scheduler.pause()
        running = set(self._running)
        if running:
            done, pending = await asyncio.wait(running, timeout=self.stop_grace_seconds)
            if pending:
                log.warning("stopping with %d job(s) still running; their transactions roll back", len(pending))
        scheduler.shutdown(wait=False)  # cancels anything still running
        await asyncio.sleep(0)  # the shutdown itself runs on the loop

    async def run(self, name: str) -> None:
        """One run of one job; errors are logged, never raised into the scheduler."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            with tracing(message_id=f"job:{name}"):  # its log lines and outbox rows say which job
                sent = await self.jobs[name](self.database, self.clock)
            if sent:
                log.info("job %s queued %d message(s)", name, len(sent))
                if self.on_sent is not None:
                    self.on_sent()
        except Exception:
            self.failures[name] += 1
            metrics.JOB_FAILURES.labels(name).inc()
            log.exception("job %s failed; it runs again in %gs", name, self.interval_seconds)
        finally:
            self.runs[name] += 1
            metrics.JOB_RUNS.labels(name).inc()
            if task is not None:
                self._running.discard(task)


JOB_RUNNER = web.AppKey("job_runner", JobRunner)


def register(app: web.Application) -> None:
    """Run the background jobs while the app runs (unless YUME_JOBS_INTERVAL_SECONDS is 0)."""
    interval = app[SETTINGS].jobs_interval_seconds
    if interval <= 0:
        return
    app[JOB_RUNNER] = runner = JobRunner(app[DATABASE], app[CLOCK], interval, on_sent=lambda: _wake_outbox(app))
    app.cleanup_ctx.append(_lifecycle)
    add_loop(app, "jobs", lambda: runner.running)


def _wake_outbox(app: web.Application) -> None:
    """Reminders go out now rather than at the sender's next poll (when this app runs the channel)."""
    channel = app.get(CHANNEL)
    if channel is not None and channel.outbox is not None:
        channel.outbox.kick()


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    runner = app[JOB_RUNNER]
    # One line per run at INFO would drown the log; APScheduler's warnings and errors still show.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    runner.start()
    yield
    await runner.stop()
