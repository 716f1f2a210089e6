"""The menu: a new service («agrega planchado de cabello, 300 pesos, 45 minutos»), or a new price or
duration («el tinte ahora cuesta 550»).

A new service is confirmed first; a change of price or duration is made at once (appointments
already booked keep the price they were booked at).

    adding_service_steps(), changing_service_steps()   # compound states of the owner's machine
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select
from statemachine import State

from flows.owner import replies as replies_owner
from flows.core.chat import Heard, Task
from flows.core.drafts import Draft
from flows.core.steps import Done, NextStep, Outcome, Step
from flows.core.describe import service_info
from nlu.context import Expecting
from nlu.understanding import Intent
from store.models import ServiceType

LONGEST_SERVICE_MINUTES = 12 * 60


def adding_service_steps() -> State:
    """Name, price and duration while missing, then a yes."""

    class adding_service(State.Compound):
        """A new service on the menu."""

        next_new_service_step = NextStep(initial=True)
        asking_service_name = Step(Expecting.SERVICE_NAME, help=replies_owner.HELP_SERVICE_NAME)
        asking_service_price = Step(Expecting.PRICE, help=replies_owner.HELP_SERVICE_PRICE)
        asking_service_minutes = Step(Expecting.MINUTES, help=replies_owner.HELP_SERVICE_MINUTES)
        confirming_new_service = Step(Expecting.YES_NO, help=replies_owner.HELP_CONFIRM_SERVICE)
        service_added = Outcome()
        service_not_added = Outcome()
        new_service_done = Done()

        next_new_service_step.to(asking_service_name, unless="knows_new_service_name")
        next_new_service_step.to(asking_service_price, unless="knows_new_service_price")
        next_new_service_step.to(asking_service_minutes, unless="knows_new_service_minutes")
        next_new_service_step.to(confirming_new_service, unless="new_service_answered")
        next_new_service_step.to(service_added, cond="new_service_confirmed")
        next_new_service_step.to(service_not_added)
        answered = next_new_service_step.from_(
            asking_service_name, asking_service_price, asking_service_minutes, confirming_new_service
        )
        service_added.to(new_service_done)
        service_not_added.to(new_service_done)

    return adding_service


def changing_service_steps() -> State:
    """Which service and the new price or duration, while missing; changed at once."""

    class changing_service(State.Compound):
        """A service's price or duration."""

        next_service_change_step = NextStep(initial=True)
        choosing_service_to_change = Step(Expecting.SERVICE, help=replies_owner.HELP_SERVICE_TO_CHANGE)
        asking_service_change = Step(Expecting.PRICE, help=replies_owner.HELP_SERVICE_CHANGE)
        service_changed = Outcome()
        service_change_done = Done()

        next_service_change_step.to(choosing_service_to_change, unless="knows_service_to_change")
        next_service_change_step.to(asking_service_change, unless="knows_service_change")
        next_service_change_step.to(service_changed)
        answered = next_service_change_step.from_(choosing_service_to_change, asking_service_change)
        service_changed.to(service_change_done)

    return changing_service


class NewServiceDraft(Draft):
    task: Literal["adding_service"] = "adding_service"
    name: str | None = None
    note: str | None = None  # the business already has it
    price_cents: int | None = None
    minutes: int | None = None
    confirmed: bool | None = None


class ServiceChangeDraft(Draft):
    task: Literal["changing_service"] = "changing_service"
    service_id: uuid.UUID | None = None
    price_cents: int | None = None
    minutes: int | None = None


def _cents(price: Decimal | None) -> int | None:
    return int(price * 100) if price is not None else None


def _minutes(minutes: int | None) -> int | None:
    return minutes if minutes and minutes <= LONGEST_SERVICE_MINUTES else None


class AddingService(Task):
    """A new service."""

    state = "adding_service"
    intents = frozenset({Intent.ADD_SERVICE})

    @property
    def draft(self) -> NewServiceDraft:
        return self.draft_as(NewServiceDraft)

    async def fill(self, heard: Heard) -> bool:
        chat, draft, slots = self.chat, self.draft, heard.slots
        answer = self.yes_or_no("confirming_new_service", heard)
        if answer is not None:
            draft.confirmed = answer
            return True
        gave = False
        if slots.new_service:
            name = " ".join(slots.new_service.split())[:120]
            name = name[:1].upper() + name[1:]
            draft.note = None
            existing = next((s for s in chat.business.services if s.name.casefold() == name.casefold()), None)
            if existing is not None:
                draft.note, draft.name = replies_owner.service_exists(existing.name), None
            else:
                draft.name = name
            gave = True
        if _cents(slots.price) is not None:
            draft.price_cents = _cents(slots.price)
            gave = True
        if _minutes(slots.minutes) is not None:
            draft.minutes = _minutes(slots.minutes)
            gave = True
        if gave:
            draft.confirmed = None
        return gave

    # -- guards -------------------------------------------------------------------------------

    def knows_new_service_name(self) -> bool:
        """Guard: a name for the new service that the business does not have yet."""
        return bool(self.draft.name)

    def knows_new_service_price(self) -> bool:
        """Guard: its price."""
        return self.draft.price_cents is not None

    def knows_new_service_minutes(self) -> bool:
        """Guard: how long it takes."""
        return self.draft.minutes is not None

    def new_service_answered(self) -> bool:
        """Guard: the yes or no was given."""
        return self.draft.confirmed is not None

    def new_service_confirmed(self) -> bool:
        """Guard: it was a yes."""
        return bool(self.draft.confirmed)

    # -- the steps --------------------------------------------------------------------------------

    def on_enter_asking_service_name(self) -> None:
        note, self.draft.note = self.draft.note, None
        self.chat.ask(replies_owner.ask_service_name(note), lead="¡Claro!")

    def on_enter_asking_service_price(self) -> None:
        self.chat.ask(replies_owner.ask_service_price(self.draft.name or ""))

    def on_enter_asking_service_minutes(self) -> None:
        self.chat.ask(replies_owner.ask_service_minutes(self.draft.name or ""))

    def on_enter_confirming_new_service(self) -> None:
        draft = self.draft
        assert draft.name and draft.price_cents is not None and draft.minutes is not None
        self.chat.ask(replies_owner.confirm_new_service(draft.name, draft.price_cents, draft.minutes))

    async def on_enter_service_added(self) -> None:
        """Add it (or bring back an old service with that name)."""
        chat, draft = self.chat, self.draft
        assert draft.name and draft.price_cents is not None and draft.minutes is not None
        service = (
            (
                await chat.session.execute(
                    select(ServiceType).where(
                        ServiceType.organization_id == chat.business.id, func.lower(ServiceType.name) == draft.name.lower()
                    )
                )
            )
            .scalars()
            .first()
        )
        if service is None:
            service = ServiceType(organization_id=chat.business.id, name=draft.name, duration_minutes=1)
            chat.session.add(service)
        service.price_cents = draft.price_cents
        service.duration_minutes = draft.minutes
        service.active = True
        service.updated_at = chat.now
        await chat.session.flush()
        chat.say(replies_owner.service_added(service.name, service.price_cents, service.duration_minutes))

    def on_enter_service_not_added(self) -> None:
        self.chat.say(replies_owner.service_not_added())


class ChangingService(Task):
    """A new price or duration for a service."""

    state = "changing_service"
    intents = frozenset({Intent.UPDATE_SERVICE})

    @property
    def draft(self) -> ServiceChangeDraft:
        return self.draft_as(ServiceChangeDraft)

    async def fill(self, heard: Heard) -> bool:
        business, draft, slots = self.chat.business, self.draft, heard.slots
        option = heard.option_of("svc")
        service = business.service(option.value) if option is not None else business.service_named(slots.service)
        gave = False
        if service is not None:
            draft.service_id = service.id
            gave = True
        if _cents(slots.price) is not None:
            draft.price_cents = _cents(slots.price)
            gave = True
        if _minutes(slots.minutes) is not None:
            draft.minutes = _minutes(slots.minutes)
            gave = True
        return gave

    def knows_service_to_change(self) -> bool:
        """Guard: which service's price or duration changes."""
        return self.chat.business.service(self.draft.service_id) is not None

    def knows_service_change(self) -> bool:
        """Guard: a new price or duration was given."""
        return self.draft.price_cents is not None or self.draft.minutes is not None

    def on_enter_choosing_service_to_change(self) -> None:
        services = [service_info(s) for s in self.chat.business.services]
        self.chat.ask(replies_owner.ask_service_to_change(services))

    def on_enter_asking_service_change(self) -> None:
        service = self.chat.business.service(self.draft.service_id)
        assert service is not None
        self.chat.ask(replies_owner.ask_service_change(service_info(service)))

    async def on_enter_service_changed(self) -> None:
        """A new price or duration, at once; appointments already booked keep their price."""
        chat, draft = self.chat, self.draft
        service = await chat.session.get(ServiceType, draft.service_id)
        assert service is not None
        price_before, minutes_before = service.price_cents, service.duration_minutes
        if draft.price_cents is not None:
            service.price_cents = draft.price_cents
        if draft.minutes is not None:
            service.duration_minutes = draft.minutes
        service.updated_at = chat.now
        chat.say(replies_owner.service_changed(service_info(service), price_before, minutes_before))
