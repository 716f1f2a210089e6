"""Fuzzing the webhook: mutated real payloads, wrong JSON types and garbage, all validly signed.

Whatever arrives, the answer is 200 (stored) or a 4xx (refused, nothing stored) — never a 500 —
and processing what was stored never takes the channel down.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from store.channel import InboxEvent
from tests.whatsapp.support import RecordingEngine, corpus, post_webhook, seed_business

EXAMPLES = int(__import__("os").environ.get("YUME_FUZZ_EXAMPLES", "120"))
CASES = sorted(corpus())

json_leaves = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
weird_text = st.sampled_from(["", "\x00", "\ud800", "<script>", "9" * 400, "🙂" * 50, "-1", "1e309", "null"])


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path] if isinstance(node, (dict, list)) and node else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _containers(child, (*path, key))
    return found


def _at(document: Any, path: tuple) -> Any:
    for key in path:
        document = document[key]
    return document


def _mutated(data: st.DataObject) -> Any:
    document = copy.deepcopy(corpus()[data.draw(st.sampled_from(CASES))])
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _containers(document)
        if not paths:
            break
        parent = _at(document, data.draw(st.sampled_from(paths)))
        key = data.draw(st.sampled_from(list(parent.keys()) if isinstance(parent, dict) else list(range(len(parent)))))
        action = data.draw(st.sampled_from(["replace", "weird", "delete", "wrap", "stringify"]))
        if action == "replace":
            parent[key] = data.draw(json_values)
        elif action == "weird":
            parent[key] = data.draw(weird_text)
        elif action == "delete":
            del parent[key]
        elif action == "wrap":
            parent[key] = [parent[key]]
        else:
            parent[key] = json.dumps(parent[key])
    return document


def _body(data: st.DataObject) -> bytes:
    kind = data.draw(st.sampled_from(["mutated"] * 6 + ["json", "garbage", "truncated", "wrong_root"]))
    if kind == "json":
        return json.dumps(data.draw(json_values)).encode()
    if kind == "garbage":
        return data.draw(st.binary(max_size=300))
    if kind == "truncated":
        raw = json.dumps(corpus()[data.draw(st.sampled_from(CASES))]).encode()
        return raw[: data.draw(st.integers(0, len(raw) - 1))]
    if kind == "wrong_root":
        return json.dumps({"object": "whatsapp_business_account", "entry": data.draw(json_values)}).encode()
    return json.dumps(_mutated(data)).encode()


def _bodies(count: int) -> list[bytes]:
    bodies: list[bytes] = []

    @settings(
        max_examples=count, database=None, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(st.data())
    def draw(data: st.DataObject) -> None:
        bodies.append(_body(data))

    draw()
    return bodies


async def test_mutated_payloads_and_garbage_get_200_or_4xx_never_500(db, make_channel) -> None:
    await seed_business(db)
    client, channel = await make_channel(engine=RecordingEngine(db))
    statuses: dict[int, int] = {}
    for body in _bodies(EXAMPLES):
        response = await post_webhook(client, None, raw=body)
        statuses[response.status] = statuses.get(response.status, 0) + 1
        assert response.status == 200 or 400 <= response.status < 500, (response.status, body[:300])
    assert statuses.get(200, 0) > EXAMPLES // 2, statuses  # most mutations are still deliveries, stored
    await channel.settle(timeout=60)
    async with db.transaction() as session:
        rows = list((await session.execute(select(InboxEvent))).scalars())
    assert rows
    crashed = [row for row in rows if row.last_error and not row.last_error.startswith(("skipped:", "waiting for"))]
    assert crashed == [], [(row.event_key, row.last_error) for row in crashed]
