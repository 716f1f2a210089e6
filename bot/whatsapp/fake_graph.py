"""A fake of the Graph API endpoints Yume uses, for tests and as a local dev server.

It answers like Meta (same paths, same JSON shapes, same error envelope), records every request,
and can be told to fail with any Meta error code — once, a few times or always, for one endpoint
or one recipient — so the real client and outbox are exercised over loopback.

    python -m bot.whatsapp.fake_graph --port 8999     # then META_GRAPH_URL=http://127.0.0.1:8999
"""

from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Meta's own wording for the errors tests ask for most (any other code gets a generic message).
ERROR_TITLES: dict[int, str] = {
    4: "Application request limit reached",
    190: "Error validating access token: Session has expired",
    368: "Temporarily blocked for policies violations",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131051: "Unsupported message type",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None
    accepted: bool = False  # a message the fake answered with a wamid
    at: float = field(default_factory=time.monotonic)  # when it arrived (rate limits are measured here)

    @property
    def edge(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class FailureRule:
    """Fail matching requests with a Meta error; `times=None` means every time."""

    code: int
    http_status: int = 400
    times: int | None = 1
    edge: str | None = "messages"  # "messages", "subscribed_apps", "access_token", …; None: any
    to: str | None = None  # only messages to this recipient
    message_type: str | None = None  # only this message type ("text", "interactive", "template")
    details: str | None = None
    matched: int = 0

    def matches(self, request: RecordedRequest) -> bool:
        if self.times is not None and self.matched >= self.times:
            return False
        if self.edge is not None and request.edge != self.edge:
            return False
        body = request.body if isinstance(request.body, dict) else {}
        if self.edge == "messages" and body.get("status") == "read":
            return False  # read receipts never fail unless a rule says edge=None
        if self.to is not None and body.get("to") != self.to and body.get("recipient") != self.to:
            return False
        if self.message_type is not None and body.get("type") != self.message_type:
            return False
        return True


@dataclass
class FakeGraphApi:
    """The fake's state: what it was asked, what it answers, what it should refuse."""

    access_token: str = "EAAG-fake-business-token"
    phone_numbers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # waba id → numbers
    accepted_tokens: set[str] | None = None  # None: any non-empty bearer token is accepted
    requests: list[RecordedRequest] = field(default_factory=list)
    failures: list[FailureRule] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail(self, code: int, **rule: Any) -> FailureRule:
        """Make matching requests fail with `code` (see FailureRule for the filters)."""
        failure = FailureRule(code=code, **rule)
        self.failures.append(failure)
        return failure

    def clear(self) -> None:
        self.requests.clear()
        self.failures.clear()

    def messages(self) -> list[dict[str, Any]]:
        """Bodies of the messages accepted (not read receipts, not refused ones)."""
        return [request.body for request in self.requests if request.edge == "messages" and request.accepted]

    def read_receipts(self) -> list[dict[str, Any]]:
        return [
            request.body
            for request in self.requests
            if request.edge == "messages" and isinstance(request.body, dict) and request.body.get("status") == "read"
        ]

    def calls(self, edge: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.edge == edge]

    def app(self) -> web.Application:
        """The aiohttp application serving this fake."""
        app = web.Application()
        app.router.add_get("/{version}/oauth/access_token", self._oauth)
        app.router.add_route("*", "/{version}/{node}/{edge}", self._edge)
        app.router.add_get("/{version}/{node}", self._node)
        return app

    # --- handlers -------------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> RecordedRequest:
        body: Any = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = (await request.text())[:2000]
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            body=body if body is not None else {},
            authorization=request.headers.get("Authorization"),
        )
        self.requests.append(recorded)
        return recorded

    def _refusal(self, recorded: RecordedRequest, needs_token: bool = True) -> web.Response | None:
        if needs_token:
            token = (recorded.authorization or "").removeprefix("Bearer ").strip()
            if not token or (self.accepted_tokens is not None and token not in self.accepted_tokens):
                return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        for rule in self.failures:
            if rule.matches(recorded):
                rule.matched += 1
                title = ERROR_TITLES.get(rule.code, f"Fake Graph API error {rule.code}")
                return _error(rule.http_status, rule.code, title, rule.details)
        return None

    async def _oauth(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        refusal = self._refusal(recorded, needs_token=False)
        if refusal is not None:
            return refusal
        if not all(recorded.query.get(key) for key in ("client_id", "client_secret", "code")):
            return _error(400, 100, "Missing client_id, client_secret or code")
        return web.json_response({"access_token": self.access_token, "token_type": "bearer"})

    async def _edge(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        refusal = self._refusal(recorded)
        if refusal is not None:
            return refusal
        node, edge = request.match_info["node"], request.match_info["edge"]
        body = recorded.body if isinstance(recorded.body, dict) else {}
        if edge == "messages" and request.method == "POST":
            if body.get("status") == "read":
                return web.json_response({"success": True})
            if body.get("messaging_product") != "whatsapp" or not (body.get("to") or body.get("recipient")):
                return _error(400, 100, "Invalid parameter")
            recorded.accepted = True
            recipient = body.get("to") or body.get("recipient")
            contact = (
                {"input": recipient, "wa_id": recipient}
                if body.get("to")
                else {"input": recipient, "user_id": recipient}
            )
            wamid = f"wamid.FAKE{next(self._ids):08d}"
            return web.json_response(
                {"messaging_product": "whatsapp", "contacts": [contact], "messages": [{"id": wamid}]}
            )
        if edge == "message_templates" and request.method == "POST":
            return web.json_response(
                {"id": str(next(self._ids)), "status": "PENDING", "category": body.get("category", "UTILITY")}
            )
        if edge == "subscribed_apps" and request.method == "POST":
            return web.json_response({"success": True})
        if edge == "phone_numbers" and request.method == "GET":
            return web.json_response({"data": self.phone_numbers.get(node, [])})
        if edge == "smb_app_data" and request.method == "POST":
            if body.get("sync_type") not in ("smb_app_state_sync", "history"):
                return _error(400, 100, "Invalid sync_type")
            return web.json_response({"success": True, "request_id": f"sync-{next(self._ids)}"})
        return _error(400, 100, f"Unsupported {request.method} request to /{node}/{edge}")

    async def _node(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        refusal = self._refusal(recorded)
        if refusal is not None:
            return refusal
        node = request.match_info["node"]
        known = {number.get("id"): number for numbers in self.phone_numbers.values() for number in numbers}
        number = known.get(node, {"id": node})
        fields = [name for name in recorded.query.get("fields", "").split(",") if name]
        answer = {"id": node}
        defaults = {"is_on_biz_app": True, "platform_type": "CLOUD_API"}
        for name in fields:
            answer[name] = number.get(name, defaults.get(name))
        return web.json_response(answer)


def _error(status: int, code: int, message: str, details: str | None = None) -> web.Response:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AFakeTrace"}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return web.json_response({"error": error}, status=status)


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake Graph API on loopback for trying Yume without Meta.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8999)
    args = parser.parse_args()
    fake = FakeGraphApi(
        phone_numbers={"demo-waba": [{"id": "demo-phone-number-id", "display_phone_number": "+52 55 1234 5678"}]}
    )
    print(f"Fake Graph API on http://{args.host}:{args.port} (set META_GRAPH_URL to it)")
    web.run_app(fake.app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
