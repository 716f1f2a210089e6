"""Secrets in links and headers: admin API tokens, and the one digest every stored secret gets."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime, utcnow


def secret_digest(token: str) -> str:
    """What the database keeps of a secret token: its sha256, hex.

    Tokens are 256 random bits, so a fast hash is enough (no salt); a leaked database then leaks
    no working token.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(SQLModel, table=True):
    """A bearer token scoped to one organization; the clear text is shown once and never stored."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    name: str = Field(sa_type=String(100))  # who holds it ("panel", "integración Zapier")
    # secret_digest() of the token.
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
