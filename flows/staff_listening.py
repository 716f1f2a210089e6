"""What a staff member's message means where the chat stands: the events it triggers, the details it gives.

Listening happens before the machine moves, because the guards read what was just said: "el de
las 11 no llegó" is matched to an appointment first, then `wants_no_show` knows whether to ask
which one. A new request in the middle of another ("¿qué tengo hoy?" while registering a
walk-in) drops the old one quietly and is heard again at rest.
"""

from __future__ import annotations

from datetime import date, time

from flows import formatting as fmt
from flows.chat import Heard
from flows.handoff import handed_off_conversations
from flows.options import option_day, option_slot
from flows.references import appointments_meant
from flows.replies_staff import no_customer_named, no_customer_with_phone, no_time_match
from flows.staff_facts import StaffFacts
from nlu.free_text import name_answer
from nlu.understanding import Intent
from store.models import ServiceType
from store.phones import display_phone

# Requests a staff member can make at rest, and the event each starts.
STAFF_REQUESTS: dict[Intent, str] = {
    Intent.MY_SCHEDULE: "asked_schedule",
    Intent.BUSINESS_SCHEDULE: "asked_business_schedule",
    Intent.BLOCK_TIME: "wants_to_block",
    Intent.MARK_NO_SHOW: "wants_no_show",
    Intent.MARK_COMPLETED: "wants_completed",
    Intent.WALK_IN: "wants_walk_in",
    Intent.CUSTOMER_HISTORY: "wants_history",
    Intent.MESSAGE_CUSTOMER: "wants_to_message",
    Intent.BOOK: "wants_to_book",
    Intent.CANCEL: "wants_to_cancel",
    Intent.RESCHEDULE: "wants_to_reschedule",
}
ERRAND_OF: dict[Intent, str] = {
    Intent.CUSTOMER_HISTORY: "history",
    Intent.MESSAGE_CUSTOMER: "message",
    Intent.BOOK: "book",
    Intent.CANCEL: "cancel",
    Intent.RESCHEDULE: "move",
}
SMALL_TALK = {Intent.THANKS, Intent.GOODBYE, Intent.AFFIRM, Intent.DENY, Intent.STOP}
# Everything a request collects in `flow_data`; all of it is forgotten back at rest.
KEPT_AT_REST = ("misunderstood",)


class StaffListening(StaffFacts):
    """Turns what a staff member said into `StaffFlow` events, remembering the details."""

    quiet_stop = False  # a new request replaces the one in progress: no "lo dejamos ahí"

    async def events_for(self, heard: Heard) -> list[str]:
        """The events this message means here; remembers the details it carries."""
        if self.state == "ready":
            return await self._at_rest(heard)
        if heard.intent == Intent.STOP:
            return ["gave_up"]
        if heard.intent in self.new_requests() and heard.intent not in self.step_intents():
            # A different request in the middle of this one: drop this one quietly, hear that one at rest.
            self.quiet_stop = True
            self.listen_again = True
            return ["gave_up"]
        answer = await self._answer(heard)
        if answer:
            return answer
        if heard.intent in (Intent.GREET, Intent.THANKS):
            return ["digressed"]
        return ["was_not_understood"]

    def new_requests(self) -> set[Intent]:
        """Intents that start something else when they do not answer the pending question."""
        return set(STAFF_REQUESTS)

    def step_intents(self) -> set[Intent]:
        """The requests that belong to what we are doing ("sí, bloquéalo" while confirming a block)."""
        step = self.state
        if step in ("asking_block_hours", "confirming_block"):
            return {Intent.BLOCK_TIME}
        if step in ("choosing_no_show", "confirming_no_show"):
            return {Intent.MARK_NO_SHOW}
        if step == "offering_to_message":
            return {Intent.MESSAGE_CUSTOMER}
        if step == "choosing_completed":
            return {Intent.MARK_COMPLETED}
        if step.startswith(("choosing_walk_in", "asking_walk_in", "offering_later_walk_in")):
            return {Intent.WALK_IN}
        return {intent for intent, errand in ERRAND_OF.items() if errand == self.errand}

    async def _at_rest(self, heard: Heard) -> list[str]:
        intent = heard.intent
        if intent in (Intent.AFFIRM, Intent.THANKS) and self.staff.is_owner and await self.has_handed_off_chats():
            return ["finished_with_customer"]
        if intent == Intent.BLOCK_TIME:
            self._remember_block(heard)
        elif intent in (Intent.MARK_NO_SHOW, Intent.MARK_COMPLETED):
            await self._point_at_appointment(heard, "no_show" if intent == Intent.MARK_NO_SHOW else "completed")
        elif intent == Intent.WALK_IN:
            self._remember_walk_in_service(heard)
        elif intent in ERRAND_OF:
            await self._start_errand(ERRAND_OF[intent], heard)
        if intent in STAFF_REQUESTS:
            return [STAFF_REQUESTS[intent]]
        if intent == Intent.GREET:
            return ["greeted"]
        if intent in SMALL_TALK:
            return ["thanked"]
        return ["was_not_understood"]

    async def has_handed_off_chats(self) -> bool:
        return bool(await handed_off_conversations(self.session, self.business.id))

    # =========================================================================================
    # Answers to the pending question
    # =========================================================================================

    async def _answer(self, heard: Heard) -> list[str]:
        """The event answering the pending question, or nothing when the message does not answer it."""
        step = self.state
        choice = heard.option.id if heard.option is not None else None
        yes = choice == "yes" or heard.intent == Intent.AFFIRM
        no = choice == "no" or heard.intent == Intent.DENY
        if step == "asking_block_hours":
            return ["gave_block_hours"] if self._remember_block(heard) else []
        if step == "confirming_block":
            return ["confirmed"] if yes or heard.intent == Intent.BLOCK_TIME else ["declined"] if no else []
        if step in ("choosing_no_show", "choosing_completed"):
            return ["picked_appointment"] if await self._picked_appointment_to_mark(heard) else []
        if step == "confirming_no_show":
            return ["confirmed"] if yes or heard.intent == Intent.MARK_NO_SHOW else ["declined"] if no else []
        if step == "offering_to_message":
            if yes or heard.intent == Intent.MESSAGE_CUSTOMER:
                self.data["message"] = heard.slots.message
                return ["confirmed"]
            return ["declined"] if no else []
        if step in ("choosing_walk_in_service", "choosing_service_for_customer"):
            key = "walk_in_service" if step == "choosing_walk_in_service" else "service_id"
            return ["picked_service"] if self._remember_service(heard, key) else []
        if step == "asking_walk_in_phone":
            return await self._heard_walk_in_phone(heard, no)
        if step == "asking_walk_in_name":
            return self._heard_walk_in_name(heard)
        if step == "offering_later_walk_in":
            return ["confirmed"] if yes or heard.intent == Intent.WALK_IN else ["declined"] if no else []
        if step == "asking_customer":
            return ["gave_customer"] if await self._identify_customer(heard, declined=no) else []
        if step == "asking_message":
            words = heard.slots.message or (heard.text if heard.intent in (Intent.INFORM, Intent.OTHER) else None)
            if words and any(ch.isalpha() for ch in words):  # "???" or "👍" is not a message to pass on
                self.data["message"] = words.strip()
                return ["gave_message"]
            return []
        if step in ("choosing_day_for_customer", "choosing_slot_for_customer"):
            return self._heard_day_or_time(heard, step)
        if step == "choosing_customer_appointment":
            return ["picked_appointment"] if await self._picked_customer_appointment(heard) else []
        if step == "confirming_customer_cancel":
            return ["confirmed"] if yes or heard.intent == Intent.CANCEL else ["declined"] if no else []
        return []

    # =========================================================================================
    # Blocks
    # =========================================================================================

    def _remember_block(self, heard: Heard) -> bool:
        """Keep the day, hours and reason of a block; True when the message gave any of them."""
        slots = heard.slots
        gave = False
        if heard.option is not None and heard.option.id == "allday":
            self.data["all_day"] = True
            gave = True
        if slots.date is not None:
            self.data["block_date"] = slots.date.isoformat()
            gave = True
        if slots.time is not None:
            self.data["block_start"] = slots.time.strftime("%H:%M")
            self.data["block_end"] = slots.time_end.strftime("%H:%M") if slots.time_end else None
            self.data.pop("all_day", None)
            gave = True
        if slots.reason:
            self.data["block_reason"] = slots.reason
        return gave

    # =========================================================================================
    # No-shows and finished appointments
    # =========================================================================================

    async def _point_at_appointment(self, heard: Heard, kind: str) -> None:
        """Which started appointment "el de las 11" / "Juan no vino" / "ya terminé" means."""
        slots = heard.slots
        self.data["mark_kind"] = kind
        if slots.date is not None and slots.date <= self.today:
            self.data["mark_date"] = slots.date.isoformat()
        if slots.time is not None:
            self.data["mark_time"] = slots.time.strftime("%H:%M")
        if slots.person_name:
            self.data["mark_name"] = slots.person_name
        infos = [await self.info(a) for a in await self.started_appointments()]
        meant = appointments_meant(infos, at=slots.time, name=slots.person_name, service=slots.service)
        if len(meant) == 1:
            self.data["mark_id"] = meant[0].id
            return
        if not meant:
            later = [await self.info(a) for a in await self.appointments_of_the_day(started=False)]
            not_yet = appointments_meant(later, at=slots.time, name=slots.person_name, service=slots.service)
            if not_yet and (slots.time is not None or slots.person_name):
                self.data["mark_not_yet"] = not_yet[0].id  # "el de las 5" is still to come
                return
            # Nothing matches what was said: offer the day's started ones, latest first.
            meant = sorted(infos, key=lambda a: a.start, reverse=True)
            if slots.time is not None:
                self.data["mark_note"] = no_time_match(slots.time)
        self.data["mark_choices"] = [a.id for a in meant[:10]]

    async def _picked_appointment_to_mark(self, heard: Heard) -> bool:
        choices = self.data.get("mark_choices") or []
        option = heard.option
        if option is not None and option.kind == "appt" and option.value in choices:
            self.data["mark_id"] = option.value
            return True
        slots = heard.slots
        if slots.time is None and not slots.person_name and not slots.service:
            return False
        infos = [await self.info(a) for a in await self.started_appointments() if str(a.id) in choices]
        meant = appointments_meant(infos, at=slots.time, name=slots.person_name, service=slots.service)
        if len(meant) == 1:
            self.data["mark_id"] = meant[0].id
            return True
        return False

    # =========================================================================================
    # Walk-ins
    # =========================================================================================

    def _heard_service_row(self, heard: Heard) -> ServiceType | None:
        if heard.option is not None and heard.option.kind == "svc":
            return self.business.service(heard.option.value)
        return self.business.service_named(heard.slots.service)

    def _remember_walk_in_service(self, heard: Heard) -> None:
        self._remember_service(heard, "walk_in_service")
        staff = self.business.staff_named(heard.slots.staff)
        if staff is not None and self.staff.is_owner:
            self.data["walk_in_staff"] = str(staff.id)  # "llegó alguien para barba con Pedro"

    def _remember_service(self, heard: Heard, key: str) -> bool:
        service = self._heard_service_row(heard)
        if service is None:
            return False
        self.data[key] = str(service.id)
        return True

    async def _heard_walk_in_phone(self, heard: Heard, declined: bool) -> list[str]:
        if heard.slots.phone:
            self.data["walk_in_phone"] = heard.slots.phone
            customer = await self.customer_with_phone(heard.slots.phone)
            self.data["walk_in_customer"] = str(customer.id) if customer else None
            return ["gave_phone"]
        if declined or (heard.option is not None and heard.option.id == "nophone"):
            return ["has_no_phone"]
        return []

    def _heard_walk_in_name(self, heard: Heard) -> list[str]:
        name = heard.slots.person_name
        if name is None and heard.text and heard.intent in (Intent.INFORM, Intent.OTHER):
            name = name_answer(heard.text)
        if not name:
            return []
        self.data["walk_in_name"] = " ".join(name.split())[:120]
        return ["gave_name"]

    # =========================================================================================
    # Errands for a customer
    # =========================================================================================

    async def _start_errand(self, errand: str, heard: Heard) -> None:
        """Remember the errand and what the message says about it; find the customer if it names one."""
        slots = heard.slots
        self.data["errand"] = errand
        if errand == "message" and slots.message:
            self.data["message"] = slots.message
        # Days and times that may point at an existing appointment (cancel, move) or the new one (book, move).
        for key, value in (("hint_date", slots.date), ("hint_from_date", slots.from_date)):
            if value is not None:
                self.data[key] = value.isoformat()
        for key, clock in (("hint_time", slots.time), ("hint_from_time", slots.from_time)):
            if clock is not None:
                self.data[key] = clock.strftime("%H:%M")
        if errand == "book":
            self._remember_booking(heard)
        await self._identify_customer(heard, declined=False)

    async def _identify_customer(self, heard: Heard, declined: bool) -> bool:
        """Who the errand is for, from a tapped option, a phone or a name; True when the message gave any."""
        option = heard.option
        slots = heard.slots
        self.data.pop("customer_note", None)
        if option is not None and option.kind == "cust" and option.value in (self.data.get("customer_choices") or []):
            self.data["customer_id"] = option.value
            return await self._customer_known()
        if slots.phone:
            return await self._identified_by_phone(slots.phone)
        name = slots.person_name
        if (
            name is None
            and self.state == "asking_customer"
            and heard.text
            and heard.intent in (Intent.INFORM, Intent.OTHER)
        ):
            name = name_answer(heard.text)
        if name:
            return await self._identified_by_name(name)
        wants_without_phone = declined or (option is not None and option.id == "nophone")
        if self.for_booking() and self.data.get("customer_name") and wants_without_phone:
            self.data["new_customer"] = {"name": self.data["customer_name"], "phone": None}
            return True
        return False

    async def _identified_by_phone(self, phone: str) -> bool:
        customer = await self.customer_with_phone(phone)
        if customer is not None:
            self.data["customer_id"] = str(customer.id)
            return await self._customer_known()
        if self.for_booking():
            self.data["new_customer"] = {"name": self.data.get("customer_name"), "phone": phone}
        elif self.for_history():
            self.data["unknown_phone"] = phone
        else:
            self.data["customer_note"] = no_customer_with_phone(display_phone(phone))
        return True

    async def _identified_by_name(self, name: str) -> bool:
        matches = await self.customers_named(name)
        self.data.pop("customer_choices", None)
        if len(matches) == 1:
            self.data["customer_id"] = str(matches[0].id)
            return await self._customer_known()
        if matches:
            self.data["customer_choices"] = [str(customer.id) for customer in matches[:10]]
        elif self.for_booking():
            self.data["customer_name"] = " ".join(name.split())[:120]  # someone new: their phone is asked next
        else:
            self.data["customer_note"] = no_customer_named(name)
        return True

    async def _customer_known(self) -> bool:
        """Once we know who, a cancel or a move may already say which appointment."""
        self.data.pop("customer_choices", None)
        if self.for_cancel() or self.for_move():
            await self._identify_customer_appointment()
        return True

    async def _identify_customer_appointment(self) -> None:
        """Which upcoming appointment the request names; for a move, its day and time are the new ones.

        "Cancela la cita de Miguel del viernes": the day names the appointment. "Cámbiale la cita a
        Ana para el sábado a las 10": the new day and time; the appointment is the one she has, or
        the one named with "de"/"del" ("la del viernes para el sábado"), or asked.
        """
        hint_date, hint_time = _day(self.data.get("hint_date")), _time(self.data.get("hint_time"))
        from_date, from_time = _day(self.data.get("hint_from_date")), _time(self.data.get("hint_from_time"))
        if self.for_move():
            await self._pick_customer_appointment(from_date, from_time)
            if hint_date is not None:
                self.data["date"] = hint_date.isoformat()
            if hint_time is not None:
                self.data["time"] = hint_time.strftime("%H:%M")
        else:
            await self._pick_customer_appointment(from_date or hint_date, from_time or hint_time)

    async def _pick_customer_appointment(self, day: date | None, clock: time | None) -> bool:
        """The customer's one upcoming appointment on that day and/or at that time (or their only one)."""
        upcoming = await self.customer_upcoming()
        candidates = upcoming
        if day is not None:
            candidates = [a for a in candidates if self.business.local(a.starts_at).date() == day]
        if clock is not None:
            at_time = [a for a in candidates if self.business.local(a.starts_at).time() == clock]
            candidates = at_time or ([] if day is None else candidates)
        if len(candidates) == 1 and (day is not None or clock is not None or len(upcoming) == 1):
            self.data["appointment_id"] = str(candidates[0].id)
            return True
        if len(candidates) > 1 and (day is not None or clock is not None):
            self.data["appointment_choices"] = [str(a.id) for a in candidates]  # "del sábado": only Saturday's
        return False

    async def _picked_customer_appointment(self, heard: Heard) -> bool:
        option = heard.option
        upcoming = {str(a.id) for a in await self.customer_upcoming()}
        if option is not None and option.kind == "appt" and option.value in upcoming:
            self.data["appointment_id"] = option.value
            return True
        slots = heard.slots
        if slots.date is None and slots.time is None:
            return False
        return await self._pick_customer_appointment(slots.date, slots.time)

    def _remember_booking(self, heard: Heard) -> None:
        """Keep the service, day, time and staff member the message gives (corrections overwrite)."""
        slots, option = heard.slots, heard.option
        service = self._heard_service_row(heard)
        if service is not None and not self.for_move():
            self.data["service_id"] = str(service.id)
        day, clock = slots.date, slots.time
        picked = option_slot(option.id) if option is not None else None
        if picked is not None and (day is None or day == picked[0]):
            day, clock = picked
        elif option is not None and option_day(option.id) and day is None:
            day = option_day(option.id)
        if day is not None and day.isoformat() != self.data.get("date"):
            self.data["date"] = day.isoformat()
            if clock is None:
                self.data.pop("time", None)
        if clock is not None:
            self.data["time"] = clock.strftime("%H:%M")
        staff = self.business.staff_named(slots.staff)
        if staff is not None:
            self.data["staff_id"] = str(staff.id)

    def _heard_day_or_time(self, heard: Heard, step: str) -> list[str]:
        option = heard.option
        gave_day = heard.slots.date is not None or (option is not None and option.kind in ("day", "slot"))
        gave_time = heard.slots.time is not None or (option is not None and option.kind == "slot")
        if self._heard_service_row(heard) is not None and not self.for_move() and not (gave_day or gave_time):
            self._remember_booking(heard)  # "mejor barba": a new service, same question
            return ["picked_day" if step == "choosing_day_for_customer" else "picked_slot"]
        if not gave_day and not gave_time:
            return []
        self._remember_booking(heard)
        if step == "choosing_day_for_customer" and not self.data.get("date"):
            return []
        return ["picked_day" if step == "choosing_day_for_customer" else "picked_slot"]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value else None
