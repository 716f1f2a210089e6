"""Meta's webhook signature: HMAC-SHA256 of the raw request bytes with the app secret."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta sends for `body` ("sha256=<hex>"); tests and the demo use it to sign."""
    return _PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, header: str | None, app_secret: str | None) -> bool:
    """Whether `header` signs exactly these bytes; compared in constant time.

    The bytes must be the body as received: re-serialised JSON (Meta escapes unicode) differs.
    No secret configured means nothing can be verified, so nothing is accepted.
    """
    if not app_secret or not header or not header.startswith(_PREFIX):
        return False
    expected = sign(body, app_secret)
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))
