"""The facts and words behind `StaffFlow`: agendas, blocks, and taking a chat back from the owner."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from flows import replies
from flows.agenda import staff_agenda
from flows.chat import Chat, Heard
from flows.describe import appointment_info
from flows.handoff import hand_back, handed_off_conversations
from flows.replies import BlockInfo, Reply
from flows.staff_flow import StaffFlow
from nlu.context import Expecting
from nlu.understanding import Intent
from scheduler import booking
from scheduler.errors import BlockCollides, SchedulingError
from store.models import ACTIVE_STATUSES, Appointment, Customer, Permission, Staff
from store.phones import display_phone

# Staff actions the contract names that this machine does not do yet (see flows/README.md).
LATER_ACTIONS = {
    Intent.MARK_NO_SHOW, Intent.MARK_COMPLETED, Intent.WALK_IN, Intent.CUSTOMER_HISTORY,
    Intent.MESSAGE_CUSTOMER, Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL,
    Intent.ADD_STAFF, Intent.REMOVE_STAFF, Intent.SET_HOURS, Intent.ADD_SERVICE, Intent.UPDATE_SERVICE, Intent.STATS,
}
BLOCK_KEYS = ("block_date", "block_start", "block_end", "block_reason", "all_day")
DEFAULT_BLOCK = timedelta(hours=1)  # "bloquea las 4": one hour from then


class StaffChat(Chat):
    """One staff member's (or, for now, the owner's) conversation: the model `StaffFlow` runs on."""

    flow = StaffFlow

    def __init__(self, turn: Any) -> None:
        super().__init__(turn)
        self.staff: Staff = turn.person
        self._colliding: list[Appointment] | None = None

    # =========================================================================================
    # Listening
    # =========================================================================================

    async def events_for(self, heard: Heard) -> list[str]:
        intent = heard.intent
        if self.state == "ready":
            return await self._at_rest(heard)
        if intent == Intent.STOP:
            return ["gave_up"]
        if self.state == "asking_block_hours":
            if self._remember_block(heard):
                return ["gave_block_hours"]
            if intent in (Intent.GREET, Intent.THANKS):
                return ["digressed"]
            return ["was_not_understood"]
        if self.state == "confirming_block":
            choice = heard.option.id if heard.option is not None else None
            if choice == "yes" or intent in (Intent.AFFIRM, Intent.BLOCK_TIME):
                return ["confirmed"]
            if choice == "no" or intent == Intent.DENY:
                return ["declined"]
            if intent in (Intent.GREET, Intent.THANKS):
                return ["digressed"]
        return ["was_not_understood"]

    async def _at_rest(self, heard: Heard) -> list[str]:
        intent = heard.intent
        if intent in (Intent.AFFIRM, Intent.THANKS) and self.staff.is_owner and await self._has_handed_off_chats():
            return ["finished_with_customer"]
        if intent == Intent.MY_SCHEDULE:
            return ["asked_schedule"]
        if intent == Intent.BUSINESS_SCHEDULE:
            return ["asked_business_schedule"]
        if intent == Intent.BLOCK_TIME:
            for key in BLOCK_KEYS:
                self.data.pop(key, None)
            self._remember_block(heard)
            return ["wants_to_block"]
        if intent in LATER_ACTIONS:
            return ["asked_for_later_action"]
        if intent == Intent.GREET:
            return ["greeted"]
        if intent in (Intent.THANKS, Intent.GOODBYE, Intent.AFFIRM, Intent.DENY, Intent.STOP):
            return ["thanked"]
        return ["was_not_understood"]

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
    # Facts the guards check
    # =========================================================================================

    def may_see_business_schedule(self) -> bool:
        """Guard: the owner, or an employee allowed to see everyone's agenda."""
        return self.staff.may(Permission.view_business_schedule)

    def knows_block_hours(self) -> bool:
        """Guard: we know when to block, and it has not already passed."""
        span = self.block_span()
        return span is not None and span[1] > self.now

    async def block_collides(self) -> bool:
        """Guard: active appointments fall inside the block."""
        return bool(await self.colliding())

    def block_span(self) -> tuple[datetime, datetime] | None:
        """The block as aware instants, from what was said ("de 2 a 3", "las 4", "todo el día")."""
        day = date.fromisoformat(self.data["block_date"]) if self.data.get("block_date") else self.today
        if self.data.get("all_day"):
            return self.business.at(day, time(0)), self.business.at(day + timedelta(days=1), time(0))
        start_text = self.data.get("block_start")
        if not start_text:
            return None
        start = self.business.at(day, time.fromisoformat(start_text))
        end_text = self.data.get("block_end")
        end = self.business.at(day, time.fromisoformat(end_text)) if end_text else start + DEFAULT_BLOCK
        if end <= start:
            end = start + DEFAULT_BLOCK
        return start, end

    async def colliding(self) -> list[Appointment]:
        if self._colliding is None:
            span = self.block_span()
            if span is None:
                return []
            rows = await self.session.execute(
                select(Appointment)
                .where(
                    Appointment.staff_id == self.staff.id,
                    Appointment.status.in_(ACTIVE_STATUSES),
                    Appointment.starts_at < span[1],
                    Appointment.ends_at > span[0],
                )
                .order_by(Appointment.starts_at)
            )
            self._colliding = list(rows.scalars().all())
        return self._colliding

    async def _has_handed_off_chats(self) -> bool:
        return bool(await handed_off_conversations(self.session, self.business.id))

    # =========================================================================================
    # At rest
    # =========================================================================================

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

    def say_not_allowed(self) -> None:
        owner = self.business.owner
        self.say(replies.not_allowed(owner.name if owner else None))

    def say_not_available_yet(self) -> None:
        self.say(replies.not_available_yet())

    async def hand_back_customer(self) -> None:
        """Yume answers the customer again (the most recently handed-off chat)."""
        chats = await handed_off_conversations(self.session, self.business.id)
        latest = chats[0]
        hand_back(latest, self.now)
        customer = await self.session.get(Customer, latest.customer_id) if latest.customer_id else None
        self.say(replies.handed_back(_who(customer), len(chats) - 1))

    def show_help(self) -> None:
        self.say(replies.staff_help())
        for key in BLOCK_KEYS:
            self.data.pop(key, None)
        self.forget_question()

    def on_enter_ready(self) -> None:
        for key in BLOCK_KEYS:
            self.data.pop(key, None)
        self.forget_question()

    def help_line(self) -> str:
        if self.state == "asking_block_hours":
            return "Dime las horas, por ejemplo «de 2 a 4» o «todo el día»."
        if self.state == "confirming_block":
            return "Responde «sí» para bloquear (y cancelar esas citas) o «no» para dejarlo así."
        return ""

    async def on_digressed(self) -> None:
        """A greeting or thanks in the middle of a block: ask the pending question again."""
        self.reask()

    def on_gave_up(self) -> None:
        self.say(replies.block_not_made())

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
        colliding = [await appointment_info(self.session, self.business, a) for a in await self.colliding()]
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
            self.say(Reply(text="Justo entró una cita a esa hora, así que no bloqueé nada. Pídemelo otra vez para revisarla."))
            return
        except SchedulingError:
            self.say(replies.block_not_made())
            return
        cancelled = [await appointment_info(self.session, self.business, a) for a in result.cancelled]
        block = BlockInfo(self.business.local(span[0]), self.business.local(span[1]), self.data.get("block_reason"))
        self.say(replies.blocked(block, self.today, bool(self.data.get("all_day")), len(cancelled)))
        await self._tell_cancelled_customers(result.cancelled, cancelled)

    async def _tell_cancelled_customers(self, appointments: list[Appointment], infos: list[replies.AppointmentInfo]) -> None:
        if not appointments:
            return
        for appointment, info in zip(appointments, infos):
            customer = await self.session.get(Customer, appointment.customer_id)
            if customer is not None:
                self.notify(customer, replies.customer_told_cancelled_by_business(customer.name, self.staff.name, info, self.business.name))
        for owner in self.owners:
            self.notify(owner, replies.notice_block_cancelled(self.staff.name, infos))

    def say_block_not_made(self) -> None:
        self.say(replies.block_not_made())



def _who(customer: Customer | None) -> str:
    """A customer as the owner knows them: the name, else the phone."""
    if customer is None:
        return "el cliente"
    return customer.name or (display_phone(customer.phone) if customer.phone else "el cliente")
