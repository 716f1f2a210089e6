"""The owner's conversation: a staff chat that also runs the business (`OwnerFlow`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.core import replies

from flows.owner import replies as replies_owner
from flows.core.chat import Heard
from flows.core.drafts import Draft
from flows.owner.flow import OwnerFlow
from flows.owner.hours import ChangingHours, HoursDraft, SpecialDay
from flows.owner.services import AddingService, ChangingService, NewServiceDraft, ServiceChangeDraft
from flows.owner.stats import Stats
from flows.owner.team import AddingStaff, NewStaffDraft, RemovalDraft, RemovingStaff
from flows.staff.chat import STAFF_COMPONENTS, STAFF_REQUESTS, StaffChat, staff_draft_v1
from nlu.understanding import Intent

OWNER_REQUESTS: dict[Intent, str] = {
    **STAFF_REQUESTS,
    Intent.STATS: "asked_stats",
    Intent.ADD_STAFF: "wants_to_add_staff",
    Intent.REMOVE_STAFF: "wants_to_remove_staff",
    Intent.SET_HOURS: "wants_to_set_hours",
    Intent.ADD_SERVICE: "wants_to_add_service",
    Intent.UPDATE_SERVICE: "wants_to_change_service",
}
# A task's fresh draft when the owner asks for it at rest (the message then fills it).
STARTS = {
    Intent.ADD_STAFF: (AddingStaff, NewStaffDraft),
    Intent.REMOVE_STAFF: (RemovingStaff, RemovalDraft),
    Intent.SET_HOURS: (ChangingHours, HoursDraft),
    Intent.ADD_SERVICE: (AddingService, NewServiceDraft),
    Intent.UPDATE_SERVICE: (ChangingService, ServiceChangeDraft),
}


class OwnerChat(StaffChat):
    """The owner's conversation: everything a staff member does, plus running the business."""

    machine = OwnerFlow
    components = (*STAFF_COMPONENTS, AddingStaff, RemovingStaff, ChangingHours, SpecialDay, AddingService, ChangingService, Stats)

    def requests(self) -> Mapping[Intent, str]:
        return OWNER_REQUESTS

    async def hear_at_rest(self, heard: Heard) -> list[str]:
        intent = heard.intent
        if intent in (Intent.AFFIRM, Intent.THANKS) and await self.has_handed_off_chats():
            return ["finished_with_customer"]  # «listo»: done talking to that customer
        if intent == Intent.SET_HOURS and heard.slots.date is not None and not heard.slots.weekdays:
            self.part(SpecialDay).begin(heard)  # one date, for everyone: a closure or a short day
            return ["wants_special_day"]
        if intent in STARTS:
            task, draft = STARTS[intent]
            self.data.draft = draft()
            await self.part(task).fill(heard)
            return [OWNER_REQUESTS[intent]]
        return await super().hear_at_rest(heard)

    def greet(self) -> None:
        self.say(replies_owner.owner_greeting(self.staff.name))

    def help_reply(self) -> replies.Reply:
        return replies_owner.owner_help()

    @classmethod
    def migrate_v1(cls, raw: Mapping[str, Any]) -> Draft | None:
        """The request a version-1 owner chat was collecting (its administration keys, else the staff ones)."""
        if raw.get("new_staff_name") or raw.get("new_staff_phone") or "new_staff_services" in raw:
            services = raw.get("new_staff_services")
            return NewStaffDraft(
                name=raw.get("new_staff_name"),
                phone=raw.get("new_staff_phone"),
                all_services=services == "all",
                service_ids=services if isinstance(services, list) else None,
                staff_id=raw.get("new_staff_id"),
            )
        if raw.get("remove_staff_id"):
            return RemovalDraft(staff_id=raw["remove_staff_id"])
        if any(key in raw for key in ("hours_weekdays", "hours_opens", "hours_closes", "hours_closed")):
            return HoursDraft(
                weekdays=raw.get("hours_weekdays") or [],
                opens=raw.get("hours_opens"),
                closes=raw.get("hours_closes"),
                closed=bool(raw.get("hours_closed")),
            )
        if raw.get("new_service_name") or "new_service_price" in raw or "new_service_minutes" in raw:
            return NewServiceDraft(
                name=raw.get("new_service_name"),
                price_cents=raw.get("new_service_price"),
                minutes=raw.get("new_service_minutes"),
            )
        if raw.get("change_service_id"):
            return ServiceChangeDraft(
                service_id=raw["change_service_id"], price_cents=raw.get("change_price"), minutes=raw.get("change_minutes")
            )
        return staff_draft_v1(raw)

