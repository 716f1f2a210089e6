"""What each step of the owner's administration says and does (the actions of `OwnerFlow`).

The owner's chat is a staff chat plus administration (`owner_listening.py` hears it and holds the
guards). Rows the turn changes are read again in the turn's own session: the business facts were
loaded before the lock was taken.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from flows import formatting as fmt
from flows import replies_owner
from flows.describe import service_info, week_hours
from flows.hours_change import Booked, changed_days, outside_hours
from flows.owner_flow import OwnerFlow
from flows.owner_listening import OwnerListening
from flows.staff_chat import HELP_LINES
from flows.stats import Visit, change_percent, comparison_windows, period_asked, summarize
from nlu.context import Expecting
from store.hours import weekly_hours_to_json
from store.models import (
    ACTIVE_STATUSES,
    Appointment,
    Location,
    ServiceType,
    Staff,
    StaffRole,
    StaffService,
)
from store.phones import display_phone

OWNER_HELP_LINES = {
    "asking_staff_name": "Solo necesito su nombre, por ejemplo «Pedro Hernández».",
    "asking_staff_phone": "Escríbeme su número de WhatsApp, por ejemplo «55 1111 2222».",
    "choosing_staff_services": "Dime «todos» o los servicios que hará, por ejemplo «corte y barba».",
    "confirming_new_staff": "Responde «sí» para agregarlo o «no».",
    "offering_welcome": "Responde «sí» para mandarle la bienvenida o «no».",
    "choosing_staff_to_remove": "Dime su nombre o elígelo de la lista.",
    "confirming_removal": "Responde «sí» para darle de baja o «no».",
    "asking_new_hours": "Por ejemplo «el sábado de 9 a 3», «de lunes a viernes de 10 a 8» o «los domingos cerramos».",
    "confirming_hours": "Responde «sí» para cambiar el horario o «no».",
    "asking_service_name": "Escríbeme el nombre, por ejemplo «Tinte».",
    "asking_service_price": "Escríbeme el precio, por ejemplo «300».",
    "asking_service_minutes": "Escríbeme cuánto dura, por ejemplo «45 minutos» o «1 hora».",
    "confirming_new_service": "Responde «sí» para agregarlo o «no».",
    "choosing_service_to_change": "Escríbeme el servicio, por ejemplo «corte», o elígelo de la lista.",
    "asking_service_change": "Por ejemplo «a 180» para el precio o «que dure 1 hora».",
}


class OwnerChat(OwnerListening):
    """The owner's conversation: everything a staff member does, plus running the business."""

    flow = OwnerFlow

    # =========================================================================================
    # At rest, help
    # =========================================================================================

    def greet(self) -> None:
        self.say(replies_owner.owner_greeting(self.staff.name))

    def show_help(self) -> None:
        self.say(replies_owner.owner_help())
        self.on_enter_ready()

    def help_line(self) -> str:
        return OWNER_HELP_LINES.get(self.state) or HELP_LINES.get(self.state, "")

    # =========================================================================================
    # Stats
    # =========================================================================================

    async def show_stats(self) -> None:
        """This period's counts and revenue, against the previous period up to the same point."""
        slots = self.heard.slots
        period = period_asked(slots.date, slots.date_end, self.today)
        (start, cut), (before_start, before_end) = comparison_windows(period, self.now, self.business.tz)
        _, end = period.bounds(self.business.tz)
        rows = await self.session.execute(
            select(Appointment.starts_at, Appointment.status, Appointment.price_cents).where(
                Appointment.organization_id == self.business.id,
                Appointment.starts_at >= before_start,
                Appointment.starts_at < end,
            )
        )
        visits = [Visit(starts_at, status, price) for starts_at, status, price in rows.all()]
        summary = summarize(visits, start, end)
        now_part, before = summarize(visits, start, cut), summarize(visits, before_start, before_end)
        running = cut < end
        self.say(
            replies_owner.stats(
                replies_owner.period_label(period, self.today),
                summary,
                replies_owner.compared_with(period),
                before,
                running,
                change_percent(now_part.revenue_cents, before.revenue_cents),
            )
        )

    # =========================================================================================
    # Adding someone
    # =========================================================================================

    def on_enter_asking_staff_name(self) -> None:
        self.ask(replies_owner.ask_staff_name(), Expecting.NAME, lead=replies_owner.NEED_SOME_DETAILS)

    def on_enter_asking_staff_phone(self) -> None:
        self.ask(replies_owner.ask_staff_phone(self.data.pop("phone_note", None)), Expecting.PHONE)

    def on_enter_choosing_staff_services(self) -> None:
        services = [service_info(s) for s in self.business.services]
        self.ask(replies_owner.ask_staff_services(self.data["new_staff_name"], services), Expecting.SERVICES)

    def _new_staff_services(self) -> list[ServiceType] | None:
        """None: every service (now and later); else the services picked."""
        picked = self.data.get("new_staff_services")
        if picked == "all" or picked is None:
            return None
        return [s for s in (self.business.service(i) for i in picked) if s is not None]

    def on_enter_confirming_new_staff(self) -> None:
        services = self._new_staff_services()
        names = None if services is None else [s.name for s in services]
        phone = display_phone(self.data["new_staff_phone"])
        self.ask(replies_owner.confirm_new_staff(self.data["new_staff_name"], phone, names), Expecting.YES_NO)

    async def on_enter_staff_added(self) -> None:
        """Add them (or bring back someone who worked here before with that number)."""
        phone = self.data["new_staff_phone"]
        member = (
            (
                await self.session.execute(
                    select(Staff).where(Staff.organization_id == self.business.id, Staff.phone == phone)
                )
            )
            .scalars()
            .first()
        )
        if member is not None and member.active:
            self.say(replies_owner.staff_not_added())
            return  # someone took that number meanwhile
        services = self._new_staff_services()
        if member is None:
            member = Staff(organization_id=self.business.id, phone=phone, name=self.data["new_staff_name"])
            member.location_id = self.business.calendar.location.id if self.business.calendar.location else None
            self.session.add(member)
        member.name = self.data["new_staff_name"]
        member.role = StaffRole.employee
        member.active = True
        member.offers_all_services = services is None
        member.updated_at = self.now
        await self.session.flush()
        await self.session.execute(StaffService.__table__.delete().where(StaffService.staff_id == member.id))
        for service in services or []:
            self.session.add(StaffService(staff_id=member.id, service_id=service.id))
        await self.session.flush()
        self.data["new_staff_id"] = str(member.id)

    def on_enter_offering_welcome(self) -> None:
        name, phone = self.data["new_staff_name"], display_phone(self.data["new_staff_phone"])
        self.ask(
            replies_owner.offer_welcome(),
            Expecting.YES_NO,
            lead=replies_owner.staff_added(name, phone),
            separator="\n\n",
        )

    async def send_welcome(self) -> None:
        member = await self.session.get(Staff, uuid.UUID(self.data["new_staff_id"]))
        assert member is not None
        self.notify(member, replies_owner.welcome_message(member.name, self.staff.name, self.business.name))
        self.say(replies_owner.welcome_sent())

    def say_no_welcome(self) -> None:
        self.say(replies_owner.no_welcome(self.data["new_staff_name"]))

    def say_staff_not_added(self) -> None:
        self.say(replies_owner.staff_not_added())

    # =========================================================================================
    # Removing someone
    # =========================================================================================

    def on_enter_choosing_staff_to_remove(self) -> None:
        employees = [(str(m.id), m.name) for m in self.business.staff if m.role != StaffRole.owner]
        self.ask(replies_owner.ask_staff_to_remove(employees, self.data.get("remove_note")), Expecting.STAFF)

    async def refuse_removal(self) -> None:
        member = self.business.staff_member(self.data["remove_staff_id"])
        assert member is not None
        infos = [await self.info(a) for a in await self._appointments_ahead()]
        self.say(replies_owner.removal_refused(member.name, infos, self.today))

    def on_enter_confirming_removal(self) -> None:
        member = self.business.staff_member(self.data["remove_staff_id"])
        assert member is not None
        self.ask(replies_owner.confirm_removal(member.name), Expecting.YES_NO)

    async def remove_staff(self) -> None:
        member = await self.session.get(Staff, uuid.UUID(self.data["remove_staff_id"]))
        assert member is not None
        if await self._appointments_ahead():  # booked a moment ago: the same rule as before
            await self.refuse_removal()
            return
        member.active = False
        member.updated_at = self.now
        self.say(replies_owner.staff_removed(member.name))

    def say_staff_kept(self) -> None:
        member = self.business.staff_member(self.data["remove_staff_id"])
        self.say(replies_owner.staff_kept(member.name if member else ""))

    # =========================================================================================
    # Opening hours
    # =========================================================================================

    def say_hours_are_weekly(self) -> None:
        self.say(replies_owner.hours_are_weekly())

    def on_enter_asking_new_hours(self) -> None:
        self.ask(replies_owner.ask_new_hours(self._hours_note()), Expecting.OPENING_HOURS)

    def _hours_note(self) -> str | None:
        """Why what was said is not enough yet: no days for these hours, or one end for a closed day."""
        change = self._hours_change()
        if change.opens is not None and change.closes is not None and not change.weekdays:
            return None
        if (change.opens is None) != (change.closes is None) and change.weekdays:
            closed = [
                d for d in changed_days(self.business.calendar.hours, change) if not self.business.calendar.hours.get(d)
            ]
            if closed:
                return replies_owner.hours_need_both_ends(_day_names(closed))
        return None

    def on_enter_confirming_hours(self) -> None:
        week = self._new_week()
        assert week is not None
        days = changed_days(self.business.calendar.hours, self._hours_change())
        self.ask(replies_owner.confirm_hours(week_hours(week, days)), Expecting.YES_NO)

    async def save_hours(self) -> None:
        """Store the new week; list (never cancel) the appointments ahead that no longer fit."""
        week = self._new_week()
        assert week is not None and self.business.calendar.location is not None
        location = await self.session.get(Location, self.business.calendar.location.id)
        assert location is not None
        location.business_hours = weekly_hours_to_json(week)
        location.updated_at = self.now
        ahead = (
            (
                await self.session.execute(
                    select(Appointment)
                    .where(
                        Appointment.organization_id == self.business.id,
                        Appointment.status.in_(ACTIVE_STATUSES),
                        Appointment.starts_at >= self.now,
                    )
                    .order_by(Appointment.starts_at)
                )
            )
            .scalars()
            .all()
        )
        booked = [Booked(self.business.local(a.starts_at), self.business.local(a.busy_until)) for a in ahead]
        outside = [await self.info(ahead[index]) for index in outside_hours(booked, week)]
        self.say(replies_owner.hours_saved(week_hours(week), outside, self.today))

    def say_hours_kept(self) -> None:
        self.say(replies_owner.hours_kept())

    # =========================================================================================
    # Services
    # =========================================================================================

    def on_enter_asking_service_name(self) -> None:
        self.ask(
            replies_owner.ask_service_name(self.data.pop("service_note", None)), Expecting.SERVICE_NAME, lead="¡Claro!"
        )

    def on_enter_asking_service_price(self) -> None:
        self.ask(replies_owner.ask_service_price(self.data["new_service_name"]), Expecting.PRICE)

    def on_enter_asking_service_minutes(self) -> None:
        self.ask(replies_owner.ask_service_minutes(self.data["new_service_name"]), Expecting.MINUTES)

    def on_enter_confirming_new_service(self) -> None:
        reply = replies_owner.confirm_new_service(
            self.data["new_service_name"], self.data["new_service_price"], self.data["new_service_minutes"]
        )
        self.ask(reply, Expecting.YES_NO)

    async def add_service(self) -> None:
        """Add it (or bring back an old service with that name); staff who do every service get it too."""
        name = self.data["new_service_name"]
        service = (
            (
                await self.session.execute(
                    select(ServiceType).where(
                        ServiceType.organization_id == self.business.id, func.lower(ServiceType.name) == name.lower()
                    )
                )
            )
            .scalars()
            .first()
        )
        if service is None:
            service = ServiceType(organization_id=self.business.id, name=name, duration_minutes=1)
            self.session.add(service)
        service.price_cents = self.data["new_service_price"]
        service.duration_minutes = self.data["new_service_minutes"]
        service.active = True
        service.updated_at = self.now
        await self.session.flush()
        self.say(replies_owner.service_added(service.name, service.price_cents, service.duration_minutes))

    def say_service_not_added(self) -> None:
        self.say(replies_owner.service_not_added())

    def on_enter_choosing_service_to_change(self) -> None:
        services = [service_info(s) for s in self.business.services]
        self.ask(replies_owner.ask_service_to_change(services), Expecting.SERVICE)

    def on_enter_asking_service_change(self) -> None:
        service = self.business.service(self.data["change_service_id"])
        assert service is not None
        self.ask(replies_owner.ask_service_change(service_info(service)), Expecting.PRICE)

    async def change_service(self) -> None:
        """A new price or duration, at once; appointments already booked keep their price."""
        service = await self.session.get(ServiceType, uuid.UUID(self.data["change_service_id"]))
        assert service is not None
        price_before, minutes_before = service.price_cents, service.duration_minutes
        service.price_cents = self.data.get("change_price", service.price_cents)
        service.duration_minutes = self.data.get("change_minutes", service.duration_minutes)
        service.updated_at = self.now
        self.say(replies_owner.service_changed(service_info(service), price_before, minutes_before))


def _day_names(days: list[int]) -> str:
    return fmt.join_words([fmt.WEEKDAYS[day] for day in days])
