"""A recording stand-in for the Messages API that answers as the rule engine would.

`yume replay fixtures/conversations --nlu claude` against it counts the Claude calls Yume makes
(and the tokens it sends) while the conversations go exactly as with the rules, so the count
measures when Claude is asked, not what it says. It rebuilds the message's context from the
prompt Yume sent (catalog, clock, role, what was asked, options) and returns the rules' reading
as the `record_reading` tool call.

    python -m tests.nlu.rules_echo_anthropic --port 8765     # then, in another shell:
    ANTHROPIC_API_KEY=x ANTHROPIC_BASE_URL=http://127.0.0.1:8765 yume replay fixtures/conversations --nlu claude
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any, TextIO

from aiohttp import web

from nlu.catalog import Catalog, Service, StaffMember, parse_time_range
from nlu.context import Expecting, NluContext
from nlu.rules import RuleEngine
from nlu.understanding import Role, Understanding
from tests.nlu.fake_anthropic import TOOL, message

_SERVICE = re.compile(r"^- (?P<name>.+) \((?P<minutes>\d+) min, \$(?P<price>[\d.]+)\)$")
_STAFF = re.compile(r"^- (?P<name>.+) \((?P<role>owner|staff)\)$")
_HOURS = re.compile(r"^- (?P<day>mon|tue|wed|thu|fri|sat|sun): (?P<ranges>.+)$")


def context_from_prompt(static: str, dynamic: str) -> NluContext:
    """The NluContext a Yume prompt was written from (what `nlu.claude` puts in the system prompt)."""
    business = re.search(r"^Business: (?P<name>.+) \(timezone (?P<tz>[^)]+)\)$", static, re.M)
    assert business is not None, "not a Yume prompt"
    services, staff, hours = [], [], {}
    section = ""
    for line in static.splitlines():
        if line.startswith(("Services", "Staff", "Opening hours")):
            section = line.split()[0]
        elif section == "Services" and (m := _SERVICE.match(line)):
            services.append(Service(name=m["name"], minutes=int(m["minutes"]), price=m["price"]))
        elif section == "Staff" and (m := _STAFF.match(line)):
            staff.append(StaffMember(name=m["name"], role=m["role"]))
        elif section == "Opening" and (m := _HOURS.match(line)):
            hours[m["day"]] = [] if m["ranges"] == "closed" else [parse_time_range(r) for r in m["ranges"].split(", ")]
    catalog = Catalog(name=business["name"], timezone=business["tz"], services=services, staff=staff, hours=hours)
    now = re.search(r"^Now: (\S+ \S+) ", dynamic, re.M)
    role = re.search(r"^The writer is an? (\w+)\.$", dynamic, re.M)
    step = re.search(r"^Conversation step: (.+)\.$", dynamic, re.M)
    expecting = re.search(r"^Yume just asked for: (\w+)\.$", dynamic, re.M)
    options = re.search(r"^Options just offered: (.+)\.$", dynamic, re.M)
    assert now is not None and role is not None
    return NluContext(
        now=dt.datetime.fromisoformat(now.group(1)).replace(tzinfo=catalog.tz), catalog=catalog, role=Role(role.group(1)),
        step=step.group(1) if step else None, expecting=Expecting(expecting.group(1)) if expecting else None,
        options=[re.sub(r"^\d+\. ", "", o) for o in options.group(1).split("; ")] if options else [],
    )


def reading_of(understanding: Understanding) -> dict[str, Any]:
    """An `Understanding` as the tool input Claude would send (dates and times as absolute parts)."""
    slots = understanding.slots
    data: dict[str, Any] = {"intent": understanding.intent.value}
    for name in ("service", "staff", "person_name", "phone", "choice", "reason", "message", "minutes", "new_service",
                 "weekdays", "services", "all_services", "closed", "asap", "guest", "guest_name", "child", "next_only",
                 "language"):
        value = getattr(slots, name)
        if value is not None:
            data[name] = value
    if slots.price is not None:
        data["price"] = float(slots.price)
    if slots.also:
        data["also"] = [i.value for i in slots.also]
    when: dict[str, Any] = {}
    if slots.date:
        when["day"] = {"day": slots.date.day, "month": slots.date.month, "year": slots.date.year}
    if slots.date_end:
        when["day_end"] = {"day": slots.date_end.day, "month": slots.date_end.month, "year": slots.date_end.year}
    if slots.time:
        when["time"] = {"hour": slots.time.hour, "minute": slots.time.minute}
    if slots.time_end:
        when["time_end"] = {"hour": slots.time_end.hour, "minute": slots.time_end.minute}
    if slots.part_of_day:
        when["part_of_day"] = slots.part_of_day
    if when:
        data["when"] = when
    before: dict[str, Any] = {}
    if slots.from_date:
        before["day"] = {"day": slots.from_date.day, "month": slots.from_date.month, "year": slots.from_date.year}
    if slots.from_time:
        before["time"] = {"hour": slots.from_time.hour, "minute": slots.from_time.minute}
    if before:
        data["from_when"] = before
    return data


class RulesEcho:
    """POST /v1/messages: the rules' reading of the message as a tool call; counts calls and tokens."""

    def __init__(self, log: TextIO | None = None) -> None:
        self.log = log  # one line per call: role, what was asked, the reading, the text
        self.engine = RuleEngine()
        self.calls = 0
        self.input_characters = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        return app

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls += 1
        static, dynamic = (block["text"] for block in body["system"])
        text = body["messages"][0]["content"]
        self.input_characters += len(static) + len(dynamic) + len(str(body.get("tools"))) + len(text)
        context = context_from_prompt(static, dynamic)
        understanding = self.engine.read(text, context)
        if self.log is not None:
            expecting = context.expecting.value if context.expecting else "-"
            print(f"{context.role.value}\t{expecting}\t{understanding.intent.value}\t{text!r}", file=self.log, flush=True)
        tokens = self.input_characters // 4
        reply = message([{"type": "tool_use", "id": f"toolu_{self.calls}", "name": TOOL, "input": reading_of(understanding)}],
                        "tool_use")
        reply["usage"] = {"input_tokens": tokens // self.calls, "output_tokens": 40, "cache_read_input_tokens": 0,
                          "cache_creation_input_tokens": 0}
        return web.json_response(reply)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--log", type=argparse.FileType("w"), help="write one line per call (role, asked, intent, text)")
    args = parser.parse_args()
    echo = RulesEcho(args.log)
    try:
        web.run_app(echo.app(), host="127.0.0.1", port=args.port, print=None)
    finally:
        print(f"claude stand-in: {echo.calls} calls, ~{echo.input_characters // 4} input tokens")


if __name__ == "__main__":
    main()
