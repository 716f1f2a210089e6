"""What a customer's message means where the chat stands: the events it triggers, the details it gives.

Listening happens before the machine moves, because the guards read what was just said: "un
corte el viernes a las 4" is remembered first, then `wants_to_book` finds the first thing still
missing. A request in the middle of another ("mejor cancela mi cita" while booking) drops the
old one quietly and is heard again at rest.
"""

from __future__ import annotations

from flows.chat import Heard
from flows.customer_facts import REQUEST_KEYS, CustomerFacts
from flows.options import option_day, option_slot
from nlu.free_text import name_answer
from nlu.normalize import normalize
from nlu.understanding import Intent
from store.models import NameSource, ServiceType

REQUESTS = {Intent.BOOK: "wants_to_book", Intent.RESCHEDULE: "wants_to_reschedule", Intent.CANCEL: "wants_to_cancel"}
QUESTIONS = {Intent.ASK_SERVICES, Intent.ASK_HOURS, Intent.ASK_LOCATION, Intent.MY_APPOINTMENTS}
SMALL_TALK = {Intent.GREET, Intent.THANKS, Intent.GOODBYE, Intent.AFFIRM, Intent.DENY}
STEP_TASKS = {
    "choosing_service": "book", "choosing_day": "book", "choosing_slot": "book", "asking_name": "book",
    "choosing_appointment_to_move": "move", "choosing_new_day": "move", "choosing_new_slot": "move",
    "choosing_appointment_to_cancel": "cancel", "confirming_cancel": "cancel",
}
DAY_STEPS = ("choosing_day", "choosing_new_day")
SLOT_STEPS = ("choosing_slot", "choosing_new_slot")


class CustomerListening(CustomerFacts):
    """Turns what the customer said into `CustomerFlow` events, remembering the details."""

    quiet_stop = False  # set when a new request replaces the one in progress (no "lo dejamos ahí")

    async def events_for(self, heard: Heard) -> list[str]:
        """The events this message means here; remembers the details it carries."""
        intent = heard.intent
        if intent == Intent.HUMAN:
            return ["asked_for_person"]
        if self.state == "chatting":
            return await self._at_rest(heard)
        if intent == Intent.STOP:
            return ["gave_up"]
        if intent in REQUESTS and not self._answers_this_step(heard):
            # A new request in the middle of another: drop the old one quietly, then hear it at rest.
            self.quiet_stop = True
            self.listen_again = True
            return ["gave_up"]
        step = self.state
        if step in ("choosing_service",):
            return self._heard_service(heard)
        if step in DAY_STEPS:
            return self._heard_day(heard)
        if step in SLOT_STEPS:
            return self._heard_slot(heard)
        if step == "asking_name":
            return self._heard_name(heard)
        if step == "deciding_another_or_change":
            return self._heard_decision(heard)
        if step in ("choosing_appointment_to_move", "choosing_appointment_to_cancel"):
            return await self._heard_which(heard)
        if step == "confirming_cancel":
            return self._heard_yes_no(heard)
        return ["was_not_understood"]

    async def _at_rest(self, heard: Heard) -> list[str]:
        intent = heard.intent
        if intent == Intent.BOOK or (intent in (Intent.INFORM, Intent.OTHER) and self._asks_for_a_time(heard)):
            self._start("book")
            self._remember_booking(heard)
            return ["wants_to_book"]
        if intent in (Intent.RESCHEDULE, Intent.CANCEL):
            self._start("move" if intent == Intent.RESCHEDULE else "cancel")
            await self._identify_appointment(heard)
            self._remember_booking(heard)
            return [REQUESTS[intent]]
        if self._asks_what_we_do_not_offer(heard):
            return ["needs_the_owner"]
        if intent in QUESTIONS:
            return ["asked_question"]
        if intent == Intent.GREET:
            return ["greeted"]
        if intent in SMALL_TALK or intent == Intent.STOP:
            return ["thanked"]
        if self._sounds_like_a_request(heard):
            return ["needs_the_owner"]
        return ["was_not_understood"]

    def _answers_this_step(self, heard: Heard) -> bool:
        """A request that belongs to what we are doing is an answer, not a new request.

        "cambiar esa cita" while deciding, "sí, cancélala" while confirming, "un corte el
        viernes" (a book intent with details) while booking.
        """
        if self.state == "deciding_another_or_change":
            return True
        task = STEP_TASKS.get(self.state)
        if heard.intent == Intent.BOOK:
            return task == "book" and self._has_booking_details(heard)
        return task == ("move" if heard.intent == Intent.RESCHEDULE else "cancel")

    def _heard_service(self, heard: Heard) -> list[str]:
        if self._is_digression(heard):
            return ["digressed"]
        self._remember_booking(heard)
        if self._heard_known_service(heard):
            return ["picked_service"]
        if self._has_booking_details(heard):
            return ["digressed"]  # a day or time before the service: noted, and we ask the service again
        return ["was_not_understood"]

    def _heard_day(self, heard: Heard) -> list[str]:
        if self._is_digression(heard):
            return ["digressed"]
        new_service = self._heard_known_service(heard) and self.state == "choosing_day"
        self._remember_booking(heard)
        if self.data.get("date") and (self._heard_date(heard)):
            return ["picked_day"]
        if new_service:
            return ["corrected_service"]
        if self._has_booking_details(heard):
            return ["digressed"]
        return ["was_not_understood"]

    def _heard_slot(self, heard: Heard) -> list[str]:
        if self._is_digression(heard):
            return ["digressed"]
        new_service = self._heard_known_service(heard) and self.state == "choosing_slot"
        heard_time = self._heard_time(heard)
        heard_date = self._heard_date(heard)
        self._remember_booking(heard)
        if heard_time:
            return ["picked_slot"]
        if heard_date or heard.slots.part_of_day:
            return ["corrected_day"]
        if new_service:
            return ["corrected_service"]
        return ["was_not_understood"]

    def _heard_name(self, heard: Heard) -> list[str]:
        if heard.option is not None and heard.option.kind == "name":
            return self._took_name(heard.option.value)
        if self._heard_time(heard) or self._heard_date(heard):
            self._remember_booking(heard)
            return ["picked_slot"]
        name = heard.slots.person_name or (name_answer(heard.text) if heard.text and heard.intent in (Intent.INFORM, Intent.OTHER) else None)
        if name:
            return self._took_name(name)
        if self._is_digression(heard):
            return ["digressed"]
        return ["was_not_understood"]

    def _took_name(self, name: str) -> list[str]:
        name = " ".join(name.split())[:120]
        if self.customer.name_source != NameSource.customer or not self.customer.name:
            self.customer.name = name
            self.customer.name_source = NameSource.customer
            self.customer.updated_at = self.now
        return ["gave_name"]

    def _heard_decision(self, heard: Heard) -> list[str]:
        choice = heard.option.id if heard.option is not None else None
        if choice == "another" or heard.intent in (Intent.AFFIRM, Intent.BOOK):
            self._remember_booking(heard)
            return ["chose_another"]
        if choice == "move" or heard.intent == Intent.RESCHEDULE:
            self.data["mode"] = "move"
            self.data["appointment_id"] = self.data.get("existing_id")
            return ["chose_to_move"]
        if choice == "cancel" or heard.intent == Intent.CANCEL:
            self.data["mode"] = "cancel"
            self.data["appointment_id"] = self.data.get("existing_id")
            return ["chose_to_cancel"]
        if heard.intent == Intent.DENY:
            return ["gave_up"]
        if self._is_digression(heard):
            return ["digressed"]
        return ["was_not_understood"]

    async def _heard_which(self, heard: Heard) -> list[str]:
        if heard.option is not None and heard.option.kind == "appt":
            self.data["appointment_id"] = heard.option.value
            return ["picked_appointment"]
        if self._is_digression(heard):
            return ["digressed"]
        if await self._identify_appointment(heard):
            return ["picked_appointment"]
        return ["was_not_understood"]

    def _heard_yes_no(self, heard: Heard) -> list[str]:
        choice = heard.option.id if heard.option is not None else None
        if choice == "yes" or heard.intent in (Intent.AFFIRM, Intent.CANCEL):
            return ["confirmed"]
        if choice == "no" or heard.intent == Intent.DENY:
            return ["declined"]
        if self._is_digression(heard):
            return ["digressed"]
        return ["was_not_understood"]

    # -- remembering what was said ------------------------------------------------------------

    def _start(self, mode: str) -> None:
        for key in REQUEST_KEYS:
            self.data.pop(key, None)
        self.data["mode"] = mode

    def _remember_booking(self, heard: Heard) -> None:
        """Keep the service, day, time, part of day and staff the message gives (corrections overwrite)."""
        slots = heard.slots
        option = heard.option
        service = self._heard_service_row(heard)
        if service is not None and self.data.get("mode") != "move":
            self.data["service_id"] = str(service.id)
        day, clock = slots.date, slots.time
        picked = option_slot(option.id) if option is not None else None
        # An option stands for its day and time, unless the message names another day
        # ("el lunes a las 4" is not the "4:00 PM" of the day on the list).
        if picked is not None and (day is None or day == picked[0]):
            day, clock = picked
        elif option is not None and option_day(option.id) and day is None:
            day = option_day(option.id)
        if day is not None and day.isoformat() != self.data.get("date"):
            self.data["date"] = day.isoformat()
            if clock is None:
                self.data.pop("time", None)  # a new day: show its options rather than keep an old time
            if slots.part_of_day is None:
                self.data.pop("part_of_day", None)
        if clock is not None:
            self.data["time"] = clock.strftime("%H:%M")
        if slots.part_of_day is not None:
            self.data["part_of_day"] = slots.part_of_day
            if clock is None:
                self.data.pop("time", None)
        staff = self.business.staff_named(slots.staff)
        if staff is not None:
            self.data["staff_id"] = str(staff.id)

    def _heard_service_row(self, heard: Heard) -> ServiceType | None:
        if heard.option is not None and heard.option.kind == "svc":
            return self.business.service(heard.option.value)
        return self.business.service_named(heard.slots.service)

    def _heard_known_service(self, heard: Heard) -> bool:
        return self._heard_service_row(heard) is not None

    def _heard_date(self, heard: Heard) -> bool:
        option = heard.option
        return heard.slots.date is not None or (option is not None and option.kind in ("day", "slot"))

    def _heard_time(self, heard: Heard) -> bool:
        option = heard.option
        return heard.slots.time is not None or (option is not None and option.kind == "slot")

    def _asks_for_a_time(self, heard: Heard) -> bool:
        """Booking details with no request around them ("mañana a las 4", "un corte el sábado").

        A day in the past is not a request: "el corte de ayer me quedó mal" is for the owner.
        """
        day = heard.slots.date
        return self._has_booking_details(heard) and (day is None or day >= self.today)

    def _has_booking_details(self, heard: Heard) -> bool:
        s = heard.slots
        return bool(
            self._heard_known_service(heard) or s.date or s.time or s.part_of_day or s.staff
            or (heard.option is not None and heard.option.kind in ("slot", "day", "svc"))
        )

    def _is_digression(self, heard: Heard) -> bool:
        """A question or small talk that does not answer the pending step."""
        if heard.intent in QUESTIONS or heard.intent in (Intent.GREET, Intent.THANKS):
            return True
        return self._asks_what_we_do_not_offer(heard) or (
            heard.intent == Intent.OTHER and self._sounds_like_a_request(heard)
        )

    def _asks_what_we_do_not_offer(self, heard: Heard) -> bool:
        """A question about a service the business does not sell ("¿hacen tintes?")."""
        if not heard.text or self._heard_known_service(heard):
            return False
        if heard.intent not in (Intent.ASK_SERVICES, Intent.BOOK, Intent.OTHER, Intent.INFORM):
            return False
        return self._unknown_service_word(heard.text) is not None

    def _unknown_service_word(self, text: str) -> str | None:
        matcher = self.business.catalog.matcher()
        return matcher.unknown_service_word(normalize(text))

    @staticmethod
    def _sounds_like_a_request(heard: Heard) -> bool:
        """Something the NLU could not place but a person should read: a question or a sentence.

        A few letters ("jaja", "asdf") are just not understood; a real sentence or a question
        (a complaint, a special price) goes to the owner instead of being answered by a guess.
        """
        text = (heard.text or "").strip()
        words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
        return bool(words) and ("?" in text or len(words) >= 4)

    async def _identify_appointment(self, heard: Heard) -> bool:
        """Which upcoming appointment the customer means (by the day or time they mention)."""
        upcoming = await self.upcoming()
        if not upcoming:
            return False
        slots = heard.slots
        day = slots.from_date or slots.date
        candidates = upcoming
        used_date = used_time = False
        if day is not None:
            on_day = [a for a in candidates if self.business.local(a.starts_at).date() == day]
            if on_day:
                candidates, used_date = on_day, True
        # A time names the appointment only with its day, or alone: "para el domingo a las 12"
        # is the new time when Sunday is not the day of any appointment.
        clock = slots.from_time or (slots.time if slots.from_date is None and (day is None or used_date) else None)
        if clock is not None:
            at_time = [a for a in candidates if self.business.local(a.starts_at).time() == clock]
            if at_time:
                candidates, used_time = at_time, True
        if len(candidates) == 1 and (used_date or used_time or len(upcoming) == 1):
            self.data["appointment_id"] = str(candidates[0].id)
            # A day/time that named the appointment is not the new day/time.
            if used_date and slots.from_date is None:
                heard.slots = heard.slots.model_copy(update={"date": None})
            if used_time and slots.from_time is None:
                heard.slots = heard.slots.model_copy(update={"time": None})
            return True
        return False
