"""The business as a conversation needs it: name, address, hours, services, people, settings.

Read from the database (never from YAML) and turned into the NLU catalog. `FactsCache` keeps them
per process and checks them once per turn against `organization.facts_version`, which database
triggers bump on every change (store/facts.py): one indexed read instead of four queries, and
never stale, whichever process or path made the change.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from collections import OrderedDict
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nlu.catalog import Catalog
from nlu.catalog import Service as CatalogService
from nlu.catalog import StaffMember as CatalogStaff
from scheduler.availability import business_hours_on
from scheduler.booking import KnownBusiness
from scheduler.calendar import Business, load_business, staff_hours
from store.facts import facts_version
from store.plan import organization_read
from store.hours import WEEKDAY_KEYS, HoursRange, WeeklyHours
from store.models import OrganizationKind, ServiceType, Staff, StaffRole, StaffService


@dataclass(frozen=True)
class BusinessFacts:
    """One business at the start of a turn: what it sells, who works there, when it opens."""

    calendar: Business
    services: tuple[ServiceType, ...]  # active, by name
    staff: tuple[Staff, ...]  # active, by name
    # Each active staff member's own weekly hours (absent: they work the business's hours) and the
    # services they do (besides everything, for those who offer all services).
    staff_hours: Mapping[uuid.UUID, WeeklyHours] = field(default_factory=dict)
    staff_services: Mapping[uuid.UUID, frozenset[uuid.UUID]] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.calendar.id

    @property
    def name(self) -> str:
        return self.calendar.organization.name

    @property
    def is_platform(self) -> bool:
        """Yume's own number, where new businesses sign up (`Organization.kind`)."""
        return self.calendar.organization.kind == OrganizationKind.platform

    @property
    def tz(self) -> ZoneInfo:
        return self.calendar.tz

    @property
    def address(self) -> str | None:
        return self.calendar.location.address if self.calendar.location else None

    @property
    def owner(self) -> Staff | None:
        """The first owner (by name): who questions and hand-offs go to."""
        return next((member for member in self.staff if member.role == StaffRole.owner), None)

    def service(self, service_id: uuid.UUID | str | None) -> ServiceType | None:
        """An active service by id."""
        if service_id is None:
            return None
        wanted = uuid.UUID(str(service_id))
        return next((service for service in self.services if service.id == wanted), None)

    def service_named(self, name: str | None) -> ServiceType | None:
        """An active service by its catalog name (the NLU returns names exactly as in the catalog)."""
        if not name:
            return None
        folded = name.casefold()
        return next((service for service in self.services if service.name.casefold() == folded), None)

    def staff_member(self, staff_id: uuid.UUID | str | None) -> Staff | None:
        """An active staff member by id."""
        if staff_id is None:
            return None
        wanted = uuid.UUID(str(staff_id))
        return next((member for member in self.staff if member.id == wanted), None)

    def staff_named(self, name: str | None) -> Staff | None:
        """A staff member by catalog name, or by first name ("con Pedro")."""
        if not name:
            return None
        folded = name.casefold().strip()
        for member in self.staff:
            if member.name.casefold() == folded:
                return member
        matches = [member for member in self.staff if member.name.casefold().split(" ")[0] == folded.split(" ")[0]]
        return matches[0] if len(matches) == 1 else None

    def eligible(self, service_id: uuid.UUID, staff_id: uuid.UUID | None = None) -> tuple[list[Staff], dict[uuid.UUID, WeeklyHours]]:
        """Who does the service (one person, when asked), by name, and their own hours: as `eligible_staff_with_hours` reads them."""
        members = sorted(
            (
                member
                for member in self.staff
                if (staff_id is None or member.id == staff_id)
                and (member.offers_all_services or service_id in self.staff_services.get(member.id, ()))
            ),
            key=lambda member: (member.name, str(member.id)),
        )
        return members, {member.id: self.staff_hours[member.id] for member in members if member.id in self.staff_hours}

    def day_hours(self, day: dt.date) -> tuple[HoursRange, ...]:
        """The business's opening ranges on a local day, a special day's own included (empty: closed)."""
        return tuple(business_hours_on(day, self.calendar.hours, self.calendar.special))

    def is_open_on(self, day: dt.date) -> bool:
        return bool(self.day_hours(day))

    def today(self, now: dt.datetime) -> dt.date:
        """The local date at `now`."""
        return now.astimezone(self.tz).date()

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def at(self, day: dt.date, clock: dt.time) -> dt.datetime:
        """A local wall-clock time as an aware datetime."""
        return dt.datetime.combine(day, clock, tzinfo=self.tz)

    @cached_property
    def catalog(self) -> Catalog:
        """What the NLU may know: services, staff names, hours, timezone (never customers)."""
        hours: dict[str, list[tuple[dt.time, dt.time]]] = {}
        for index, key in enumerate(WEEKDAY_KEYS):
            ranges = self.calendar.hours.get(index, ())
            hours[key] = [(_minutes_to_time(rng.start), _minutes_to_time(rng.end)) for rng in ranges]
        return Catalog(
            name=self.name,
            timezone=self.calendar.organization.timezone,
            address=self.address,
            services=[
                CatalogService(name=s.name, minutes=s.duration_minutes, price=Decimal(s.price_cents) / 100)
                for s in self.services
            ],
            staff=[
                CatalogStaff(name=m.name, role="owner" if m.role == StaffRole.owner else "staff") for m in self.staff
            ],
            hours=hours,
        )


def known_business(session: AsyncSession, facts: BusinessFacts) -> KnownBusiness | None:
    """The facts, for a booking, if this transaction read the organization row and its version matches; else None.

    A booking reads that row first (the plan's count), so this costs no query; anywhere else the
    booking reads the business again, as before.
    """
    organization = organization_read(session, facts.id)
    if organization is None or organization.facts_version != facts.calendar.organization.facts_version:
        return None
    return KnownBusiness(business=facts.calendar, eligible=facts.eligible)


async def load_facts(session: AsyncSession, organization_id: uuid.UUID) -> BusinessFacts:
    """The business's facts as they are now."""
    calendar = await load_business(session, organization_id)
    services = (
        await session.execute(
            select(ServiceType)
            .where(ServiceType.organization_id == organization_id, ServiceType.active.is_(True))
            .order_by(ServiceType.created_at, ServiceType.name)
        )
    ).scalars().all()
    staff = (
        await session.execute(
            select(Staff).where(Staff.organization_id == organization_id, Staff.active.is_(True)).order_by(Staff.name)
        )
    ).scalars().all()
    ids = [member.id for member in staff]
    performs: dict[uuid.UUID, set[uuid.UUID]] = {}
    if ids:
        rows = await session.execute(select(StaffService.staff_id, StaffService.service_id).where(StaffService.staff_id.in_(ids)))
        for staff_id, service_id in rows.all():
            performs.setdefault(staff_id, set()).add(service_id)
    return BusinessFacts(
        calendar=calendar,
        services=tuple(services),
        staff=tuple(staff),
        staff_hours=await staff_hours(session, ids),
        staff_services={staff_id: frozenset(services) for staff_id, services in performs.items()},
    )


class Unread:
    """No value read yet (distinct from None, which is a value: no such organization)."""


UNREAD = Unread()


class FactsCache:
    """Each business's facts, kept by this process while its `facts_version` stays the same.

    The cached objects are detached and shared between turns: read them, never change them (a
    change goes through the turn's own session, which loads its own copy).
    """

    def __init__(self, max_businesses: int = 1000) -> None:
        self.max_businesses = max_businesses
        self.hits = 0
        self.loads = 0
        self._facts: OrderedDict[uuid.UUID, tuple[int, BusinessFacts]] = OrderedDict()

    async def load(self, session: AsyncSession, organization_id: uuid.UUID, version: int | None | Unread = UNREAD) -> BusinessFacts:
        """The business's facts as they are now: from memory when the version says so.

        `version`: the organization's facts version when the caller already read it in this transaction.
        """
        if isinstance(version, Unread):
            version = await facts_version(session, organization_id)  # read before loading: never newer than the facts
        cached = self._facts.get(organization_id)
        if version is not None and cached is not None and cached[0] == version:
            self.hits += 1
            self._facts.move_to_end(organization_id)
            return cached[1]
        facts = await load_facts(session, organization_id)
        # Shared by later turns: never tied to this session (a rollback would expire them all).
        for row in (facts.calendar.organization, facts.calendar.location, *facts.services, *facts.staff):
            if row is not None and row in session:
                session.expunge(row)
        self.loads += 1
        if version is not None:
            self._facts[organization_id] = (version, facts)
            self._facts.move_to_end(organization_id)
            while len(self._facts) > self.max_businesses:
                self._facts.popitem(last=False)
        return facts


def _minutes_to_time(minutes: int) -> dt.time:
    return dt.time(23, 59) if minutes >= 24 * 60 else dt.time(minutes // 60, minutes % 60)
