"""What a customer's conversation knows: the request so far, their appointments, free times.

The guards of `CustomerFlow` live here, as named facts; they read, they never write.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from flows.chat import Chat, Turn
from flows.describe import appointment_info
from flows.openings import Opening, OpeningGuards, openings_by_day
from flows.replies import AppointmentInfo
from store.models import ACTIVE_STATUSES, Appointment, Customer, NameSource, ServiceType

# What a half-collected request keeps in `flow_data` (forgotten when the chat is back at rest).
# The appointment a reminder just asked about: "sí" or "cancelar" at rest refer to it.
REMINDED_KEY = "reminded"
REQUEST_KEYS = ("service_id", "date", "time", "part_of_day", "staff_id", "mode", "appointment_id",
                "existing_id", "lost", "slot_note")


class CustomerFacts(Chat, OpeningGuards):
    """The facts of a customer's turn: who they are, what they asked for, what is free."""

    def __init__(self, turn: Turn) -> None:
        super().__init__(turn)
        self.customer: Customer = turn.person  # type: ignore[assignment]
        self._openings_cache: dict[tuple[Any, ...], dict[date, list[Opening]]] = {}
        self._upcoming: list[Appointment] | None = None
        self._moving_service: ServiceType | None = None

    # -- guards ---------------------------------------------------------------------------------

    async def has_upcoming_appointment(self) -> bool:
        """Guard: the customer has an appointment that has not happened yet."""
        return bool(await self.upcoming())

    def knows_service(self) -> bool:
        """Guard: we know which service to book."""
        return self.business.service(self.data.get("service_id")) is not None

    def knows_name(self) -> bool:
        """Guard: the customer told us their name (now or before)."""
        return bool(self.customer.name) and self.customer.name_source in (NameSource.customer, NameSource.staff, NameSource.contacts)

    def knows_which_appointment(self) -> bool:
        """Guard: we know which appointment to change (the customer named it, or has only one)."""
        return bool(self.data.get("appointment_id"))


    def lost_the_slot(self) -> bool:
        """Guard: the booking found the time taken a moment ago (another chat got it first)."""
        return bool(self.data.get("lost"))

    # -- the values behind the facts ----------------------------------------------------------

    @property
    def moving(self) -> bool:
        return self.data.get("mode") == "move"

    async def service_to_schedule(self) -> ServiceType | None:
        """The service being booked, or the service of the appointment being moved."""
        if self.moving:
            if self._moving_service is None:
                await self.appointment()
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
        service = await self.service_to_schedule()
        if service is None:
            return {}
        staff_id = None if self.moving else self.data.get("staff_id")
        exclude = self.data.get("appointment_id") if self.moving else None
        key = (service.id, first, last, staff_id, exclude)
        if key not in self._openings_cache:
            self._openings_cache[key] = await openings_by_day(
                self.session,
                self.business,
                service,
                first,
                last,
                self.now,
                staff_id=uuid.UUID(staff_id) if staff_id else None,
                exclude_appointment_id=uuid.UUID(exclude) if exclude else None,
            )
        return self._openings_cache[key]

    async def info(self, appointment: Appointment) -> AppointmentInfo:
        """An appointment as the replies talk about it."""
        return await appointment_info(self.session, self.business, appointment)
