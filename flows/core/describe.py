"""Store rows as replies talk about them: appointments, services and opening hours in local time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import formatting as fmt
from flows.core.business import BusinessFacts
from flows.core.replies import A_SERVICE, AppointmentInfo, ServiceInfo
from store.hours import HoursRange
from store.models import Appointment, Customer, ServiceType, Staff
from store.phones import display_phone


async def appointment_info(session: AsyncSession, business: BusinessFacts, appointment: Appointment) -> AppointmentInfo:
    """An appointment as a person reads it: local times, service, staff and customer names."""
    service = business.service(appointment.service_id) or await session.get(ServiceType, appointment.service_id)
    staff = business.staff_member(appointment.staff_id) or await session.get(Staff, appointment.staff_id)
    customer = await session.get(Customer, appointment.customer_id)
    return AppointmentInfo(
        id=str(appointment.id),
        service=service.name if service else A_SERVICE,
        price_cents=appointment.price_cents,
        start=business.local(appointment.starts_at),
        end=business.local(appointment.ends_at),
        staff_name=staff.name if staff else "",
        customer_name=customer.name if customer else None,
        customer_phone=display_phone(customer.phone) if customer and customer.phone else None,
        guest_name=appointment.guest_name,
    )


def service_info(service: ServiceType) -> ServiceInfo:
    """A service as the menu shows it."""
    return ServiceInfo(
        id=str(service.id), name=service.name, minutes=service.duration_minutes, price_cents=service.price_cents
    )


def part_of_day(moment: datetime) -> str:
    """The contract's parts of day: morning before 12:00, afternoon until 19:00, evening after."""
    if moment.hour < 12:
        return "morning"
    if moment.hour < 19:
        return "afternoon"
    return "evening"


def week_hours(hours: Mapping[int, Sequence[HoursRange]], days: Sequence[int] = range(7)) -> list[tuple[str, str]]:
    """Opening hours grouped by equal consecutive days: [("Lunes a viernes", "10:00 AM a 8:00 PM"), …].

    `days` (0 = Monday) limits the list to some weekdays (the ones a change of hours touches).
    """
    groups: list[tuple[int, int, str]] = []
    for index in sorted(days):
        text = _describe_day(tuple(hours.get(index, ())))
        if groups and groups[-1][2] == text and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, text)
        else:
            groups.append((index, index, text))
    result = []
    for first, last, text in groups:
        name = fmt.WEEKDAYS[first].capitalize()
        if last > first:
            name += (" y " if last == first + 1 else " a ") + fmt.WEEKDAYS[last]
        result.append((name, text))
    return result


def _describe_day(ranges: tuple[HoursRange, ...]) -> str:
    if not ranges:
        return "cerrado"
    return " y ".join(fmt.time_range(_clock(r.start), _clock(min(r.end, 24 * 60 - 1))) for r in ranges)


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def minutes_to_clock(minutes: int) -> time:
    """Minutes since midnight as a time of day (the end of the day as 11:59 PM)."""
    return _clock(min(minutes, 24 * 60 - 1))
