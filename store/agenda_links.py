"""Week-agenda links (`/<organization>/agenda?t=<token>`): a staff member's expiring, revocable key.

«ver mi semana» gets a link bound to the person who asked: it opens what *they* may see, read
with their permissions at the moment the page is opened (a permission taken away applies to links
already sent). A link works until `expires_at` (12 h) unless revoked; revoking is per person
(every open link of theirs at once), and a person no longer active loses every link. Only the
token's digest is stored. Each link has its own CSRF token for the page's one action (marking an
appointment completed or a no-show).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Index, String, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from store.people import Staff
from store.tokens import secret_digest
from store.types import UTCDateTime

AGENDA_LINK_LIFETIME = timedelta(hours=12)
MAX_TOKEN_LENGTH = 64


class AgendaLink(SQLModel, table=True):
    """One link to the week page, issued to one staff member."""

    __table_args__ = (Index("ix_agendalink_staff_expires", "staff_id", "expires_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organization_id: uuid.UUID = Field(foreign_key="organization.id", ondelete="CASCADE")
    staff_id: uuid.UUID = Field(foreign_key="staff.id", ondelete="CASCADE")
    token_hash: str = Field(sa_type=String(64), unique=True)  # secret_digest() of the token
    csrf_token: str = Field(sa_type=String(64))  # sent back by the page's forms
    issued_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Refusal(StrEnum):
    """Why a link does not open the page."""

    unknown = "unknown"  # never issued, mistyped, or another business's
    expired = "expired"
    revoked = "revoked"
    not_in_team = "not_in_team"  # the person was deactivated or removed


@dataclass(frozen=True)
class IssuedLink:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Holder:
    """Who opened the page: the link and the staff member it was issued to (as they are now)."""

    link: AgendaLink
    staff: Staff


class LinkRefused(Exception):
    """The link does not open the page; `reason` says why (each has its own Spanish page)."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


def agenda_path(organization_id: uuid.UUID | str) -> str:
    """The page's path for one business (the token goes in `?t=`)."""
    return f"/{organization_id}/agenda"


async def issue_agenda_link(
    session: AsyncSession, staff: Staff, now: datetime, lifetime: timedelta = AGENDA_LINK_LIFETIME
) -> IssuedLink:
    """A new link for this staff member (their earlier links keep working until they expire)."""
    token = secrets.token_urlsafe(32)
    link = AgendaLink(
        organization_id=staff.organization_id,
        staff_id=staff.id,
        token_hash=secret_digest(token),
        csrf_token=secrets.token_urlsafe(32),
        issued_at=now,
        expires_at=now + lifetime,
    )
    session.add(link)
    await session.flush()
    return IssuedLink(token=token, expires_at=link.expires_at)


async def agenda_link_holder(
    session: AsyncSession, organization_id: uuid.UUID, token: str | None, now: datetime
) -> Holder:
    """The holder of a link presented for `organization_id`'s page; LinkRefused saying why not."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkRefused(Refusal.unknown)
    link = (
        await session.execute(select(AgendaLink).where(AgendaLink.token_hash == secret_digest(token)))
    ).scalar_one_or_none()
    # Another business's link is "unknown" here: the page never says whose it is.
    if link is None or link.organization_id != organization_id:
        raise LinkRefused(Refusal.unknown)
    if link.revoked_at is not None:
        raise LinkRefused(Refusal.revoked)
    if now >= link.expires_at:
        raise LinkRefused(Refusal.expired)
    staff = await session.get(Staff, link.staff_id)
    if staff is None or not staff.active or staff.organization_id != organization_id:
        raise LinkRefused(Refusal.not_in_team)
    return Holder(link=link, staff=staff)


async def revoke_agenda_links(session: AsyncSession, staff_id: uuid.UUID, now: datetime) -> int:
    """Close every open link of this staff member at once; how many there were."""
    result = await session.execute(
        update(AgendaLink)
        .where(AgendaLink.staff_id == staff_id, AgendaLink.revoked_at.is_(None), AgendaLink.expires_at > now)
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)
