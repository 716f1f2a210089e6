"""The team: adding someone («entró un chavo nuevo, Rodrigo, su número 55 2233 4455») and removing them.

Adding: name → WhatsApp number → services («todos», «corte y barba»), each asked only while
missing → yes → added, then a welcome message to their WhatsApp is offered. Removing: who → yes;
refused while they have appointments ahead (listed, to move or cancel first), so no customer
keeps an appointment with someone who no longer works there. Their history stays.

    adding_staff_steps(), removing_staff_steps()   # compound states of the owner's machine
"""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from statemachine import State

from flows.owner import replies as replies_owner
from flows.core.chat import Chat, Heard, Task, capitalized
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import appointment_info, service_info
from flows.core.references import names_match
from nlu.context import Expecting
from nlu.free_text import name_answer
from nlu.understanding import Intent
from store.models import ACTIVE_STATUSES, Appointment, ServiceType, Staff, StaffRole, StaffService
from store.phones import display_phone


def adding_staff_steps() -> State:
    """Name, number and services while missing; a yes; then a welcome message offered."""

    class adding_staff(State.Compound):
        """Someone new on the team."""

        next_new_staff_step = NextStep(initial=True)
        asking_staff_name = Step(Expecting.NAME, help=replies_owner.HELP_STAFF_NAME)
        asking_staff_phone = Step(Expecting.PHONE, help=replies_owner.HELP_STAFF_PHONE)
        choosing_staff_services = Step(Expecting.SERVICES, help=replies_owner.HELP_STAFF_SERVICES)
        confirming_new_staff = Step(Expecting.YES_NO, help=replies_owner.HELP_CONFIRM_STAFF)
        offering_welcome = Step(Expecting.YES_NO, help=replies_owner.HELP_WELCOME)
        staff_added = Outcome()
        staff_not_added = Outcome()
        welcome_sent = Outcome()
        welcome_skipped = Outcome()
        new_staff_done = Done()

        next_new_staff_step.to(asking_staff_name, unless="knows_staff_name")
        next_new_staff_step.to(asking_staff_phone, unless="knows_staff_phone")
        next_new_staff_step.to(choosing_staff_services, unless="knows_staff_services")
        next_new_staff_step.to(confirming_new_staff, unless="new_staff_answered")
        next_new_staff_step.to(staff_not_added, unless="new_staff_confirmed")
        next_new_staff_step.to(staff_added, unless="new_staff_saved")
        next_new_staff_step.to(offering_welcome, unless="welcome_answered")
        next_new_staff_step.to(welcome_sent, cond="welcome_wanted")
        next_new_staff_step.to(welcome_skipped)
        answered = next_new_staff_step.from_(
            asking_staff_name, asking_staff_phone, choosing_staff_services, confirming_new_staff, offering_welcome
        )
        staff_added.to(next_new_staff_step, cond="new_staff_saved")
        staff_added.to(new_staff_done)
        staff_not_added.to(new_staff_done)
        welcome_sent.to(new_staff_done)
        welcome_skipped.to(new_staff_done)

    return adding_staff


def removing_staff_steps() -> State:
    """Who; refused while they have appointments ahead; else a yes removes them."""

    class removing_staff(State.Compound):
        """Someone leaves the team (their history stays)."""

        next_removal_step = NextStep(initial=True)
        choosing_staff_to_remove = Step(Expecting.STAFF, help=replies_owner.HELP_STAFF_TO_REMOVE)
        confirming_removal = Step(Expecting.YES_NO, help=replies_owner.HELP_CONFIRM_REMOVAL)
        removal_refused = Outcome()
        staff_removed = Outcome()
        staff_kept = Outcome()
        removal_done = Done()

        next_removal_step.to(choosing_staff_to_remove, unless="knows_staff_to_remove")
        next_removal_step.to(removal_refused, cond="staff_has_appointments_ahead")
        next_removal_step.to(confirming_removal, unless="removal_answered")
        next_removal_step.to(staff_removed, cond="removal_confirmed")
        next_removal_step.to(staff_kept)
        answered = next_removal_step.from_(choosing_staff_to_remove, confirming_removal)
        removal_refused.to(removal_done)
        staff_removed.to(removal_done)
        staff_kept.to(removal_done)

    return removing_staff


class NewStaffDraft(Draft):
    """Someone being added, as far as it was said."""

    task: Literal["adding_staff"] = "adding_staff"
    name: str | None = None
    phone: str | None = None
    phone_note: str | None = None  # that number is someone else's on the team
    all_services: bool = False
    service_ids: list[uuid.UUID] | None = None  # None: not said yet
    confirmed: bool | None = None
    staff_id: uuid.UUID | None = None  # once added
    welcome: bool | None = None


class RemovalDraft(Draft):
    """Someone being removed, as far as it was said."""

    task: Literal["removing_staff"] = "removing_staff"
    staff_id: uuid.UUID | None = None
    note: str | None = None
    confirmed: bool | None = None


class AddingStaff(Task):
    """Adding someone to the team."""

    state = "adding_staff"
    intents = frozenset({Intent.ADD_STAFF})

    @property
    def draft(self) -> NewStaffDraft:
        return self.draft_as(NewStaffDraft)

    async def fill(self, heard: Heard) -> bool:
        chat, draft, slots = self.chat, self.draft, heard.slots
        gave = False
        for step, field in (("confirming_new_staff", "confirmed"), ("offering_welcome", "welcome")):
            answer = self.yes_or_no(step, heard)
            if answer is not None:
                setattr(draft, field, answer)
                return True
        name = slots.person_name
        if name is None and chat.in_state("asking_staff_name") and heard.text and heard.intent in (Intent.INFORM, Intent.OTHER):
            name = name_answer(heard.text)
        if name:
            draft.name = capitalized(name)
            gave = True
        if slots.phone:
            await self._take_phone(slots.phone)
            gave = True
        gave = self._take_services(heard) or gave
        if gave:
            draft.confirmed = None
        return gave

    async def _take_phone(self, phone: str) -> None:
        """Keep a phone nobody on the team has; a taken one is forgotten with a note saying whose it is."""
        chat, draft = self.chat, self.draft
        draft.phone_note = None
        taken = (
            (
                await chat.session.execute(
                    select(Staff).where(Staff.organization_id == chat.business.id, Staff.phone == phone, Staff.active.is_(True))
                )
            )
            .scalars()
            .first()
        )
        if taken is not None:
            draft.phone = None
            draft.phone_note = replies_owner.phone_taken(taken.name)
        else:
            draft.phone = phone

    def _take_services(self, heard: Heard) -> bool:
        option, slots, draft = heard.option, heard.slots, self.draft
        business = self.chat.business
        if (option is not None and option.id == "svcs:all") or slots.all_services:
            draft.all_services, draft.service_ids = True, None
            return True
        if not self.chat.in_state("choosing_staff_services") and not slots.services:
            return False  # «corte» while adding someone is a service only when asked for, or listed
        names = list(slots.services or ([slots.service] if slots.service else []))
        ids = [s.id for s in (business.service_named(name) for name in names) if s is not None]
        if option is not None and option.kind == "svc" and business.service(option.value) is not None:
            ids = [uuid.UUID(option.value)]
        if not ids:
            return False
        draft.all_services, draft.service_ids = False, ids
        return True

    # -- guards -------------------------------------------------------------------------------

    def knows_staff_name(self) -> bool:
        """Guard: we know the new person's name."""
        return bool(self.draft.name)

    def knows_staff_phone(self) -> bool:
        """Guard: we have a WhatsApp number nobody on the team uses."""
        return bool(self.draft.phone)

    def knows_staff_services(self) -> bool:
        """Guard: we know which services they will do («todos» or some)."""
        return self.draft.all_services or self.draft.service_ids is not None

    def new_staff_answered(self) -> bool:
        """Guard: the yes or no to adding them was given."""
        return self.draft.confirmed is not None

    def new_staff_confirmed(self) -> bool:
        """Guard: it was a yes."""
        return bool(self.draft.confirmed)

    def new_staff_saved(self) -> bool:
        """Guard: the new person was added (a welcome can be sent)."""
        return self.draft.staff_id is not None

    def welcome_answered(self) -> bool:
        """Guard: the yes or no to the welcome message was given."""
        return self.draft.welcome is not None

    def welcome_wanted(self) -> bool:
        """Guard: they want the welcome sent."""
        return bool(self.draft.welcome)

    # -- the steps --------------------------------------------------------------------------------

    def services(self) -> list[ServiceType] | None:
        """None: every service (now and later); else the services picked."""
        draft = self.draft
        if draft.all_services or draft.service_ids is None:
            return None
        return [s for s in (self.chat.business.service(i) for i in draft.service_ids) if s is not None]

    def on_enter_asking_staff_name(self) -> None:
        self.chat.ask(replies_owner.ask_staff_name(), lead=replies_owner.NEED_SOME_DETAILS)

    def on_enter_asking_staff_phone(self) -> None:
        note, self.draft.phone_note = self.draft.phone_note, None
        self.chat.ask(replies_owner.ask_staff_phone(note))

    def on_enter_choosing_staff_services(self) -> None:
        services = [service_info(s) for s in self.chat.business.services]
        self.chat.ask(replies_owner.ask_staff_services(self.draft.name or "", services))

    def on_enter_confirming_new_staff(self) -> None:
        services = self.services()
        names = None if services is None else [s.name for s in services]
        draft = self.draft
        assert draft.name and draft.phone
        self.chat.ask(replies_owner.confirm_new_staff(draft.name, display_phone(draft.phone), names))

    async def on_enter_staff_added(self) -> None:
        """Add them (or bring back someone who worked here before with that number)."""
        chat, draft = self.chat, self.draft
        assert draft.name and draft.phone
        member = (
            (await chat.session.execute(select(Staff).where(Staff.organization_id == chat.business.id, Staff.phone == draft.phone)))
            .scalars()
            .first()
        )
        if member is not None and member.active:
            chat.say(replies_owner.staff_not_added())  # someone took that number meanwhile
            return
        services = self.services()
        if member is None:
            member = Staff(organization_id=chat.business.id, phone=draft.phone, name=draft.name)
            member.location_id = chat.business.calendar.location.id if chat.business.calendar.location else None
            chat.session.add(member)
        member.name = draft.name
        member.role = StaffRole.employee
        member.active = True
        member.offers_all_services = services is None
        member.updated_at = chat.now
        await chat.session.flush()
        await chat.session.execute(StaffService.__table__.delete().where(StaffService.staff_id == member.id))
        for service in services or []:
            chat.session.add(StaffService(staff_id=member.id, service_id=service.id))
        await chat.session.flush()
        draft.staff_id = member.id

    def on_enter_offering_welcome(self) -> None:
        draft = self.draft
        assert draft.name and draft.phone
        self.chat.ask(
            replies_owner.offer_welcome(),
            lead=replies_owner.staff_added(draft.name, display_phone(draft.phone)),
            separator="\n\n",
        )

    async def on_enter_welcome_sent(self) -> None:
        chat = self.chat
        member = await chat.session.get(Staff, self.draft.staff_id)
        assert member is not None
        owner = chat.staff  # type: ignore[attr-defined]
        chat.notify(member, replies_owner.welcome_message(member.name, owner.name, chat.business.name))
        chat.say(replies_owner.welcome_sent())

    def on_enter_welcome_skipped(self) -> None:
        self.chat.say(replies_owner.no_welcome(self.draft.name or ""))

    def on_enter_staff_not_added(self) -> None:
        self.chat.say(replies_owner.staff_not_added())


class RemovingStaff(Task):
    """Removing someone from the team."""

    state = "removing_staff"
    intents = frozenset({Intent.REMOVE_STAFF})

    def __init__(self, chat: Chat) -> None:
        super().__init__(chat)
        self._ahead: list[Appointment] | None = None

    @property
    def draft(self) -> RemovalDraft:
        return self.draft_as(RemovalDraft)

    async def fill(self, heard: Heard) -> bool:
        draft = self.draft
        answer = self.yes_or_no("confirming_removal", heard, Intent.REMOVE_STAFF)
        if answer is not None:
            draft.confirmed = answer
            return True
        return self.point_at_staff(heard)

    def point_at_staff(self, heard: Heard) -> bool:
        """Who, from a tapped option, a staff name or a name said; True when someone was named."""
        chat, draft = self.chat, self.draft
        option, slots = heard.option, heard.slots
        draft.note = None
        member: Staff | None = None
        if option is not None and option.kind == "staff":
            member = chat.business.staff_member(option.value)
        elif slots.staff:
            member = chat.business.staff_named(slots.staff)
        else:
            said = slots.person_name or (name_answer(heard.text) if not chat.resting and heard.text else None)
            if not said:
                return False
            matches = [m for m in chat.business.staff if names_match(said, m.name)]
            member = matches[0] if len(matches) == 1 else None
            if member is None:
                draft.note = replies_owner.no_staff_named(said)
                return True
        if member is None:
            return False
        if member.role == StaffRole.owner:
            draft.note = replies_owner.only_employees(member.name)
            draft.staff_id = None
        else:
            draft.staff_id = member.id
        self._ahead = None
        return True

    async def appointments_ahead(self) -> list[Appointment]:
        if self._ahead is None:
            wanted = self.draft.staff_id
            if wanted is None:
                return []
            rows = await self.chat.session.execute(
                select(Appointment)
                .where(Appointment.staff_id == wanted, Appointment.status.in_(ACTIVE_STATUSES), Appointment.starts_at >= self.chat.now)
                .order_by(Appointment.starts_at)
            )
            self._ahead = list(rows.scalars().all())
        return self._ahead

    # -- guards -------------------------------------------------------------------------------

    def knows_staff_to_remove(self) -> bool:
        """Guard: an employee (never an owner) was named."""
        return self.draft.staff_id is not None

    async def staff_has_appointments_ahead(self) -> bool:
        """Guard: the person has active appointments from now on."""
        return bool(await self.appointments_ahead())

    def removal_answered(self) -> bool:
        """Guard: the yes or no was given."""
        return self.draft.confirmed is not None

    def removal_confirmed(self) -> bool:
        """Guard: it was a yes."""
        return bool(self.draft.confirmed)

    # -- the steps --------------------------------------------------------------------------------

    def on_enter_choosing_staff_to_remove(self) -> None:
        employees = [(str(m.id), m.name) for m in self.chat.business.staff if m.role != StaffRole.owner]
        self.chat.ask(replies_owner.ask_staff_to_remove(employees, self.draft.note))

    async def on_enter_removal_refused(self) -> None:
        chat = self.chat
        member = chat.business.staff_member(self.draft.staff_id)
        assert member is not None
        infos = [await appointment_info(chat.session, chat.business, a) for a in await self.appointments_ahead()]
        chat.say(replies_owner.removal_refused(member.name, infos, chat.today))

    def on_enter_confirming_removal(self) -> None:
        member = self.chat.business.staff_member(self.draft.staff_id)
        assert member is not None
        self.chat.ask(replies_owner.confirm_removal(member.name))

    async def on_enter_staff_removed(self) -> None:
        chat = self.chat
        member = await chat.session.get(Staff, self.draft.staff_id)
        assert member is not None
        self._ahead = None
        if await self.appointments_ahead():  # booked a moment ago: the same rule as before
            await self.on_enter_removal_refused()
            return
        member.active = False
        member.updated_at = chat.now
        chat.say(replies_owner.staff_removed(member.name))

    def on_enter_staff_kept(self) -> None:
        member = self.chat.business.staff_member(self.draft.staff_id)
        self.chat.say(replies_owner.staff_kept(member.name if member else ""))
