"""What an owner's message means in the administration steps, and the facts `OwnerFlow`'s guards read.

An owner's chat is a staff chat that also runs `OwnerFlow`: a request at rest goes to the machine
that has it (`machine_for`), and a state belongs to exactly one of the two machines. Listening
remembers what a message gives (a name, a phone, hours, a price) before the machine moves.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from statemachine import StateMachine

from flows import replies_owner
from flows.chat import Heard
from flows.hours_change import HoursChange, new_week
from flows.owner_flow import OwnerFlow
from flows.references import names_match
from flows.staff_chat import StaffChat
from flows.staff_flow import StaffFlow
from nlu.free_text import name_answer
from nlu.understanding import WEEKDAYS, Intent
from store.hours import HoursRange
from store.models import (
    ACTIVE_STATUSES,
    Appointment,
    Staff,
    StaffRole,
)

OWNER_REQUESTS: dict[Intent, str] = {
    Intent.STATS: "asked_stats",
    Intent.ADD_STAFF: "wants_to_add_staff",
    Intent.REMOVE_STAFF: "wants_to_remove_staff",
    Intent.SET_HOURS: "wants_to_set_hours",
    Intent.ADD_SERVICE: "wants_to_add_service",
    Intent.UPDATE_SERVICE: "wants_to_change_service",
}
OWNER_STATES = frozenset(state.id for state in OwnerFlow.states if not state.initial)
OWNER_EVENTS_AT_REST = frozenset(OWNER_REQUESTS.values())
STEP_INTENTS: dict[str, Intent] = {
    "asking_staff_name": Intent.ADD_STAFF,
    "asking_staff_phone": Intent.ADD_STAFF,
    "choosing_staff_services": Intent.ADD_STAFF,
    "confirming_new_staff": Intent.ADD_STAFF,
    "choosing_staff_to_remove": Intent.REMOVE_STAFF,
    "confirming_removal": Intent.REMOVE_STAFF,
    "asking_new_hours": Intent.SET_HOURS,
    "confirming_hours": Intent.SET_HOURS,
    "asking_service_name": Intent.ADD_SERVICE,
    "asking_service_price": Intent.ADD_SERVICE,
    "asking_service_minutes": Intent.ADD_SERVICE,
    "confirming_new_service": Intent.ADD_SERVICE,
    "choosing_service_to_change": Intent.UPDATE_SERVICE,
    "asking_service_change": Intent.UPDATE_SERVICE,
}
YES_NO_STEPS = (
    "confirming_new_staff",
    "offering_welcome",
    "confirming_removal",
    "confirming_hours",
    "confirming_new_service",
)


class OwnerListening(StaffChat):
    """Hears the owner's administration requests and answers; the guards of `OwnerFlow`."""

    @classmethod
    def flows(cls) -> tuple[type[StateMachine], ...]:
        return (OwnerFlow, StaffFlow)

    def machine_for(self, event: str) -> type[StateMachine]:
        """Administration runs on `OwnerFlow`; the rest of what an owner does on `StaffFlow`."""
        if self.state in OWNER_STATES or (self.state == "ready" and event in OWNER_EVENTS_AT_REST):
            return OwnerFlow
        return StaffFlow

    # =========================================================================================
    # Listening
    # =========================================================================================

    def new_requests(self) -> set[Intent]:
        return super().new_requests() | set(OWNER_REQUESTS)

    def step_intents(self) -> set[Intent]:
        if self.state in STEP_INTENTS:
            return {STEP_INTENTS[self.state]}
        return super().step_intents()

    async def _at_rest(self, heard: Any) -> list[str]:
        if heard.intent not in OWNER_REQUESTS:
            return await super()._at_rest(heard)
        self.on_enter_ready()
        intent = heard.intent
        if intent == Intent.ADD_STAFF:
            await self._remember_new_staff(heard)
        elif intent == Intent.REMOVE_STAFF:
            self._point_at_staff(heard)
        elif intent == Intent.SET_HOURS:
            self._remember_hours(heard, at_rest=True)
        elif intent == Intent.ADD_SERVICE:
            self._remember_new_service(heard)
        elif intent == Intent.UPDATE_SERVICE:
            self._remember_service_change(heard)
        return [OWNER_REQUESTS[intent]]

    async def _answer(self, heard: Heard) -> list[str]:
        step = self.state
        if step not in OWNER_STATES:
            return await super()._answer(heard)
        choice = heard.option.id if heard.option is not None else None
        if step in YES_NO_STEPS:
            if choice == "yes" or heard.intent == Intent.AFFIRM or heard.intent == STEP_INTENTS.get(step):
                return ["confirmed"]
            return ["declined"] if choice == "no" or heard.intent == Intent.DENY else []
        if step == "asking_staff_name":
            name = heard.slots.person_name or (
                name_answer(heard.text) if heard.text and heard.intent in (Intent.INFORM, Intent.OTHER) else None
            )
            if not name:
                return []
            self.data["new_staff_name"] = " ".join(name.split())[:120]
            return ["gave_staff_name"]
        if step == "asking_staff_phone":
            return ["gave_staff_phone"] if await self._remember_staff_phone(heard.slots.phone) else []
        if step == "choosing_staff_services":
            return ["picked_services"] if self._remember_staff_services(heard) else []
        if step == "choosing_staff_to_remove":
            return ["picked_staff"] if self._point_at_staff(heard) else []
        if step == "asking_new_hours":
            return ["gave_hours"] if self._remember_hours(heard, at_rest=False) else []
        if step == "asking_service_name":
            return ["gave_service_name"] if self._remember_new_service(heard) else []
        if step == "asking_service_price":
            return ["gave_price"] if self._remember_price(heard.slots.price, "new_service_price") else []
        if step == "asking_service_minutes":
            return ["gave_minutes"] if self._remember_minutes(heard.slots.minutes, "new_service_minutes") else []
        if step == "choosing_service_to_change":
            return ["picked_service"] if self._remember_service_change(heard) else []
        if step == "asking_service_change":
            gave_price = self._remember_price(heard.slots.price, "change_price")
            gave_minutes = self._remember_minutes(heard.slots.minutes, "change_minutes")
            return ["gave_service_change"] if gave_price or gave_minutes else []
        return []

    # -- adding someone ------------------------------------------------------------------------

    async def _remember_new_staff(self, heard: Heard) -> None:
        if heard.slots.person_name:
            self.data["new_staff_name"] = heard.slots.person_name
        await self._remember_staff_phone(heard.slots.phone)
        self._remember_staff_services(heard)

    async def _remember_staff_phone(self, phone: str | None) -> bool:
        """Keep a phone nobody on the team has; a taken one is forgotten with a note saying whose it is."""
        if not phone:
            return False
        self.data.pop("phone_note", None)
        taken = (
            (
                await self.session.execute(
                    select(Staff).where(
                        Staff.organization_id == self.business.id, Staff.phone == phone, Staff.active.is_(True)
                    )
                )
            )
            .scalars()
            .first()
        )
        if taken is not None:
            self.data.pop("new_staff_phone", None)
            self.data["phone_note"] = replies_owner.phone_taken(taken.name)
        else:
            self.data["new_staff_phone"] = phone
        return True

    def _remember_staff_services(self, heard: Heard) -> bool:
        option, slots = heard.option, heard.slots
        if (option is not None and option.id == "svcs:all") or slots.all_services:
            self.data["new_staff_services"] = "all"
            return True
        names = list(slots.services or ([slots.service] if slots.service else []))
        ids = [str(s.id) for s in (self.business.service_named(name) for name in names) if s is not None]
        if option is not None and option.kind == "svc" and self.business.service(option.value) is not None:
            ids = [option.value]
        if not ids:
            return False
        self.data["new_staff_services"] = ids
        return True

    # -- removing someone ----------------------------------------------------------------------

    def _point_at_staff(self, heard: Heard) -> bool:
        """Who to remove, from a tapped option, a staff name or a name said; True when someone was named."""
        option, slots = heard.option, heard.slots
        self.data.pop("remove_note", None)
        member: Staff | None = None
        if option is not None and option.kind == "staff":
            member = self.business.staff_member(option.value)
        elif slots.staff:
            member = self.business.staff_named(slots.staff)
        else:
            said = slots.person_name or (name_answer(heard.text) if self.state != "ready" and heard.text else None)
            if not said:
                return False
            matches = [m for m in self.business.staff if names_match(said, m.name)]
            member = matches[0] if len(matches) == 1 else None
            if member is None:
                self.data["remove_note"] = replies_owner.no_staff_named(said)
                return True
        if member is None:
            return False
        if member.role == StaffRole.owner:
            self.data["remove_note"] = replies_owner.only_employees(member.name)
            self.data.pop("remove_staff_id", None)
        else:
            self.data["remove_staff_id"] = str(member.id)
        return True

    # -- opening hours ---------------------------------------------------------------------------

    def _remember_hours(self, heard: Heard, at_rest: bool) -> bool:
        """Keep the weekdays, opening and closing times said (added to what was said before)."""
        slots = heard.slots
        gave = False
        if slots.weekdays:
            self.data["hours_weekdays"] = [WEEKDAYS.index(day) for day in slots.weekdays]
            gave = True
        elif at_rest and slots.date is not None:
            self.data["hours_one_day"] = True  # "mañana cerramos a las 5": one day, not the week
        if slots.closed:
            self.data["hours_closed"] = True
            self.data.pop("hours_opens", None)
            self.data.pop("hours_closes", None)
            gave = True
        for key, clock in (("hours_opens", slots.time), ("hours_closes", slots.time_end)):
            if clock is not None:
                self.data[key] = clock.hour * 60 + clock.minute
                self.data.pop("hours_closed", None)
                gave = True
        return gave

    # -- services --------------------------------------------------------------------------------

    def _remember_new_service(self, heard: Heard) -> bool:
        slots = heard.slots
        gave = False
        name = slots.new_service
        if name:
            name = " ".join(name.split())[:120]
            name = name[:1].upper() + name[1:]
            self.data.pop("service_note", None)
            existing = next((s for s in self.business.services if s.name.casefold() == name.casefold()), None)
            if existing is not None:
                self.data["service_note"] = replies_owner.service_exists(existing.name)
                self.data.pop("new_service_name", None)
            else:
                self.data["new_service_name"] = name
            gave = True
        gave = self._remember_price(slots.price, "new_service_price") or gave
        return self._remember_minutes(slots.minutes, "new_service_minutes") or gave

    def _remember_service_change(self, heard: Heard) -> bool:
        option, slots = heard.option, heard.slots
        service = (
            self.business.service(option.value)
            if option is not None and option.kind == "svc"
            else self.business.service_named(slots.service)
        )
        if service is not None:
            self.data["change_service_id"] = str(service.id)
        gave_price = self._remember_price(slots.price, "change_price")
        gave_minutes = self._remember_minutes(slots.minutes, "change_minutes")
        return service is not None or gave_price or gave_minutes

    def _remember_price(self, price: Decimal | None, key: str) -> bool:
        if price is None:
            return False
        self.data[key] = int(price * 100)
        return True

    def _remember_minutes(self, minutes: int | None, key: str) -> bool:
        if not minutes or minutes > 12 * 60:
            return False
        self.data[key] = minutes
        return True

    # =========================================================================================
    # Guards
    # =========================================================================================

    def knows_staff_name(self) -> bool:
        """Guard: we know the new person's name."""
        return bool(self.data.get("new_staff_name"))

    def knows_staff_phone(self) -> bool:
        """Guard: we have a WhatsApp number nobody on the team uses."""
        return bool(self.data.get("new_staff_phone"))

    def knows_staff_services(self) -> bool:
        """Guard: we know which services they will do ("todos" or some)."""
        return "new_staff_services" in self.data

    def new_staff_saved(self) -> bool:
        """Guard: the new person was added (a welcome can be sent)."""
        return bool(self.data.get("new_staff_id"))

    def knows_staff_to_remove(self) -> bool:
        """Guard: an employee (never an owner) was named."""
        return bool(self.data.get("remove_staff_id"))

    async def staff_has_appointments_ahead(self) -> bool:
        """Guard: the person has active appointments from now on."""
        return bool(await self._appointments_ahead())

    def asks_for_one_day(self) -> bool:
        """Guard: the hours asked for are for one date, not the weekly hours."""
        return bool(self.data.get("hours_one_day")) and not self.data.get("hours_weekdays")

    def knows_new_hours(self) -> bool:
        """Guard: the days and hours said make a valid new week."""
        return self._new_week() is not None

    def knows_new_service_name(self) -> bool:
        """Guard: a name for the new service that the business does not have yet."""
        return bool(self.data.get("new_service_name"))

    def knows_new_service_price(self) -> bool:
        return "new_service_price" in self.data

    def knows_new_service_minutes(self) -> bool:
        return "new_service_minutes" in self.data

    def knows_service_to_change(self) -> bool:
        """Guard: which service's price or duration changes."""
        return self.business.service(self.data.get("change_service_id")) is not None

    def knows_service_change(self) -> bool:
        """Guard: a new price or duration was given."""
        return "change_price" in self.data or "change_minutes" in self.data

    async def _appointments_ahead(self) -> list[Appointment]:
        staff_id = self.data.get("remove_staff_id")
        if not staff_id:
            return []
        rows = await self.session.execute(
            select(Appointment)
            .where(
                Appointment.staff_id == uuid.UUID(staff_id),
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.starts_at >= self.now,
            )
            .order_by(Appointment.starts_at)
        )
        return list(rows.scalars().all())

    def _hours_change(self) -> HoursChange:
        return HoursChange(
            weekdays=tuple(self.data.get("hours_weekdays") or ()),
            opens=self.data.get("hours_opens"),
            closes=self.data.get("hours_closes"),
            closed=bool(self.data.get("hours_closed")),
        )

    def _new_week(self) -> dict[int, tuple[HoursRange, ...]] | None:
        return new_week(self.business.calendar.hours, self._hours_change())
