"""Counters an understander keeps, so replay and logs can say how often Claude was used."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class NluStats:
    """How messages were understood.

    - `messages`: messages understood, by any engine.
    - `calls`: HTTP requests sent to Claude (a retry is a second call).
    - `claude_answers`: messages Claude answered.
    - `fast_path`: messages the rule engine read with certainty, so Claude was not called.
    - `fallbacks`: messages the rule engine answered because Claude could not, by reason
      (`no_key`, `timeout`, `rate_limited`, `overloaded`, `api_error`, `connection`, `rejected`,
      `invalid_output`, `internal_error`, `circuit_open` — Claude skipped during a cool-down).
    - `input_tokens`, `output_tokens`, `cache_read_tokens`: what Claude's answers used (`usage`).
    - `model_answers`: messages whose intent the learned model decided (the rules were unsure).
    """

    messages: int = 0
    calls: int = 0
    claude_answers: int = 0
    fast_path: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    model_answers: int = 0

    @property
    def fallback_total(self) -> int:
        """All fallbacks, whatever the reason."""
        return sum(self.fallbacks.values())

    def summary(self) -> str:
        """One line for logs: "messages 10, claude calls 4, fast path 5, fallbacks 1 (timeout 1)"."""
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(self.fallbacks.items()))
        fallbacks = f"fallbacks {self.fallback_total}" + (f" ({reasons})" if reasons else "")
        return f"messages {self.messages}, claude calls {self.calls}, fast path {self.fast_path}, {fallbacks}"
