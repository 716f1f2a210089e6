"""How the rest of Yume gets an understander: the `Understander` protocol and its factory.

    understander = build_understander(**NluSettings.from_env().as_kwargs())
    understanding = await understander.understand(text, context)

Without an API key the rule engine is the understander; with one, Claude, falling back to rules.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from nlu.claude import DEFAULT_MODEL, DEFAULT_TIMEOUT_S, ClaudeEngine
from nlu.context import NluContext
from nlu.rules import RuleEngine
from nlu.stats import NluStats
from nlu.understanding import Understanding


@runtime_checkable
class Understander(Protocol):
    """Anything that turns one message, in context, into an `Understanding`."""

    name: str
    stats: NluStats

    async def understand(self, text: str, context: NluContext) -> Understanding:
        """Understand one message."""
        ...


@dataclass(frozen=True)
class NluSettings:
    """NLU settings, usually from the environment."""

    api_key: str | None = None
    model: str | None = None
    base_url: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NluSettings:
        """ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, YUME_NLU_MODEL, YUME_NLU_TIMEOUT_S."""
        env = os.environ if environ is None else environ
        timeout = env.get("YUME_NLU_TIMEOUT_S")
        return cls(
            api_key=env.get("ANTHROPIC_API_KEY") or None,
            model=env.get("YUME_NLU_MODEL") or DEFAULT_MODEL,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
            timeout_s=float(timeout) if timeout else DEFAULT_TIMEOUT_S,
        )

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `build_understander`."""
        return {"api_key": self.api_key, "model": self.model, "base_url": self.base_url, "timeout_s": self.timeout_s}


def build_understander(
    *, api_key: str | None, model: str | None = None, base_url: str | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
    backstop: bool = True,
) -> Understander:
    """The rule engine (with its learned backstop) without a key; otherwise Claude with the rule engine as fallback."""
    if not api_key:
        return RuleEngine(backstop=backstop)
    return ClaudeEngine(
        api_key=api_key, model=model, base_url=base_url, timeout_s=timeout_s, fallback=RuleEngine(backstop=backstop),
    )
