"""Graph API errors and what to do about each: retry later, resend as a template, or give up.

The classification follows the Cloud API reference (`shared/reference/whatsapp-cloud-api.md`):
only throttling and Meta's own transient failures are retried; a closed 24-hour window (131047)
is answered with the approved template; everything else is permanent and recorded with its
reason, never retried in a loop.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

# Throughput (130429), pair rate limit (131056), API throttling (4, 80007), Meta-side failures.
RETRYABLE_CODES: frozenset[int] = frozenset({130429, 131056, 4, 80007, 131000, 131016})
WINDOW_CLOSED = 131047
PAIR_RATE_LIMIT = 131056
# Problems of the whole account (token, permissions, restrictions, payment): the owner or the
# operator must act, every message to every customer fails the same way.
ACCOUNT_CODES: frozenset[int] = frozenset({0, 190, 10, 368, 131031, 131042, 131030}) | frozenset(range(200, 300))


class Disposition(StrEnum):
    retry = "retry"  # transient: try again after a backoff
    template = "template"  # outside the 24-hour window: resend as the approved template
    permanent = "permanent"  # record the reason and stop


class GraphApiError(Exception):
    """The Graph API refused a request (or could not be reached: `http_status` 0)."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int = 0,
        code: int | None = None,
        subcode: int | None = None,
        title: str | None = None,
        details: str | None = None,
        fbtrace_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.code = code
        self.subcode = subcode
        self.title = title
        self.details = details
        self.fbtrace_id = fbtrace_id

    @classmethod
    def from_response(cls, http_status: int, body: Any) -> GraphApiError:
        """The error Meta described in a non-2xx response body (or a generic one)."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return cls(f"HTTP {http_status} from the Graph API", http_status=http_status)
        data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
        code = error.get("code")
        subcode = error.get("error_subcode")
        return cls(
            str(error.get("message") or f"HTTP {http_status}"),
            http_status=http_status,
            code=code if isinstance(code, int) else None,
            subcode=subcode if isinstance(subcode, int) else None,
            title=error.get("error_user_title") or error.get("type"),
            details=data.get("details") if isinstance(data.get("details"), str) else None,
            fbtrace_id=error.get("fbtrace_id"),
        )

    @classmethod
    def unreachable(cls, reason: str) -> GraphApiError:
        """A network failure or timeout: the request may not have reached Meta."""
        return cls(f"Graph API unreachable: {reason}", http_status=0)

    @property
    def disposition(self) -> Disposition:
        return classify(self.code, self.subcode, self.http_status)

    @property
    def is_account_problem(self) -> bool:
        """Whether the whole business account is affected (reconnect, permissions, payment)."""
        return self.code in ACCOUNT_CODES or (self.code is not None and 132000 <= self.code <= 132018)

    def reason(self) -> str:
        """A one-line reason to store and show: "131026 Message undeliverable (details)"."""
        head = f"{self.code}" if self.code is not None else f"HTTP {self.http_status}"
        text = self.message if not self.details else f"{self.message} ({self.details})"
        return f"{head} {text}"[:1000]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "subcode": self.subcode,
            "http_status": self.http_status,
            "message": self.message,
            "details": self.details,
        }


def classify(code: int | None, subcode: int | None = None, http_status: int = 400) -> Disposition:
    """What to do after an error with this code, per the reference's list."""
    if code == WINDOW_CLOSED:
        return Disposition.template
    if code in RETRYABLE_CODES or subcode in RETRYABLE_CODES:
        return Disposition.retry
    if http_status == 0 or http_status >= 500:
        return Disposition.retry  # unreachable or Meta-side failure
    if http_status == 429 and code is None:
        return Disposition.retry
    return Disposition.permanent
