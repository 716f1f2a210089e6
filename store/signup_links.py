"""Embedded Signup links (`/connect/<token>`): issued to a new business, used once, replaced, or expired.

Every link ever issued stays as a row, so a reopened link can say what became of it: «ya quedó
conectado» (used), «te mandé uno más nuevo» (replaced), «venció» (expired) — instead of one
"invalid link" for all. A business has at most one open link: issuing a new one replaces the
others. Only the token's digest is stored.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from store.tokens import secret_digest
from store.types import UTCDateTime

SIGNUP_LINK_LIFETIME = timedelta(days=7)
MAX_TOKEN_LENGTH = 64


class LinkState(StrEnum):
    open = "open"
    used = "used"
    replaced = "replaced"
    expired = "expired"


class SignupLink(SQLModel, table=True):
    """One issued Embedded Signup link of a business."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(sa_type=String(64), unique=True)  # secret_digest() of the token
    issued_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the business connected with it
    replaced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replaced_by_id: uuid.UUID | None = Field(default=None, foreign_key="signuplink.id", ondelete="SET NULL")

    def state(self, now: datetime) -> LinkState:
        """What became of the link (a used link stays "used" after it would have expired)."""
        if self.used_at is not None:
            return LinkState.used
        if self.replaced_at is not None:
            return LinkState.replaced
        if now >= self.expires_at:
            return LinkState.expired
        return LinkState.open


async def issue_signup_link(
    session: AsyncSession, organization_id: uuid.UUID, now: datetime, lifetime: timedelta = SIGNUP_LINK_LIFETIME
) -> str:
    """A new link's token for the business; its earlier open links are marked replaced by this one."""
    token = secrets.token_urlsafe(32)
    link = SignupLink(
        organization_id=organization_id, token_hash=secret_digest(token), issued_at=now, expires_at=now + lifetime
    )
    session.add(link)
    await session.flush()
    earlier = await session.execute(
        select(SignupLink).where(
            SignupLink.organization_id == organization_id,
            SignupLink.id != link.id,
            SignupLink.used_at.is_(None),
            SignupLink.replaced_at.is_(None),
        )
    )
    for old in earlier.scalars():
        old.replaced_at, old.replaced_by_id = now, link.id
    await session.flush()
    return token


async def find_signup_link(session: AsyncSession, token: str, *, for_update: bool = False) -> SignupLink | None:
    """The link behind a token as written in a URL, or None for a token never issued."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    query = select(SignupLink).where(SignupLink.token_hash == secret_digest(token))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()
