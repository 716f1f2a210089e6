"""The facts and words behind `CustomerFlow`: what a message means, what each step asks, what it does.

Reading order follows the conversation: listening (message → events, remembering what was said),
facts the guards check, small talk at rest, the booking steps, rescheduling, cancelling, hand-off.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from flows import formatting as fmt
from flows import replies
from flows.chat import Chat, Heard
from flows.handoff import hand_off
from flows.describe import appointment_info, part_of_day, service_info, week_hours
from flows.customer_flow import CustomerFlow
from flows.options import option_day, option_slot
from flows.replies import AppointmentInfo, DayOffer, Reply, ServiceInfo
from nlu.context import Expecting
from nlu.free_text import name_answer
from nlu.normalize import normalize
from nlu.understanding import Intent
from scheduler import booking
from scheduler.availability import Slot
from scheduler.calendar import find_slots
from scheduler.errors import SchedulingError
from store.hours import HoursRange
from store.models import ACTIVE_STATUSES, Appointment, Customer, NameSource, ServiceType, Staff
from store.phones import display_phone

REQUESTS = {Intent.BOOK: "wants_to_book", Intent.RESCHEDULE: "wants_to_reschedule", Intent.CANCEL: "wants_to_cancel"}
QUESTIONS = {Intent.ASK_SERVICES, Intent.ASK_HOURS, Intent.ASK_LOCATION, Intent.MY_APPOINTMENTS}
SMALL_TALK = {Intent.GREET, Intent.THANKS, Intent.GOODBYE, Intent.AFFIRM, Intent.DENY}
BOOKING_KEYS = ("service_id", "date", "time", "part_of_day", "staff_id", "mode", "appointment_id", "another",
                "existing_id", "lost", "slot_note", "name_given")
MAX_SLOTS_LISTED = 10
MAX_DAYS_OFFERED = 7
ALTERNATIVES = 3
SLOT_STEPS = ("choosing_slot", "choosing_new_slot")
DAY_STEPS = ("choosing_day", "choosing_new_day")


@dataclass(frozen=True)
class Opening:
    """A bookable start on a day (local), with the slots behind it (one per free staff member)."""

    start: datetime
    slots: tuple[Slot, ...]


class CustomerChat(Chat):
    """One customer's conversation: the model `CustomerFlow` runs on."""

    flow = CustomerFlow

    def __init__(self, turn: Any) -> None:
        super().__init__(turn)
        self.customer: Customer = turn.person
        self._openings_cache: dict[tuple[Any, ...], dict[date, list[Opening]]] = {}
        self._upcoming: list[Appointment] | None = None
        self._moving_service: ServiceType | None = None
        self.quiet_stop = False

    # =========================================================================================
    # Listening: what the message means in the current step
    # =========================================================================================

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
        if intent == Intent.BOOK or (intent == Intent.INFORM and self._has_booking_details(heard)):
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
        """A "book" intent that only carries the details this step asks for is an answer, not a new request."""
        return heard.intent == Intent.BOOK and self.state not in ("confirming_cancel",) and self._has_booking_details(heard)

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
        self.data["name_given"] = True
        return ["gave_name"]

    def _heard_decision(self, heard: Heard) -> list[str]:
        choice = heard.option.id if heard.option is not None else None
        if choice == "another" or heard.intent in (Intent.AFFIRM, Intent.BOOK):
            self.data["another"] = True
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
        for key in BOOKING_KEYS:
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
        if option is not None and option_slot(option.id):
            day, clock = option_slot(option.id)  # type: ignore[misc]
        elif option is not None and option_day(option.id):
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
        return "?" in text or len(words) >= 4

    async def _identify_appointment(self, heard: Heard) -> bool:
        """Which upcoming appointment the customer means (by the day or time they mention)."""
        upcoming = await self.upcoming()
        if not upcoming:
            return False
        slots = heard.slots
        day = slots.from_date or slots.date
        clock = slots.from_time or (slots.time if slots.from_date is None else None)
        candidates = upcoming
        used_date = used_time = False
        if day is not None:
            on_day = [a for a in candidates if self.business.local(a.starts_at).date() == day]
            if on_day:
                candidates, used_date = on_day, True
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

    # =========================================================================================
    # Facts the guards check
    # =========================================================================================

    async def has_upcoming_appointment(self) -> bool:
        """Guard: the customer has an appointment that has not happened yet."""
        upcoming = await self.upcoming()
        if upcoming and self.data.get("mode") == "book":
            self.data["existing_id"] = str(upcoming[0].id)
        return bool(upcoming)

    def knows_service(self) -> bool:
        """Guard: we know which service to book."""
        return self.business.service(self.data.get("service_id")) is not None

    def knows_name(self) -> bool:
        """Guard: the customer told us their name (now or before)."""
        return bool(self.customer.name) and self.customer.name_source in (NameSource.customer, NameSource.staff, NameSource.contacts)

    async def knows_which_appointment(self) -> bool:
        """Guard: we know which appointment to change (named, or the only one)."""
        if self.data.get("appointment_id"):
            return True
        upcoming = await self.upcoming()
        if len(upcoming) == 1:
            self.data["appointment_id"] = str(upcoming[0].id)
            return True
        return False

    async def day_has_openings(self) -> bool:
        """Guard: a day was given and it has at least one free time for the service."""
        day = self.wanted_day
        if day is None or self.scheduled_service is None:
            return False
        return bool(await self.openings_on(day))

    async def picked_free_time(self) -> bool:
        """Guard: a time was given and it is free (for anyone who does the service, or the chosen person)."""
        start = self.wanted_start
        if start is None:
            return False
        openings = await self.openings_on(start.date())
        return any(opening.start == start for opening in openings)

    def lost_the_slot(self) -> bool:
        """Guard: the booking found the time taken a moment ago (another chat got it first)."""
        return bool(self.data.get("lost"))

    # -- the values behind the facts -----------------------------------------------------------

    @property
    def wanted_day(self) -> date | None:
        value = self.data.get("date")
        return date.fromisoformat(value) if value else None

    @property
    def wanted_start(self) -> datetime | None:
        day, clock = self.wanted_day, self.data.get("time")
        if day is None or not clock:
            return None
        return self.business.at(day, time.fromisoformat(clock))

    @property
    def moving(self) -> bool:
        return self.data.get("mode") == "move"

    @property
    def scheduled_service(self) -> ServiceType | None:
        """The service being booked, or the service of the appointment being moved."""
        if self.moving:
            return self._moving_service
        return self.business.service(self.data.get("service_id"))

    async def upcoming(self) -> list[Appointment]:
        """The customer's active appointments from now on, soonest first."""
        if self._upcoming is None:
            rows = await self.session.execute(
                select(Appointment)
                .where(
                    Appointment.customer_id == self.customer.id,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.starts_at >= self.now,
                )
                .order_by(Appointment.starts_at)
            )
            self._upcoming = list(rows.scalars().all())
        return self._upcoming

    async def appointment(self) -> Appointment | None:
        """The appointment being moved or cancelled."""
        wanted = self.data.get("appointment_id")
        if not wanted:
            return None
        appointment = await self.session.get(Appointment, uuid.UUID(wanted))
        if appointment is None or appointment.customer_id != self.customer.id:
            return None
        if self.moving and self._moving_service is None:
            self._moving_service = await self.session.get(ServiceType, appointment.service_id)
        return appointment

    async def openings_on(self, day: date) -> list[Opening]:
        """Free starts on a local day for the service being scheduled."""
        return (await self.openings(day, day)).get(day, [])

    async def openings(self, first: date, last: date) -> dict[date, list[Opening]]:
        """Free starts per local day between two days (any eligible staff unless one was asked for)."""
        if self.moving:
            await self.appointment()
        service = self.scheduled_service
        if service is None:
            return {}
        staff_id = None if self.moving else self.data.get("staff_id")
        exclude = self.data.get("appointment_id") if self.moving else None
        key = (service.id, first, last, staff_id, exclude)
        if key not in self._openings_cache:
            found = await find_slots(
                self.session,
                self.business.calendar,
                service,
                first,
                last,
                self.now,
                staff_id=uuid.UUID(staff_id) if staff_id else None,
                exclude_appointment_id=uuid.UUID(exclude) if exclude else None,
            )
            by_day: dict[date, dict[datetime, list[Slot]]] = {}
            for slot in found:
                local = self.business.local(slot.start)
                by_day.setdefault(local.date(), {}).setdefault(local, []).append(slot)
            self._openings_cache[key] = {
                day: [Opening(start, tuple(slots)) for start, slots in sorted(starts.items())]
                for day, starts in by_day.items()
            }
        return self._openings_cache[key]

    # =========================================================================================
    # At rest: greetings, questions, the owner
    # =========================================================================================

    def greet(self) -> None:
        self.say(replies.greeting(self.business.name, self.customer.name if self.knows_name() else None))

    def say_you_are_welcome(self) -> None:
        self.say(replies.you_are_welcome(self.data.pop("recent", None)))

    async def answer_question(self) -> None:
        await self._answer(self.heard)

    async def on_digressed(self) -> None:
        """Answer the side question (a detail given early is just noted), then ask again."""
        heard = self.heard
        if self._asks_what_we_do_not_offer(heard) or heard.intent == Intent.OTHER:
            self.forward_to_owner()
        elif heard.intent in QUESTIONS:
            await self._answer(heard)
        elif heard.intent == Intent.GREET:
            self.say(Reply(text="¡Hola! 👋"))
        self.reask()

    async def _answer(self, heard: Heard) -> None:
        intent = heard.intent
        if intent == Intent.ASK_SERVICES:
            service = self._heard_service_row(heard)
            self.say(replies.service_price(service_info(service)) if service else replies.services_answer(self._services()))
        elif intent == Intent.ASK_HOURS:
            self.say(replies.hours_answer(self._week_hours()))
        elif intent == Intent.ASK_LOCATION:
            self.say(replies.address_answer(self.business.name, self.business.address))
            if not self.business.address:
                self._tell_owner_question()
        elif intent == Intent.MY_APPOINTMENTS:
            infos = [await self._info(a) for a in await self.upcoming()]
            self.say(replies.appointments_answer(infos, self.today))

    def forward_to_owner(self) -> None:
        """A question only a person can answer: say what we know, pass it on, keep helping."""
        known = None
        if self._asks_what_we_do_not_offer(self.heard):
            known = replies.services_menu(self._services(), intro="Por ahora nuestros servicios son:")
        self._tell_owner_question()
        self.say(replies.forwarded_to_owner(self.business.owner.name if self.business.owner else None, known))

    def _tell_owner_question(self) -> None:
        phone = display_phone(self.customer.phone) if self.customer.phone else None
        notice = replies.notice_question(self._customer_name(), phone, self.heard.text or "")
        for owner in self.owners:
            self.notify(owner, notice)

    def say_no_appointments(self) -> None:
        self.say(replies.no_upcoming_appointments())
        self._start("book")

    def say_appointment_kept(self) -> None:
        self.say(replies.kept_appointment())

    def on_gave_up(self) -> None:
        if not self.quiet_stop:
            self.say(replies.dropped())

    def on_enter_chatting(self) -> None:
        """Back at rest: forget the half-collected request (keep what "gracias" may refer to)."""
        for key in BOOKING_KEYS:
            self.data.pop(key, None)
        self.forget_question()

    def help_line(self) -> str:
        hints = {
            "choosing_service": "Escríbeme el servicio que quieres, por ejemplo «corte», o elige uno de la lista.",
            "choosing_day": "Dime el día, por ejemplo «mañana» o «el sábado».",
            "choosing_new_day": "Dime el día, por ejemplo «mañana» o «el sábado».",
            "choosing_slot": "Escríbeme la hora, por ejemplo «a las 4», o elige una de la lista.",
            "choosing_new_slot": "Escríbeme la hora, por ejemplo «a las 4», o elige una de la lista.",
            "asking_name": "Solo necesito tu nombre, por ejemplo «Juan Pérez».",
            "deciding_another_or_change": "Responde «agendar otra», «cambiar esa cita» o «cancelar esa cita».",
            "choosing_appointment_to_move": "Dime cuál, por ejemplo «la del viernes», o elígela de la lista.",
            "choosing_appointment_to_cancel": "Dime cuál, por ejemplo «la del viernes», o elígela de la lista.",
            "confirming_cancel": "Responde «sí» para cancelarla o «no» para mantenerla.",
        }
        return hints.get(self.state, "")

    def help_and_reask(self) -> None:
        if self.state == "chatting":
            self.data["misunderstood"] = int(self.data.get("misunderstood", 0)) + 1
            self.say(replies.general_help())
            return
        super().help_and_reask()

    # =========================================================================================
    # Booking: service → day → time → name
    # =========================================================================================

    def on_enter_choosing_service(self) -> None:
        self.ask(replies.ask_service(self._services(), self._day_hint()), Expecting.SERVICE)

    async def on_enter_choosing_day(self) -> None:
        await self._ask_day()

    async def on_enter_choosing_new_day(self) -> None:
        await self._ask_day()

    async def _ask_day(self) -> None:
        problem = await self._day_problem()
        offers = await self._day_offers()
        if self.moving:
            appointment = await self.appointment()
            info = await self._info(appointment) if appointment else None
            if info is not None:
                self.ask(replies.ask_new_day(info, offers, self.today, problem), Expecting.DATE)
                return
        service = self.scheduled_service
        self.ask(replies.ask_day(service.name if service else "cita", offers, self.today, problem), Expecting.DATE)

    async def _day_problem(self) -> str | None:
        day = self.wanted_day
        if day is None:
            return None
        settings = self.business.calendar.settings
        if day < self.today:
            kind = "past"
        elif day > self.today + timedelta(days=settings.max_days_ahead):
            kind = "too_far"
        elif not self.business.is_open_on(day):
            kind = "closed"
        else:
            kind = "full"
        return replies.day_problem(kind, day, self.today, settings.max_days_ahead)

    async def _day_offers(self) -> list[DayOffer]:
        settings = self.business.calendar.settings
        first = max(self.today, self.wanted_day or self.today)
        if first > self.today + timedelta(days=settings.max_days_ahead):
            first = self.today
        last = self.today + timedelta(days=settings.max_days_ahead)
        openings = await self.openings(first, last)
        days = sorted(day for day, found in openings.items() if found)[:MAX_DAYS_OFFERED]
        return [DayOffer(day=day, first=openings[day][0].start) for day in days]

    async def on_enter_choosing_slot(self) -> None:
        await self._offer_slots()

    async def on_enter_choosing_new_slot(self) -> None:
        await self._offer_slots()

    async def _offer_slots(self) -> None:
        """The day's options, or, after a time that cannot be booked, the nearest ones."""
        day = self.wanted_day
        service = self.scheduled_service
        assert day is not None and service is not None  # guards checked both before we got here
        openings = await self.openings_on(day)
        note = self.data.pop("slot_note", None)
        if not openings:
            problem = await self._day_problem()
            self.ask(replies.ask_day(service.name, await self._day_offers(), self.today, problem), Expecting.DATE)
            return
        start = self.wanted_start
        if start is not None:
            problem = replies.slot_problem(self._why_not(start), start, self.today, self.business.calendar.settings.min_notice_minutes)
            if note:
                problem = note
            nearest = sorted(openings, key=lambda o: (abs((o.start - start).total_seconds()), o.start))[:ALTERNATIVES]
            self.data.pop("time", None)
            self.ask(replies.offer_alternatives(problem, sorted(o.start for o in nearest), self.today), Expecting.SLOT)
            return
        listed, more, part_note = self._pick_listed(openings)
        self.ask(
            replies.offer_slots(day, self.today, service_info(service), listed, more, note or part_note),
            Expecting.SLOT,
        )

    def _pick_listed(self, openings: list[Opening]) -> tuple[list[datetime], bool, str | None]:
        """Up to ten times for the day, in the part of day asked for when there are any."""
        starts = [opening.start for opening in openings]
        part = self.data.get("part_of_day")
        note = None
        if part:
            inside = [s for s in starts if part_of_day(s) == part]
            if inside:
                starts = inside
            else:
                note = f"{_part_name(part).capitalize()} ya no tengo lugar ese día, pero te ofrezco otras horas."
        if len(starts) <= MAX_SLOTS_LISTED:
            return starts, False, note
        # Spread the ten across the day so every part of it is represented.
        last = len(starts) - 1
        picked = sorted({starts[round(i * last / (MAX_SLOTS_LISTED - 1))] for i in range(MAX_SLOTS_LISTED)})
        return picked, True, note

    def _why_not(self, start: datetime) -> str:
        settings = self.business.calendar.settings
        if start < self.now:
            return "past"
        if start < self.now + timedelta(minutes=settings.min_notice_minutes):
            return "too_soon"
        if start.date() > self.today + timedelta(days=settings.max_days_ahead):
            return "too_far"
        service = self.scheduled_service
        minutes = start.hour * 60 + start.minute
        need = (service.duration_minutes + service.buffer_minutes) if service else 0
        inside = any(r.start <= minutes and minutes + need <= r.end for r in self.business.day_hours(start.date()))
        return "taken" if inside else "closed"

    def on_enter_asking_name(self) -> None:
        suggested = self.customer.name if self.customer.name_source == NameSource.whatsapp_profile else None
        self.ask(replies.ask_name(suggested), Expecting.NAME)

    async def on_enter_booked(self) -> None:
        """Book it (choosing the time was the confirmation), tell the customer, the owner and the staff member."""
        start = self.wanted_start
        service = self.scheduled_service
        assert start is not None and service is not None
        staff_id = self.data.get("staff_id")
        try:
            appointment = await booking.book(
                self.session,
                organization_id=self.business.id,
                customer_id=self.customer.id,
                service_id=service.id,
                start=start,
                now=self.now,
                staff_id=uuid.UUID(staff_id) if staff_id else None,
            )
        except SchedulingError:
            self._lost_it()
            return
        info = await self._info(appointment)
        self.say(replies.booked(self.customer.name, info))
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_new_booking(info, for_staff=False),
            replies.notice_new_booking(info, for_staff=True),
        )
        self.data["recent"] = fmt.day_phrase(info.start.date(), self.today)

    def _lost_it(self) -> None:
        self.data["lost"] = True
        self.data["slot_note"] = "Uy, alguien acaba de ganarte ese horario."
        self.data.pop("time", None)
        self._openings_cache.clear()

    # =========================================================================================
    # Already has an appointment
    # =========================================================================================

    async def on_enter_deciding_another_or_change(self) -> None:
        upcoming = await self.upcoming()
        info = await self._info(upcoming[0])
        self.data["existing_id"] = str(upcoming[0].id)
        self.ask(replies.already_has_appointment(info, self.today, len(upcoming) - 1), Expecting.CHOICE)

    # =========================================================================================
    # Rescheduling and cancelling
    # =========================================================================================

    async def on_enter_choosing_appointment_to_move(self) -> None:
        infos = [await self._info(a) for a in (await self.upcoming())[:10]]
        self.ask(replies.ask_which_appointment(infos, self.today, "move"), Expecting.CHOICE)

    async def on_enter_choosing_appointment_to_cancel(self) -> None:
        infos = [await self._info(a) for a in (await self.upcoming())[:10]]
        self.ask(replies.ask_which_appointment(infos, self.today, "cancel"), Expecting.CHOICE)

    async def on_enter_moved(self) -> None:
        """Move the same appointment; a failed move leaves it exactly as it was."""
        appointment = await self.appointment()
        start = self.wanted_start
        assert appointment is not None and start is not None
        before = self.business.local(appointment.starts_at)
        try:
            await booking.reschedule(
                self.session,
                organization_id=self.business.id,
                appointment_id=appointment.id,
                new_start=start,
                now=self.now,
            )
        except SchedulingError:
            self._lost_it()
            return
        info = await self._info(appointment)
        self.say(replies.moved(info, self.today))
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_moved(info, before, for_staff=False),
            replies.notice_moved(info, before, for_staff=True),
        )
        self.data["recent"] = fmt.day_phrase(info.start.date(), self.today)

    async def on_enter_confirming_cancel(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        self.ask(replies.confirm_cancel(await self._info(appointment), self.today), Expecting.YES_NO)

    async def on_enter_cancelled(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        await booking.cancel(
            self.session, organization_id=self.business.id, appointment_id=appointment.id, now=self.now,
            reason="cancelada por el cliente",
        )
        info = await self._info(appointment)
        self.say(replies.cancelled(info, self.today))
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_cancelled(info, for_staff=False),
            replies.notice_cancelled(info, for_staff=True),
        )

    # =========================================================================================
    # A person takes over
    # =========================================================================================

    async def on_enter_handed_off(self, event: str) -> None:
        """Stop answering this customer: the owner is told with context, the customer too."""
        reason = "asked" if event == "asked_for_person" else "misunderstood"
        hand_off(self.conversation, self.now, "customer_asked" if reason == "asked" else "not_understood")
        owner = self.business.owner
        phone = display_phone(self.customer.phone) if self.customer.phone else None
        notice = replies.notice_handoff(self._customer_name(), phone, reason, self.heard.text, await self._context())
        for person in self.owners:
            self.notify(person, notice)
        self.say(replies.handed_off(owner.name if owner else None, reason))

    async def _context(self) -> str | None:
        service = self.scheduled_service
        day = self.wanted_day
        when = fmt.day_phrase(day, self.today) if day else None
        if service is None and when is None:
            return None
        return replies.handoff_context_booking(service.name if service else None, when)

    # =========================================================================================
    # Small helpers
    # =========================================================================================

    def _customer_name(self) -> str | None:
        return self.customer.name

    def _services(self) -> list[ServiceInfo]:
        return [service_info(service) for service in self.business.services]

    def _day_hint(self) -> str | None:
        day = self.wanted_day
        return fmt.day_phrase(day, self.today) if day else None

    def _week_hours(self) -> list[tuple[str, str]]:
        return week_hours(self.business.calendar.hours)

    async def _info(self, appointment: Appointment) -> AppointmentInfo:
        return await appointment_info(self.session, self.business, appointment)

