"""What each step of a staff member's conversation says and does (the actions of `StaffFlow`).

Reading order follows the machine: at rest, blocking time, no-shows and finished appointments,
walk-ins, then repair. Errands for a customer live in `staff_errands.py`, the facts and guards
in `staff_facts.py`, what messages mean in `staff_listening.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from flows import replies, replies_staff
from flows.agenda import staff_agenda
from flows.describe import service_info
from flows.handoff import hand_back, handed_off_conversations
from flows.openings import openings_by_day
from flows.replies import BlockInfo, Reply
from flows.staff_errands import StaffErrands
from flows.staff_facts import KNOWN_NAME_SOURCES
from flows.staff_flow import StaffFlow
from flows.staff_listening import KEPT_AT_REST
from flows.week_page import week_page_link
from nlu.context import Expecting
from scheduler import booking
from scheduler.errors import BlockCollides, SchedulingError
from store.models import ACTIVE_STATUSES, Appointment, AppointmentSource, Customer, NameSource, ServiceType
from store.phones import display_phone

BLOCK_STATES = ("asking_block_hours", "confirming_block")
HELP_LINES = {
    "asking_block_hours": "Dime las horas, por ejemplo «de 2 a 4» o «todo el día».",
    "confirming_block": "Responde «sí» para bloquear (y cancelar esas citas) o «no» para dejarlo así.",
    "choosing_no_show": "Dime cuál, por ejemplo «la de las 11», o elígela de la lista.",
    "choosing_completed": "Dime cuál, por ejemplo «la de las 11», o elígela de la lista.",
    "confirming_no_show": "Responde «sí» para marcarla como no-show o «no» para dejarla.",
    "offering_to_message": "Responde «sí» (puedes agregar qué decirle) o «no».",
    "choosing_walk_in_service": "Escríbeme el servicio, por ejemplo «corte», o elígelo de la lista.",
    "asking_walk_in_phone": "Escríbeme su número, por ejemplo «55 1234 5678», o «sin teléfono».",
    "asking_walk_in_name": "Solo necesito su nombre, por ejemplo «Ana».",
    "offering_later_walk_in": "Responde «sí» para registrarlo a esa hora o «no».",
    "asking_customer": "Escríbeme su nombre (por ejemplo «Juan Pérez») o su teléfono.",
    "asking_message": "Escríbeme el mensaje tal como quieres que le llegue.",
    "choosing_service_for_customer": "Escríbeme el servicio, por ejemplo «corte», o elígelo de la lista.",
    "choosing_day_for_customer": "Dime el día, por ejemplo «mañana» o «el sábado».",
    "choosing_slot_for_customer": "Escríbeme la hora, por ejemplo «a las 4», o elige una de la lista.",
    "choosing_customer_appointment": "Dime cuál, por ejemplo «la del viernes», o elígela de la lista.",
    "confirming_customer_cancel": "Responde «sí» para cancelarla o «no» para dejarla.",
}


class StaffChat(StaffErrands):
    """One staff member's conversation: the model `StaffFlow` runs on."""

    flow = StaffFlow

    # =========================================================================================
    # At rest
    # =========================================================================================

    async def run(self, listeners: Sequence[object] = ()) -> None:
        """Run the turn; a request that ended at rest (even by an internal step) leaves nothing behind."""
        await super().run(listeners)
        if self.state == "ready":
            self.on_enter_ready()

    async def _at_rest(self, heard: Any) -> list[str]:
        # A new request starts clean: whatever an internal step at rest left behind is forgotten.
        self.data = {key: value for key, value in self.data.items() if key in KEPT_AT_REST}
        return await super()._at_rest(heard)

    def greet(self) -> None:
        self.say(replies.staff_greeting(self.staff.name))

    def say_you_are_welcome(self) -> None:
        self.say(replies.you_are_welcome())

    async def show_my_schedule(self) -> None:
        day = self.heard.slots.date or self.today
        agenda = await staff_agenda(self.session, self.business, [self.staff], day, self.now)
        heading = replies.agenda_heading(self.staff.name, day, self.today)
        self.say(replies.agenda(heading, agenda.lines, agenda.appointments, agenda.closed))

    async def show_business_schedule(self) -> None:
        day = self.heard.slots.date or self.today
        agenda = await staff_agenda(self.session, self.business, list(self.business.staff), day, self.now)
        heading = replies.agenda_heading(self.staff.name, day, self.today, whole_business=True)
        self.say(replies.agenda(heading, agenda.lines, agenda.appointments, agenda.closed, show_staff=True))

    async def send_week_page(self) -> None:
        link = await week_page_link(self.session, self.staff, self.now, self.turn.base_url)
        self.say(replies_staff.week_page(link.url, self.business.local(link.expires_at), self.today, link.whole_business))

    def say_not_allowed(self, event: str) -> None:
        owner = self.business.owner.name if self.business.owner else None
        self.say(
            replies.not_allowed(owner) if event == "asked_business_schedule" else replies_staff.not_allowed_to_do(owner)
        )

    async def hand_back_customer(self) -> None:
        """Yume answers the customer again (the most recently handed-off chat)."""
        chats = await handed_off_conversations(self.session, self.business.id)
        latest = chats[0]
        hand_back(latest, self.now)
        customer = await self.session.get(Customer, latest.customer_id) if latest.customer_id else None
        self.say(replies.handed_back(_who(customer), len(chats) - 1))

    # =========================================================================================
    # Repair
    # =========================================================================================

    def show_help(self) -> None:
        self.say(replies.staff_help())
        self.on_enter_ready()

    def on_enter_ready(self) -> None:
        self.data = {key: value for key, value in self.data.items() if key in KEPT_AT_REST}

    def help_line(self) -> str:
        return HELP_LINES.get(self.state, "")

    async def on_digressed(self) -> None:
        """A greeting or thanks in the middle of something: ask the pending question again."""
        self.reask()

    def on_gave_up(self, source: Any) -> None:
        if self.quiet_stop:
            return
        self.say(replies.block_not_made() if source.id in BLOCK_STATES else replies_staff.dropped())

    # =========================================================================================
    # Blocking time
    # =========================================================================================

    def on_enter_asking_block_hours(self) -> None:
        span = self.block_span()
        day = date.fromisoformat(self.data["block_date"]) if self.data.get("block_date") else self.today
        if span is not None and span[1] <= self.now:
            self.say(replies.block_in_past())
            for key in ("block_start", "block_end"):
                self.data.pop(key, None)
        self.ask(replies.ask_block_hours(day, self.today), Expecting.HOURS)

    async def on_enter_confirming_block(self) -> None:
        span = self.block_span()
        assert span is not None
        colliding = [await self.info(a) for a in await self.colliding()]
        block = BlockInfo(self.business.local(span[0]), self.business.local(span[1]), self.data.get("block_reason"))
        self.ask(replies.confirm_block(block, colliding, self.today), Expecting.YES_NO)

    async def on_enter_blocked(self, event: str) -> None:
        """Block the time; appointments in the way are cancelled only after a yes."""
        span = self.block_span()
        assert span is not None
        confirmed = event == "confirmed"
        try:
            result = await booking.block_time(
                self.session,
                organization_id=self.business.id,
                staff_id=self.staff.id,
                start=span[0],
                end=span[1],
                now=self.now,
                reason=self.data.get("block_reason"),
                cancel_colliding=confirmed,
                cancellation_reason=f"bloqueo de {self.staff.name}",
            )
        except BlockCollides:
            # An appointment arrived between our check and the block: nothing was written.
            self.say(
                Reply(
                    text="Justo entró una cita a esa hora, así que no bloqueé nada. Pídemelo otra vez para revisarla."
                )
            )
            return
        except SchedulingError:
            self.say(replies.block_not_made())
            return
        cancelled = [await self.info(a) for a in result.cancelled]
        block = BlockInfo(self.business.local(span[0]), self.business.local(span[1]), self.data.get("block_reason"))
        self.say(replies.blocked(block, self.today, bool(self.data.get("all_day")), len(cancelled)))
        await self._tell_cancelled_customers(result.cancelled, cancelled)

    async def _tell_cancelled_customers(
        self, appointments: list[Appointment], infos: list[replies.AppointmentInfo]
    ) -> None:
        if not appointments:
            return
        for appointment, info in zip(appointments, infos):
            customer = await self.session.get(Customer, appointment.customer_id)
            if customer is not None:
                self.notify(
                    customer,
                    replies.customer_told_cancelled_by_business(
                        customer.name, self.staff.name, info, self.business.name
                    ),
                )
        for owner in self.owners:
            self.notify(owner, replies.notice_block_cancelled(self.staff.name, infos))

    def say_block_not_made(self) -> None:
        self.say(replies.block_not_made())

    # =========================================================================================
    # No-shows and finished appointments
    # =========================================================================================

    async def say_nothing_to_mark(self) -> None:
        """Nothing started to mark; or the appointment meant has not begun yet (then say so)."""
        not_yet = await self._appointment_of_business(self.data.get("mark_not_yet"))
        info = await self.info(not_yet) if not_yet is not None else None
        self.say(replies_staff.nothing_to_mark(self.mark_day, self.today, info))

    async def on_enter_choosing_no_show(self) -> None:
        await self._ask_which_to_mark("no_show")

    async def on_enter_choosing_completed(self) -> None:
        await self._ask_which_to_mark("completed")

    async def _ask_which_to_mark(self, kind: str) -> None:
        choices = set(self.data.get("mark_choices") or [])
        infos = [await self.info(a) for a in await self.started_appointments() if str(a.id) in choices]
        infos.sort(key=lambda a: self.data["mark_choices"].index(a.id))
        reply = replies_staff.ask_which_to_mark(infos, kind, self.staff.is_owner, self.data.get("mark_note"))
        self.ask(reply, Expecting.CHOICE)

    async def on_enter_confirming_no_show(self) -> None:
        appointment = await self.appointment_to_mark()
        assert appointment is not None
        self.ask(replies_staff.confirm_no_show(await self.info(appointment), self.staff.is_owner), Expecting.YES_NO)

    async def on_enter_marked_no_show(self) -> None:
        """Mark it; the question about messaging the customer carries the ✓ when it follows."""
        appointment = await self.appointment_to_mark()
        assert appointment is not None
        try:
            await booking.mark_no_show(
                self.session, organization_id=self.business.id, appointment_id=appointment.id, now=self.now
            )
        except SchedulingError:
            self.say(replies_staff.mark_failed())
            return
        self.data["marked"] = True
        if not await self.may_message_no_show():
            self.say(replies_staff.marked_no_show(await self.info(appointment), offer_message=False))

    async def on_enter_offering_to_message(self) -> None:
        appointment = await self.appointment_to_mark()
        assert appointment is not None
        question = replies_staff.marked_no_show(await self.info(appointment), offer_message=True)
        # Said once with the ✓; asked again (after "gracias", or help) without it.
        lead, _, rest = question.text.partition(" ¿")
        self.ask(question.model_copy(update={"text": f"¿{rest}"}), Expecting.YES_NO, lead=lead)

    async def message_no_show(self) -> None:
        appointment = await self.appointment_to_mark()
        assert appointment is not None
        customer = await self.session.get(Customer, appointment.customer_id)
        assert customer is not None
        info = await self.info(appointment)
        message = replies_staff.no_show_message(
            customer.name, info, self.today, self.business.name, self.data.get("message"), self.staff.name
        )
        self.notify(customer, message)
        self.say(replies_staff.message_sent(message.text))

    def say_not_marked(self) -> None:
        self.say(replies_staff.not_marked())

    def say_not_messaged(self) -> None:
        self.say(replies_staff.not_messaged())

    async def mark_completed(self) -> None:
        appointment = await self.appointment_to_mark()
        assert appointment is not None
        try:
            await booking.complete(
                self.session, organization_id=self.business.id, appointment_id=appointment.id, now=self.now
            )
        except SchedulingError:
            self.say(replies_staff.mark_failed())
            return
        self.say(replies_staff.marked_completed(await self.info(appointment), self.staff.is_owner))

    # =========================================================================================
    # Walk-ins
    # =========================================================================================

    async def on_enter_choosing_walk_in_service(self) -> None:
        named = self.business.service(self.data.get("walk_in_service"))
        note = replies_staff.not_your_service(named.name) if named is not None else None
        services = [service_info(s) for s in await self.walk_in_services()]
        self.ask(replies_staff.ask_walk_in_service(services, note), Expecting.SERVICE)

    def on_enter_asking_walk_in_phone(self) -> None:
        service = self.business.service(self.data["walk_in_service"])
        assert service is not None
        self.ask(replies_staff.ask_walk_in_phone(service.name), Expecting.PHONE)

    def on_enter_asking_walk_in_name(self) -> None:
        self.ask(replies_staff.ask_walk_in_name(self.data.get("walk_in_phone")), Expecting.NAME)

    async def on_enter_walk_in_registered(self) -> None:
        """Book now (or at the later time just accepted); when busy, find the next free time today."""
        service = self.business.service(self.data["walk_in_service"])
        assert service is not None
        customer = await self._walk_in_customer_row()
        later = self.data.pop("walk_in_next", None)
        start = self.business.at(self.today, time.fromisoformat(later)) if later else None
        staff_id = await self.walk_in_staff_id()
        try:
            if start is None and staff_id is not None:
                appointment = await booking.walk_in(
                    self.session,
                    organization_id=self.business.id,
                    staff_id=staff_id,
                    service_id=service.id,
                    customer_id=customer.id,
                    now=self.now,
                )
            else:
                # At a later time, or with whoever is free (an owner registering someone they do not attend).
                appointment = await booking.book(
                    self.session,
                    organization_id=self.business.id,
                    customer_id=customer.id,
                    service_id=service.id,
                    start=start or self.now.replace(second=0, microsecond=0),
                    now=self.now,
                    staff_id=staff_id,
                    source=AppointmentSource.walk_in,
                    policy=booking.STAFF_POLICY,
                )
        except SchedulingError:
            await self._find_later_walk_in_time(service, staff_id)
            return
        info = await self.info(appointment)
        attended_by = None if appointment.staff_id == self.staff.id else info.staff_name
        self.say(
            replies_staff.walk_in_registered(
                customer.name,
                _display(customer.phone),
                service.name,
                info.start,
                start is None,
                attended_by,
            )
        )
        self.notify_owner_and_staff(
            appointment.staff_id,
            replies.notice_new_booking(info, for_staff=False),
            replies.notice_new_booking(info, for_staff=True),
        )

    async def _walk_in_customer_row(self) -> Customer:
        """The customer with the walk-in's phone, or a new one; a name staff give is kept."""
        customer = await self.walk_in_customer()
        name = self.data.get("walk_in_name")
        if customer is None:
            customer = Customer(
                organization_id=self.business.id,
                phone=self.data.get("walk_in_phone"),
                name=name,
                name_source=NameSource.staff if name else None,
                created_at=self.now,
                updated_at=self.now,
            )
            self.session.add(customer)
            await self.session.flush()
            self.data["walk_in_customer"] = str(customer.id)
        elif name and customer.name_source not in KNOWN_NAME_SOURCES:
            customer.name, customer.name_source, customer.updated_at = name, NameSource.staff, self.now
        return customer

    async def _find_later_walk_in_time(self, service: ServiceType, staff_id: uuid.UUID | None) -> None:
        """The next free start today with this person (or anyone), offered next (or: no room today)."""
        slots = await self._openings_today(service, staff_id)
        later = [start for start in slots if start > self.now]
        if not later:
            self.say(replies_staff.walk_in_no_room(service.name))
            return
        self.data["walk_in_next"] = later[0].strftime("%H:%M")

    async def _openings_today(self, service: ServiceType, staff_id: uuid.UUID | None) -> list[datetime]:
        found = await openings_by_day(
            self.session,
            self.business,
            service,
            self.today,
            self.today,
            self.now,
            staff_id=staff_id,
            ignore_notice=True,
        )
        return [opening.start for opening in found.get(self.today, [])]

    async def on_enter_offering_later_walk_in(self) -> None:
        service = self.business.service(self.data["walk_in_service"])
        assert service is not None
        staff_id = await self.walk_in_staff_id()
        busy = (
            (
                await self.session.execute(
                    select(Appointment)
                    .where(
                        Appointment.staff_id == (staff_id or self.staff.id),
                        Appointment.status.in_(ACTIVE_STATUSES),
                        Appointment.starts_at <= self.now,
                        Appointment.busy_until > self.now,
                    )
                    .limit(1)
                )
            )
            .scalars()
            .first()
        )
        busy_with = await self.info(busy) if busy is not None and staff_id == self.staff.id else None
        next_start = self.business.at(self.today, time.fromisoformat(self.data["walk_in_next"]))
        self.ask(replies_staff.walk_in_busy(service.name, busy_with, next_start), Expecting.YES_NO)

    def say_walk_in_not_registered(self) -> None:
        self.say(replies_staff.walk_in_not_registered())


def _who(customer: Customer | None) -> str:
    """A customer as the owner knows them: the name, else the phone."""
    if customer is None:
        return "el cliente"
    return customer.name or (display_phone(customer.phone) if customer.phone else "el cliente")


def _display(phone: str | None) -> str | None:
    return display_phone(phone) if phone else None
