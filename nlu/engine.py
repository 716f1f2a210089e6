"""How the rest of Yume gets an understander: the `Understander` protocol and its factory.

    understander = build_understander(api_key=key, model=model, base_url=base_url, timeout_s=timeout_s)
    understanding = await understander.understand(text, context)

Without an API key the rule engine is the understander; with one, Claude, falling back to rules.
The values come from the caller (bot/settings.py reads the environment; the NLU never does).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from nlu.claude import DEFAULT_TIMEOUT_S, ClaudeEngine
from nlu.context import NluContext
from nlu.rules import RuleEngine
from nlu.stats import NluStats
from nlu.understanding import Understanding


@runtime_checkable
class Understander(Protocol):
    """Anything that turns one message, in context, into an `Understanding`."""

    name: str
    stats: NluStats
    # Optional `offline: bool`: True when it answers without the network (the conversation engine
    # may then read the message inside the turn's transaction instead of before it).

    async def understand(self, text: str, context: NluContext) -> Understanding:
        """Understand one message."""
        ...


def build_understander(
    *, api_key: str | None, model: str | None = None, base_url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
    backstop: bool = True, corpus: str | None = None, cache_dir: str | None = None,
) -> Understander:
    """The rule engine (with its learned backstop) without a key; otherwise Claude with the rule engine as fallback.

    `corpus` / `cache_dir`: where the learned backstop is trained from and cached (defaults in `nlu.learned`).
    """
    rules = RuleEngine(backstop=backstop, corpus=corpus, cache_dir=cache_dir)
    if not api_key:
        return rules
    return ClaudeEngine(api_key=api_key, model=model, base_url=base_url, timeout_s=timeout_s, fallback=rules)
