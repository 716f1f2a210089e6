"""What each step of signing a business up says and does (the model `OnboardingFlow` runs on).

The person writing is a customer of Yume's own organization (kind platform); what they tell
us builds a new organization (kind business, status onboarding) where they are the owner. It is
found again by their phone, so the chat resumes even if its collected data is lost.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from flows.onboarding import replies as say
from flows.onboarding.base_chat import Chat, Heard, Turn
from flows.core.describe import service_info, week_hours
from flows.core.formatting import time_range
from flows.core.hours_change import HoursChange, new_week
from flows.onboarding.flow import OnboardingFlow
from flows.core.options import Option
from nlu.context import Expecting
from nlu.free_text import name_answer
from nlu.understanding import WEEKDAYS, Intent
from store.hours import minutes_to_time, parse_weekly_hours, weekly_hours_to_json
from store.models import (
    Customer,
    Location,
    NameSource,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    ServiceType,
    Staff,
    StaffRole,
)
from store.phones import display_phone
from store.signup_links import issue_signup_link

SERVICE_KEYS = ("service_name", "service_price", "service_minutes")
HOURS_KEYS = ("hours_weekdays", "hours_opens", "hours_closes", "hours_closed")
HELP_LINES = {
    "asking_business_name": "Escríbeme el nombre de tu negocio, por ejemplo «Barbería Los Primos».",
    "asking_owner_name": "Solo necesito tu nombre, por ejemplo «Ana López».",
    "asking_service": "Escríbeme un servicio con precio y duración, por ejemplo «Corte de cabello, 150, 45 min», o «ya».",
    "asking_service_price": "Escríbeme el precio, por ejemplo «150».",
    "asking_service_minutes": "Escríbeme cuánto dura, por ejemplo «45 min».",
    "asking_hours": "Por ejemplo «lunes a viernes de 10 a 8», «domingo cerrado», o «listo».",
    "deciding_on_staff": "Responde «sí» para agregar a alguien o «no».",
    "asking_staff_name": "Escríbeme su nombre, por ejemplo «Pedro Ruiz».",
    "asking_staff_phone": "Escríbeme su número, por ejemplo «55 1111 2222».",
}


class OnboardingChat(Chat):
    """Someone signing their business up: the model `OnboardingFlow` runs on."""

    flow = OnboardingFlow
    expires = False  # a sign-up left half-way resumes where it was, days later too

    def __init__(self, turn: Turn) -> None:
        super().__init__(turn)
        self.prospect: Customer = turn.person  # type: ignore[assignment]
        self._signup: Organization | None = None

    # =========================================================================================
    # Listening
    # =========================================================================================

    async def events_for(self, heard: Heard) -> list[str]:
        step, intent = self.state, heard.intent
        if step == "new":
            return ["wrote"]
        if step == "connecting":
            return ["wrote_again"]
        if intent == Intent.STOP:
            return ["gave_up"]
        answer = await self._answer(heard)
        if answer:
            return answer
        if intent in (Intent.GREET, Intent.THANKS):
            return ["digressed"]
        return ["was_not_understood"]

    async def _answer(self, heard: Heard) -> list[str]:
        step, slots, option = self.state, heard.slots, heard.option
        done = heard.intent == Intent.DENY or (option is not None and option.id == "done")
        if step == "asking_business_name":
            name = slots.message if heard.intent == Intent.INFORM else None
            if not name or not any(ch.isalpha() for ch in name):
                return []
            self.data["business_name"] = " ".join(name.split())[:200]
            return ["gave_business_name"]
        if step in ("asking_owner_name", "asking_staff_name"):
            name = _said_name(heard)
            if not name:
                return []
            self.data["owner_name" if step == "asking_owner_name" else "staff_name"] = name
            if step == "asking_staff_name" and slots.phone:
                await self._remember_staff_phone(slots.phone)
            return ["gave_owner_name" if step == "asking_owner_name" else "gave_staff_name"]
        if step == "asking_service":
            if done:
                return ["finished_services"]
            return ["gave_service"] if await self._remember_service(heard) else []
        if step == "asking_service_price":
            if slots.price is None:
                return []
            self.data["service_price"] = int(slots.price * 100)
            return ["gave_price"]
        if step == "asking_service_minutes":
            if not slots.minutes or slots.minutes > 12 * 60:
                return []
            self.data["service_minutes"] = slots.minutes
            return ["gave_minutes"]
        if step == "asking_hours":
            if done:
                return ["finished_hours"]
            return ["gave_hours"] if self._remember_hours(heard) else []
        if step == "deciding_on_staff":
            if (option is not None and option.id == "yes") or heard.intent == Intent.AFFIRM:
                return ["wants_staff"]
            return ["no_more_staff"] if done else []
        if step == "asking_staff_phone":
            return ["gave_staff_phone"] if slots.phone and await self._remember_staff_phone(slots.phone) else []
        return []

    async def _remember_service(self, heard: Heard) -> bool:
        slots = heard.slots
        if not slots.new_service:
            return False
        name = " ".join(slots.new_service.split())[:120]
        name = name[:1].upper() + name[1:]
        for key in SERVICE_KEYS:
            self.data.pop(key, None)
        if any(service.name.casefold() == name.casefold() for service in await self._services()):
            self.data["note"] = say.service_noted_already(name)
            return True
        self.data["service_name"] = name
        if slots.price is not None:
            self.data["service_price"] = int(slots.price * 100)
        if slots.minutes and slots.minutes <= 12 * 60:
            self.data["service_minutes"] = slots.minutes
        return True

    def _remember_hours(self, heard: Heard) -> bool:
        slots = heard.slots
        gave = False
        if slots.weekdays:
            self.data["hours_weekdays"] = [WEEKDAYS.index(day) for day in slots.weekdays]
            gave = True
        if slots.closed:
            self.data["hours_closed"] = True
            gave = True
        for key, clock in (("hours_opens", slots.time), ("hours_closes", slots.time_end)):
            if clock is not None:
                self.data[key] = clock.hour * 60 + clock.minute
                gave = True
        return gave

    async def _remember_staff_phone(self, phone: str) -> bool:
        self.data.pop("note", None)
        business = await self.signup()
        taken = None
        if business is not None:
            taken = (
                (
                    await self.session.execute(
                        select(Staff).where(Staff.organization_id == business.id, Staff.phone == phone)
                    )
                )
                .scalars()
                .first()
            )
        if taken is not None:
            self.data["note"] = say.phone_in_use(taken.name)
            self.data.pop("staff_phone", None)
        else:
            self.data["staff_phone"] = phone
        return True

    # =========================================================================================
    # Facts the guards check
    # =========================================================================================

    async def signup(self) -> Organization | None:
        """The business this person is signing up (by the id kept here, else by their phone as its owner)."""
        if self._signup is not None:
            return self._signup
        found = None
        if self.data.get("organization_id"):
            found = await self.session.get(Organization, uuid.UUID(self.data["organization_id"]))
        if found is None and self.prospect.phone:
            found = (
                (
                    await self.session.execute(
                        select(Organization)
                        .join(Staff, Staff.organization_id == Organization.id)
                        .where(
                            Staff.phone == self.prospect.phone,
                            Staff.role == StaffRole.owner,
                            Organization.kind == OrganizationKind.business,
                        )
                        .order_by(Organization.created_at.desc())
                        .limit(1)
                    )
                )
                .scalars()
                .first()
            )
        if found is not None:
            self.data["organization_id"] = str(found.id)
        self._signup = found
        return found

    async def has_business(self) -> bool:
        """Guard: the organization exists (they told us its name)."""
        return await self.signup() is not None

    async def knows_owner_name(self) -> bool:
        """Guard: the owner is registered."""
        return await self._owner() is not None

    async def has_services(self) -> bool:
        """Guard: at least one service."""
        return bool(await self._services())

    async def has_hours(self) -> bool:
        """Guard: open at least one day."""
        location = await self._location()
        return location is not None and any(parse_weekly_hours(location.business_hours).values())

    def knows_service_name(self) -> bool:
        """Guard: a new service's name (not one already noted)."""
        return bool(self.data.get("service_name"))

    def knows_service_price(self) -> bool:
        return "service_price" in self.data

    def knows_service_minutes(self) -> bool:
        return "service_minutes" in self.data

    async def knows_hours(self) -> bool:
        """Guard: which days, and either closed or both times."""
        return await self._week_after() is not None

    def knows_staff_phone(self) -> bool:
        """Guard: a WhatsApp number nobody on the team uses."""
        return bool(self.data.get("staff_phone"))

    async def _owner(self) -> Staff | None:
        business = await self.signup()
        if business is None:
            return None
        return (
            (
                await self.session.execute(
                    select(Staff).where(Staff.organization_id == business.id, Staff.role == StaffRole.owner).limit(1)
                )
            )
            .scalars()
            .first()
        )

    async def _services(self) -> list[ServiceType]:
        business = await self.signup()
        if business is None:
            return []
        rows = await self.session.execute(
            select(ServiceType)
            .where(ServiceType.organization_id == business.id)
            .order_by(ServiceType.created_at, ServiceType.name)
        )
        return list(rows.scalars().all())

    async def _location(self) -> Location | None:
        business = await self.signup()
        if business is None:
            return None
        return (
            (await self.session.execute(select(Location).where(Location.organization_id == business.id)))
            .scalars()
            .first()
        )

    async def _week_after(self) -> dict[int, Any] | None:
        """The business's week once the hours just said are added (None: not enough said)."""
        weekdays = tuple(self.data.get("hours_weekdays") or ())
        if not weekdays:
            return None
        location = await self._location()
        current = parse_weekly_hours(location.business_hours if location else {})
        change = HoursChange(
            weekdays, self.data.get("hours_opens"), self.data.get("hours_closes"), bool(self.data.get("hours_closed"))
        )
        if not change.closed and (change.opens is None or change.closes is None):
            return None
        return new_week(current, change)

    # =========================================================================================
    # The business and its owner
    # =========================================================================================

    async def on_enter_asking_business_name(self) -> None:
        self.ask(say.ask_business_name(), Expecting.FREE_TEXT, lead=say.WELCOME)

    async def on_gave_business_name(self) -> None:
        """The organization exists from its name on (status onboarding), with an empty location."""
        business = Organization(
            name=self.data.pop("business_name"),
            kind=OrganizationKind.business,
            status=OrganizationStatus.onboarding,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(business)
        await self.session.flush()
        self.session.add(
            Location(organization_id=business.id, business_hours={}, created_at=self.now, updated_at=self.now)
        )
        await self.session.flush()
        self._signup = business
        self.data["organization_id"] = str(business.id)

    def on_enter_asking_owner_name(self) -> None:
        suggested = self.prospect.name if self.prospect.name_source == NameSource.whatsapp_profile else None
        self.ask(say.ask_owner_name(suggested), Expecting.NAME)

    async def on_gave_owner_name(self) -> None:
        """The person writing becomes the owner (recognised by this phone once their number is connected)."""
        business = await self.signup()
        assert business is not None and self.prospect.phone
        name = self.data.pop("owner_name")
        location = await self._location()
        self.session.add(
            Staff(
                organization_id=business.id,
                location_id=location.id if location else None,
                name=name,
                phone=self.prospect.phone,
                role=StaffRole.owner,
                created_at=self.now,
                updated_at=self.now,
            )
        )
        if not self.prospect.name or self.prospect.name_source == NameSource.whatsapp_profile:
            self.prospect.name, self.prospect.name_source = name, NameSource.customer
        await self.session.flush()

    # =========================================================================================
    # Services
    # =========================================================================================

    async def on_enter_asking_service(self, event: str) -> None:
        services = await self._services()
        note = self.data.pop("note", None)
        if not services:
            if event == "finished_services":
                note = say.need_a_service()
            owner = await self._owner()
            reply = say.ask_first_service(owner.name if owner else "")
            self.ask(reply.prefixed(note, separator=" ") if note else reply, Expecting.SERVICE_NAME)
            return
        self.ask(say.ask_next_service([service_info(s) for s in services], note), Expecting.SERVICE_NAME)

    def on_enter_asking_service_price(self) -> None:
        self.ask(say.ask_service_price(self.data["service_name"]), Expecting.PRICE)

    def on_enter_asking_service_minutes(self) -> None:
        self.ask(say.ask_service_minutes(self.data["service_name"]), Expecting.MINUTES)

    async def save_service(self) -> None:
        business = await self.signup()
        assert business is not None
        self.session.add(
            ServiceType(
                organization_id=business.id,
                name=self.data["service_name"],
                price_cents=self.data["service_price"],
                duration_minutes=self.data["service_minutes"],
            )
        )
        await self.session.flush()
        for key in SERVICE_KEYS:
            self.data.pop(key, None)

    # =========================================================================================
    # Opening hours
    # =========================================================================================

    async def on_enter_asking_hours(self, event: str) -> None:
        location = await self._location()
        week = parse_weekly_hours(location.business_hours if location else {})
        note = self.data.pop("note", None)
        if event == "gave_hours" and not await self.knows_hours():
            opens, closes = self.data.get("hours_opens"), self.data.get("hours_closes")
            if opens is not None and closes is not None and not self.data.get("hours_weekdays"):
                note = say.which_days(_range_text(opens, closes))
            else:
                note = say.need_hours() if not any(week.values()) else None
        if event == "finished_hours" and not any(week.values()):
            note = say.need_hours()
        if not any(week.values()):
            self.ask(say.ask_first_hours(note), Expecting.OPENING_HOURS)
            return
        self.ask(say.ask_more_hours(week_hours(week), note), Expecting.OPENING_HOURS)

    async def save_hours(self) -> None:
        week = await self._week_after()
        location = await self._location()
        assert week is not None and location is not None
        location.business_hours = weekly_hours_to_json(week)
        location.updated_at = self.now
        for key in HOURS_KEYS:
            self.data.pop(key, None)

    # =========================================================================================
    # The team
    # =========================================================================================

    def on_enter_deciding_on_staff(self) -> None:
        added = self.data.pop("staff_added", None)
        self.ask(say.ask_about_staff(first_time=added is None, last_added=added), Expecting.YES_NO)

    def on_enter_asking_staff_name(self) -> None:
        self.ask(say.ask_staff_name(), Expecting.NAME)

    def on_enter_asking_staff_phone(self) -> None:
        self.ask(say.ask_staff_phone(self.data["staff_name"], self.data.pop("note", None)), Expecting.PHONE)

    async def save_staff(self) -> None:
        business = await self.signup()
        location = await self._location()
        assert business is not None
        name, phone = self.data.pop("staff_name"), self.data.pop("staff_phone")
        self.session.add(
            Staff(
                organization_id=business.id,
                location_id=location.id if location else None,
                name=name,
                phone=phone,
                role=StaffRole.employee,
                created_at=self.now,
                updated_at=self.now,
            )
        )
        await self.session.flush()
        self.data["staff_added"] = f"{name} ({display_phone(phone)})"

    # =========================================================================================
    # Connecting WhatsApp
    # =========================================================================================

    async def on_enter_connecting(self) -> None:
        business = await self.signup()
        owner = await self._owner()
        assert business is not None
        self.forget_question()
        self.say(say.signed_up(business.name, owner.name if owner else "", await self._link(business)))

    async def remind_link(self) -> None:
        business = await self.signup()
        assert business is not None
        if business.status == OrganizationStatus.active:
            self.say(say.already_connected(business.name))
            return
        self.say(say.link_reminder(business.name, await self._link(business)))

    async def _link(self, business: Organization) -> str:
        """The one-time Embedded Signup link (a new one each time it is shown; it replaces the earlier one)."""
        token = await issue_signup_link(self.session, business.id, self.now)
        return f"{self.turn.base_url.rstrip('/')}/connect/{token}"

    # =========================================================================================
    # Repair
    # =========================================================================================

    def on_gave_up(self) -> None:
        self.say(say.paused())

    def on_enter_new(self) -> None:
        self.forget_question()

    def show_help(self) -> None:
        self.say(say.onboarding_help())

    def help_line(self) -> str:
        return HELP_LINES.get(self.state, "")

    async def on_digressed(self) -> None:
        self.reask()


def _said_name(heard: Heard) -> str | None:
    option: Option | None = heard.option
    if option is not None and option.kind == "name":
        return option.value
    name = heard.slots.person_name
    if name is None and heard.text and heard.intent in (Intent.INFORM, Intent.OTHER):
        name = name_answer(heard.text)
    return " ".join(name.split())[:120] if name else None


def _range_text(opens: int, closes: int) -> str:
    return time_range(minutes_to_time(opens), minutes_to_time(closes))
