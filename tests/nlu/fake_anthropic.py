"""A fake Anthropic Messages API on loopback: POST /v1/messages, scripted answers, recorded requests."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOOL = "record_reading"


@dataclass
class Reply:
    """One scripted answer: an HTTP status, a JSON body, and an optional delay before it."""

    status: int = 200
    body: dict[str, Any] | None = None
    delay_s: float = 0.0


def tool_use(tool_input: dict[str, Any] | str, *, name: str = TOOL) -> Reply:
    """A successful Messages API answer calling the tool with `tool_input`."""
    return Reply(body=message([{"type": "tool_use", "id": "toolu_01", "name": name, "input": tool_input}], "tool_use"))


def text_only(text: str) -> Reply:
    """A successful answer that ignores the forced tool (never valid for Yume)."""
    return Reply(body=message([{"type": "text", "text": text}], "end_turn"))


def error(status: int, kind: str) -> Reply:
    """An API error in the real shape (429 rate_limit_error, 529 overloaded_error...)."""
    return Reply(status=status, body={"type": "error", "error": {"type": kind, "message": kind}})


def message(content: list[dict[str, Any]], stop_reason: str) -> dict[str, Any]:
    return {
        "id": "msg_fake", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": content, "stop_reason": stop_reason, "stop_sequence": None,
        "usage": {"input_tokens": 1200, "output_tokens": 40, "cache_read_input_tokens": 1100,
                  "cache_creation_input_tokens": 0},
    }


@dataclass
class FakeAnthropic:
    """Answers each request with the next scripted reply (the last one repeats)."""

    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        return app

    async def _messages(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        index = min(len(self.requests), len(self.replies)) - 1
        reply = self.replies[index] if self.replies else error(500, "api_error")
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        return web.json_response(reply.body, status=reply.status, headers={"request-id": f"req_{next(_ids)}"})

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]

    def body_text(self) -> str:
        """Every request body as one string, to search for what must never be sent."""
        return "\n".join(json.dumps(r, ensure_ascii=False) for r in self.requests)


_ids = itertools.count(1)


class ThreadedFakeServer:
    """The fake API served from a background thread, for code that runs its own event loop (the CLI)."""

    def __init__(self, fake: FakeAnthropic) -> None:
        self.fake = fake
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._runner: web.AppRunner | None = None

    def __enter__(self) -> ThreadedFakeServer:
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("the fake Anthropic server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.fake.app())
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
