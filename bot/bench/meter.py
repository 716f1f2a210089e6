"""Where a server process spends its CPU and its SQL, by component, for `yume bench pipeline`.

Components: `webhook` (the POST handler), `inbox` (lane workers and the sweep), `engine`
(`handle`/`handle_echo`: flows, NLU, scheduler), `outbox` (the sender loop and its sends), and
`io`: whatever runs outside those — the event loop itself, aiohttp and asyncpg protocol callbacks.

How: every task's coroutine is wrapped (a task factory), and each step of it (one `send`/`throw`)
is timed with the thread's CPU clock and charged to the component current at that moment. The
component is a context variable, set by the wrappers around the webhook handler and the engine,
or read from the task's name ("inbox …", "outbox …"). Statements and pool checkouts are counted
with SQLAlchemy events and charged the same way. Overhead: two clock reads per task step.
"""

from __future__ import annotations

import asyncio
import collections.abc
import contextvars
import functools
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

SQL_TRACE_ENV = "YUME_BENCH_SQL_TRACE"  # a file: every statement is appended to it with its component
COMPONENTS = ("webhook", "inbox", "engine", "outbox", "io")
# (component, the task that entered it): a value a task inherited from its creator yields to the
# task's own name, so a lane worker started from the webhook handler is charged to the inbox.
COMPONENT: contextvars.ContextVar[tuple[str, object] | None] = contextvars.ContextVar(
    "yume_bench_component", default=None
)


def current_component() -> str:
    value = COMPONENT.get()
    task = asyncio.current_task()
    if value is not None and task is not None and value[1] is task:
        return value[0]
    name = task.get_name() if task is not None else ""
    if name.startswith("inbox"):
        return "inbox"
    if name.startswith("outbox"):
        return "outbox"
    return value[0] if value is not None else "io"


class Meter:
    """CPU seconds, SQL statements and pool checkouts per component, since the last reset."""

    def __init__(self) -> None:
        self.cpu: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        self.checkouts: Counter[str] = Counter()
        self.turns = 0
        self._running: str | None = None
        self._since = 0.0
        self._process_since = time.process_time()
        self._wall_since = time.monotonic()

    def reset(self) -> None:
        self.cpu.clear()
        self.statements.clear()
        self.checkouts.clear()
        self.turns = 0
        self._process_since = time.process_time()
        self._wall_since = time.monotonic()
        if self._running is not None:
            self._since = time.thread_time()

    # --- task steps -----------------------------------------------------------------------------

    def step_started(self) -> tuple[str | None, float]:
        saved = (self._running, self._since)
        self._running, self._since = current_component(), time.thread_time()
        return saved

    def step_ended(self, saved: tuple[str | None, float]) -> None:
        now = time.thread_time()
        if self._running is not None:
            self.cpu[self._running] += now - self._since
        self._running, since = saved
        self._since = now if self._running is not None else since

    def switch(self, component: str) -> None:
        """The running step moves to another component (entering or leaving the engine)."""
        if self._running is None:
            return
        now = time.thread_time()
        self.cpu[self._running] += now - self._since
        self._running, self._since = component, now

    # --- report ---------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        process = time.process_time() - self._process_since
        cpu = {name: self.cpu.get(name, 0.0) for name in COMPONENTS if name != "io"}
        cpu["io"] = max(0.0, process - sum(cpu.values()))
        return {
            "cpu_seconds": cpu,
            "process_cpu_seconds": process,
            "wall_seconds": time.monotonic() - self._wall_since,
            "statements": dict(self.statements),
            "checkouts": dict(self.checkouts),
            "turns": self.turns,
        }


class _Metered(collections.abc.Coroutine):  # type: ignore[type-arg]
    """A coroutine whose every step is charged to the component running it."""

    __slots__ = ("_coro", "_meter")

    def __init__(self, coro: Coroutine[Any, Any, Any], meter: Meter) -> None:
        self._coro = coro
        self._meter = meter

    def send(self, value: Any) -> Any:
        saved = self._meter.step_started()
        try:
            return self._coro.send(value)
        finally:
            self._meter.step_ended(saved)

    def throw(self, *args: Any) -> Any:
        saved = self._meter.step_started()
        try:
            return self._coro.throw(*args)
        finally:
            self._meter.step_ended(saved)

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Any:
        return self._coro.__await__()

    def __getattr__(self, name: str) -> Any:  # cr_frame, cr_code… for asyncio's repr and debugging
        return getattr(self._coro, name)


def install(meter: Meter, loop: asyncio.AbstractEventLoop) -> None:
    """Meter every task created on `loop` from now on."""

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        wrapped = _Metered(coro, meter) if asyncio.iscoroutine(coro) else coro
        context = kwargs.pop("context", None) or contextvars.copy_context()
        context.run(COMPONENT.set, (current_component(), None))  # inherited: the creator's component
        return asyncio.Task(wrapped, loop=loop, context=context, **kwargs)

    loop.set_task_factory(factory)  # type: ignore[arg-type]


def count_sql(meter: Meter, engine: AsyncEngine) -> None:
    """Count statements and pool checkouts of `engine` by component."""

    trace = os.environ.get(SQL_TRACE_ENV)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _statement(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        component = current_component()
        meter.statements[component] += 1
        if trace:  # every statement, one line each, to read what a message costs
            with open(trace, "a") as out:
                out.write(f"{component}\t{' '.join(statement.split())[:300]}\n")

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checkout(*_args: Any) -> None:
        meter.checkouts[current_component()] += 1


def in_component(meter: Meter, component: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`function` with its CPU, statements and checkouts charged to `component`."""

    @functools.wraps(function)
    async def metered(*args: Any, **kwargs: Any) -> Any:
        token = COMPONENT.set((component, asyncio.current_task()))
        meter.switch(component)
        try:
            return await function(*args, **kwargs)
        finally:
            COMPONENT.reset(token)
            meter.switch(current_component())

    return metered


def webhook_middleware(meter: Meter, path: str) -> Any:
    """An aiohttp middleware charging the webhook handler to `webhook`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
        if request.path != path:
            return await handler(request)
        return await in_component(meter, "webhook", handler)(request)

    return middleware
