"""A machine's callback runs once per transition: python-statemachine calls every listener that
has the name, so a chat and one of its components must never both define an action or a guard."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from flows.core.chat import Chat
from flows.roles import ROLE_CHATS

FLOWS = Path(__file__).resolve().parents[2] / "flows"
NAMED = re.compile(r'(?:on|cond|unless|before|after|validators)="([a-z_]+)"')


def callback_names(chat: type[Chat]) -> set[str]:
    """Every name a machine of this chat may call on its model and listeners."""
    names = {name for path in FLOWS.rglob("*.py") for name in NAMED.findall(path.read_text())}
    for flow in chat.flows():
        names |= {f"on_enter_{state.id}" for state in flow.states} | {f"on_exit_{state.id}" for state in flow.states}
        names |= {f"{when}_{event.id}" for event in flow.events for when in ("on", "before", "after")}
    return names


@pytest.mark.parametrize("role", [role for role, chat in ROLE_CHATS.items() if issubclass(chat, Chat)])
def test_no_callback_is_defined_on_both_a_chat_and_its_components(role: str) -> None:
    chat = ROLE_CHATS[role]
    assert issubclass(chat, Chat)
    defined_by: dict[str, list[str]] = {}
    for holder in (chat, *chat.components):
        for name, _ in inspect.getmembers(holder):
            defined_by.setdefault(name, []).append(holder.__name__)
    twice = {name: defined_by[name] for name in callback_names(chat) if len(defined_by.get(name, [])) > 1}
    assert twice == {}, f"these would run once per holder: {twice}"
