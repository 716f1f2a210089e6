"""A staff member's conversation: the facts `StaffFlow` runs on, and the tasks it composes.

`StaffChat` knows who writes (permissions, the services they do) and turns a request at rest into
its task; the tasks do the rest. The owner's chat is this one plus running the business
(`flows/owner/chat.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from flows.core import replies

from flows.staff import replies as replies_staff
from flows.appointments.when import ChoosingWhen
from flows.core.chat import Chat, Heard, Task, Turn
from flows.core.drafts import Draft
from flows.core.handoff import hand_back, handed_off_conversations
from flows.staff.blocking import BlockDraft, Blocking
from flows.staff.errands import ERRAND_OF, Errand, ErrandBooking, ErrandCancelling, ErrandMoving, errand_draft_v1
from flows.staff.flow import StaffFlow
from flows.staff.marking import MarkDraft, Marking
from flows.staff.schedule import Schedule
from flows.staff.unblocking import Unblocking
from flows.staff.walk_in import WalkIn, WalkInDraft
from nlu.understanding import Intent
from store.models import Customer, Permission, ServiceType, Staff, StaffService
from store.phones import display_phone

# Requests a staff member can make at rest, and the event each starts.
STAFF_REQUESTS: dict[Intent, str] = {
    Intent.MY_SCHEDULE: "asked_schedule",
    Intent.BUSINESS_SCHEDULE: "asked_business_schedule",
    Intent.WEEK_PAGE: "asked_week_page",
    Intent.UNBLOCK: "asked_to_unblock",
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
SMALL_TALK = {Intent.THANKS, Intent.GOODBYE, Intent.AFFIRM, Intent.DENY, Intent.STOP}
STAFF_COMPONENTS = (Schedule, Blocking, Unblocking, Marking, WalkIn, Errand, ErrandBooking, ErrandMoving, ErrandCancelling, ChoosingWhen)


class StaffChat(Chat):
    """One staff member's conversation: the model `StaffFlow` runs on."""

    machine = StaffFlow
    components = STAFF_COMPONENTS

    def __init__(self, turn: Turn) -> None:
        super().__init__(turn)
        self.staff: Staff = turn.person  # type: ignore[assignment]
        self._my_services: list[ServiceType] | None = None
        # The day an agenda shown in the last message was about (for this message only).
        self.day_in_context = self.data.talked_about
        self.data.talked_about = None

    # =========================================================================================
    # Permissions and facts
    # =========================================================================================

    def may_view_history(self) -> bool:
        """Guard: may look at a customer's visits."""
        return self.staff.may(Permission.view_customer_history)

    def may_message_customers(self) -> bool:
        """Guard: may write to customers in the business's name."""
        return self.staff.may(Permission.message_customers)

    def may_manage_appointments(self) -> bool:
        """Guard: may book, move or cancel a customer's appointment."""
        return self.staff.may(Permission.manage_customer_appointments)

    async def my_services(self) -> list[ServiceType]:
        """The active services this person performs."""
        if self._my_services is None:
            if self.staff.offers_all_services:
                self._my_services = list(self.business.services)
            else:
                rows = await self.session.execute(select(StaffService.service_id).where(StaffService.staff_id == self.staff.id))
                ids = set(rows.scalars())
                self._my_services = [service for service in self.business.services if service.id in ids]
        return self._my_services

    # =========================================================================================
    # Listening
    # =========================================================================================

    def requests(self) -> Mapping[Intent, str]:
        """The requests this role makes at rest (the owner adds running the business)."""
        return STAFF_REQUESTS

    async def hear_at_rest(self, heard: Heard) -> list[str]:
        intent = heard.intent
        self.data.draft = None
        if intent == Intent.BLOCK_TIME:
            blocking = self.part(Blocking)
            blocking.begin(self.day_in_context)
            await blocking.fill(heard)
        elif intent in (Intent.MARK_NO_SHOW, Intent.MARK_COMPLETED):
            await self.part(Marking).begin(heard, "no_show" if intent == Intent.MARK_NO_SHOW else "completed")
        elif intent == Intent.WALK_IN:
            self.data.draft = WalkInDraft()
            await self.part(WalkIn).fill(heard)
        elif intent in ERRAND_OF:
            await self.part(Errand).begin(intent, heard)
        event = self.requests().get(intent)
        if event is not None:
            return [event]
        if intent == Intent.GREET:
            return ["greeted"]
        if intent in SMALL_TALK:
            return ["thanked"]
        return ["was_not_understood"]

    async def has_handed_off_chats(self) -> bool:
        return bool(await handed_off_conversations(self.session, self.business.id))

    def starts_something_else(self, heard: Heard, task: Task) -> bool:
        """A different request in the middle of this one («¿qué tengo hoy?» while registering a walk-in)."""
        outer = [part for part in self.parts if isinstance(part, Task) and self.in_state(part.state)]
        belongs = any(heard.intent in part.intents for part in outer)
        return heard.intent in self.requests() and not belongs

    # =========================================================================================
    # At rest: what Yume says
    # =========================================================================================

    def greet(self) -> None:
        self.say(replies.staff_greeting(self.staff.name))

    def say_you_are_welcome(self) -> None:
        self.say(replies.you_are_welcome())

    def say_not_allowed(self) -> None:
        owner = self.business.owner
        self.say(replies_staff.not_allowed_to_do(owner.name if owner else None))

    async def hand_back_customer(self) -> None:
        """Yume answers the customer again (the most recently handed-off chat)."""
        chats = await handed_off_conversations(self.session, self.business.id)
        latest = chats[0]
        hand_back(latest, self.now)
        customer = await self.session.get(Customer, latest.customer_id) if latest.customer_id else None
        self.say(replies.handed_back(_who(customer), len(chats) - 1))

    def on_enter_ready(self) -> None:
        self.back_at_rest()

    # =========================================================================================
    # Repair
    # =========================================================================================

    def show_help(self) -> None:
        self.say(self.help_reply())
        self.back_at_rest()

    def help_reply(self) -> replies.Reply:
        return replies.staff_help()

    async def answer_digression(self) -> None:
        """A greeting, thanks or a question in the middle of something: ask the pending question again."""
        self.reask()

    def dropped_reply(self) -> replies.Reply:
        if isinstance(self.data.draft, BlockDraft):
            return replies.block_not_made()
        return replies_staff.dropped()

    # =========================================================================================
    # Conversations stored before drafts (flow_data version 1)
    # =========================================================================================

    @classmethod
    def migrate_v1(cls, raw: Mapping[str, Any]) -> Draft | None:
        """The request a version-1 staff chat was collecting (block_*, mark_*, walk_in_*, errand keys)."""
        return staff_draft_v1(raw)


def staff_draft_v1(raw: Mapping[str, Any]) -> Draft | None:
    """A version-1 staff `flow_data` as this version's draft (the keys of the old StaffChat)."""
    if raw.get("block_start") or raw.get("block_date") or raw.get("all_day"):
        return BlockDraft(
            day=raw.get("block_date"),
            start=raw.get("block_start"),
            end=raw.get("block_end"),
            all_day=bool(raw.get("all_day")),
            reason=raw.get("block_reason"),
        )
    if raw.get("mark_kind"):
        return MarkDraft(
            kind=raw["mark_kind"],
            day=raw.get("mark_date"),
            appointment_id=raw.get("mark_id"),
            choices=raw.get("mark_choices") or [],
            note=raw.get("mark_note"),
            marked=bool(raw.get("marked")),
        )
    if raw.get("walk_in_service") or raw.get("walk_in_phone"):
        return WalkInDraft(
            service_id=raw.get("walk_in_service"),
            staff_id=raw.get("walk_in_staff"),
            phone=raw.get("walk_in_phone"),
            customer_id=raw.get("walk_in_customer"),
            name=raw.get("walk_in_name"),
            later=raw.get("walk_in_next"),
        )
    if raw.get("errand"):
        return errand_draft_v1(raw)
    return None


def _who(customer: Customer | None) -> str:
    """A customer as the owner knows them: the name, else the phone."""
    if customer is None:
        return "el cliente"
    return customer.name or (display_phone(customer.phone) if customer.phone else "el cliente")
