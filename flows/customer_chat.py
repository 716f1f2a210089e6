"""What each step of a customer's conversation says and does (the actions of `CustomerFlow`).

Reading order follows the conversation: at rest, booking (service → day → time → name → booked),
an existing appointment, rescheduling, cancelling, and handing the chat to a person.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from flows import formatting as fmt
from flows import replies
from flows.chat import Heard
from flows.customer_facts import REMINDED_KEY, REQUEST_KEYS, Opening
from flows.customer_flow import CustomerFlow
from flows.customer_listening import QUESTIONS, CustomerListening
from flows.describe import part_of_day, service_info, week_hours
from flows.handoff import hand_off
from flows.replies import DayOffer, Reply, ServiceInfo
from nlu.context import Expecting
from nlu.understanding import Intent
from scheduler import booking
from scheduler.errors import SchedulingError
from store.models import NameSource, ServiceType
from store.phones import display_phone

MAX_SLOTS_LISTED = 10
MAX_DAYS_OFFERED = 7
ALTERNATIVES = 3
PARTS_OF_DAY = {"morning": "en la mañana", "afternoon": "en la tarde", "evening": "en la noche"}


class CustomerChat(CustomerListening):
    """One customer's conversation: the model `CustomerFlow` runs on."""

    flow = CustomerFlow

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
            infos = [await self.info(a) for a in await self.upcoming()]
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

    async def confirm_attendance(self) -> None:
        """The customer confirmed a reminded appointment: mark it confirmed by them, thank them."""
        wanted = self.data.pop(REMINDED_KEY, None)
        self.forget_question()
        appointment = next((a for a in await self.upcoming() if str(a.id) == wanted), None)
        if appointment is None:
            self.say(replies.reminded_appointment_gone())
            return
        await booking.confirm_by_customer(
            self.session, organization_id=self.business.id, appointment_id=appointment.id, now=self.now
        )
        self.say(replies.attendance_confirmed(self.customer.name, await self.info(appointment), self.today))

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
        for key in (*REQUEST_KEYS, REMINDED_KEY):
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
        self.ask(replies.ask_service(self._services(), self._day_hint()), Expecting.SERVICE, lead=replies.SURE)

    async def on_enter_choosing_day(self) -> None:
        await self._ask_day()

    async def on_enter_choosing_new_day(self) -> None:
        await self._ask_day()

    async def _ask_day(self) -> None:
        problem = await self._day_problem()
        offers = await self._day_offers()
        if self.moving:
            appointment = await self.appointment()
            info = await self.info(appointment) if appointment else None
            if info is not None:
                self.ask(replies.ask_new_day(info, offers, self.today, problem), Expecting.DATE)
                return
        service = await self.service_to_schedule()
        lead = None if problem else replies.SURE
        self.ask(replies.ask_day(service.name if service else "cita", offers, self.today, problem), Expecting.DATE, lead)

    async def _day_problem(self) -> str | None:
        """Why the wanted day cannot be offered (saying which time was taken, when one was asked for)."""
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
        taken = self.wanted_start if kind == "full" else None
        self.data.pop("time", None)
        return replies.day_problem(kind, day, self.today, settings.max_days_ahead, taken_at=taken)

    async def _day_offers(self) -> list[DayOffer]:
        settings = self.business.calendar.settings
        last = self.today + timedelta(days=settings.max_days_ahead)
        openings = await self.openings(self.today, last)
        days = sorted(day for day, found in openings.items() if found)[:MAX_DAYS_OFFERED]
        return [DayOffer(day=day, first=openings[day][0].start) for day in days]

    async def on_enter_choosing_slot(self) -> None:
        await self._offer_slots()

    async def on_enter_choosing_new_slot(self) -> None:
        await self._offer_slots()

    async def _offer_slots(self) -> None:
        """The day's options, or, after a time that cannot be booked, the nearest ones."""
        day = self.wanted_day
        service = await self.service_to_schedule()
        assert day is not None and service is not None  # guards checked both before we got here
        openings = await self.openings_on(day)
        note = self.data.pop("slot_note", None)
        start = self.wanted_start
        if not openings:
            # Someone took the last time of the day meanwhile: say so, then offer other days.
            problem = await self._day_problem()
            if note:
                problem = f"{note} {problem}"
            self.ask(replies.ask_day(service.name, await self._day_offers(), self.today, problem), Expecting.DATE)
            return
        if start is not None:
            problem = replies.slot_problem(self._why_not(start, service), start, self.today, self.business.calendar.settings.min_notice_minutes)
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
                note = f"{PARTS_OF_DAY[part].capitalize()} ya no tengo lugar ese día, pero te ofrezco otras horas."
        if len(starts) <= MAX_SLOTS_LISTED:
            return starts, False, note
        # Too many to list: on-the-hour times read best; else spread ten across the day.
        hourly = [s for s in starts if s.minute == 0]
        if 3 <= len(hourly) <= MAX_SLOTS_LISTED:
            return hourly, True, note
        last = len(starts) - 1
        picked = sorted({starts[round(i * last / (MAX_SLOTS_LISTED - 1))] for i in range(MAX_SLOTS_LISTED)})
        return picked, True, note

    def _why_not(self, start: datetime, service: ServiceType) -> str:
        settings = self.business.calendar.settings
        if start < self.now:
            return "past"
        if start < self.now + timedelta(minutes=settings.min_notice_minutes):
            return "too_soon"
        if start.date() > self.today + timedelta(days=settings.max_days_ahead):
            return "too_far"
        minutes = start.hour * 60 + start.minute
        need = service.duration_minutes + service.buffer_minutes
        inside = any(r.start <= minutes and minutes + need <= r.end for r in self.business.day_hours(start.date()))
        return "taken" if inside else "closed"

    async def on_enter_asking_name(self) -> None:
        suggested = self.customer.name if self.customer.name_source == NameSource.whatsapp_profile else None
        service, start = await self.service_to_schedule(), self.wanted_start
        summary = replies.slot_summary(service.name, start, self.today) if service and start else None
        self.ask(replies.ask_name(summary, suggested), Expecting.NAME)

    async def on_enter_booked(self) -> None:
        """Book it (choosing the time was the confirmation), tell the customer, the owner and the staff member."""
        start = self.wanted_start
        service = await self.service_to_schedule()
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
        info = await self.info(appointment)
        self.say(replies.booked(self.customer.name, info, business=self.business.name))
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
        info = await self.info(upcoming[0])
        self.data["existing_id"] = str(upcoming[0].id)  # the one "cambiar esa cita" refers to
        self.ask(replies.already_has_appointment(info, self.today, len(upcoming) - 1), Expecting.CHOICE)

    # =========================================================================================
    # Rescheduling and cancelling
    # =========================================================================================

    async def on_enter_choosing_appointment_to_move(self) -> None:
        infos = [await self.info(a) for a in (await self.upcoming())[:10]]
        self.ask(replies.ask_which_appointment(infos, self.today, "move"), Expecting.CHOICE)

    async def on_enter_choosing_appointment_to_cancel(self) -> None:
        infos = [await self.info(a) for a in (await self.upcoming())[:10]]
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
        info = await self.info(appointment)
        self.say(replies.moved(info, self.today, business=self.business.name, name=self.customer.name))
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_moved(info, before, for_staff=False),
            replies.notice_moved(info, before, for_staff=True),
        )
        self.data["recent"] = fmt.day_phrase(info.start.date(), self.today)

    async def on_enter_confirming_cancel(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        self.ask(replies.confirm_cancel(await self.info(appointment), self.today), Expecting.YES_NO)

    async def on_enter_cancelled(self) -> None:
        appointment = await self.appointment()
        assert appointment is not None
        await booking.cancel(
            self.session, organization_id=self.business.id, appointment_id=appointment.id, now=self.now,
            reason="cancelada por el cliente",
        )
        info = await self.info(appointment)
        self.say(replies.cancelled(info, self.today, business=self.business.name, name=self.customer.name))
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
        service = await self.service_to_schedule()
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
