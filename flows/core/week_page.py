"""The link to the week page that «ver mi semana» gets: issued here, so any chat can hand one out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from store.agenda_links import agenda_path, issue_agenda_link
from store.models import Permission, Staff


@dataclass(frozen=True)
class WeekPageLink:
    url: str
    expires_at: datetime
    whole_business: bool  # True: everyone's columns; False: only the holder's own


async def week_page_link(session: AsyncSession, staff: Staff, now: datetime, base_url: str) -> WeekPageLink:
    """A new expiring link to the week agenda for this staff member (`{base_url}/{org}/agenda?t=…#hoy`)."""
    issued = await issue_agenda_link(session, staff, now)
    # "#hoy": the page opens on today (the section the server marks as today when it renders).
    url = f"{base_url.rstrip('/')}{agenda_path(staff.organization_id)}?{urlencode({'t': issued.token})}#hoy"
    return WeekPageLink(url=url, expires_at=issued.expires_at, whole_business=staff.may(Permission.view_business_schedule))
