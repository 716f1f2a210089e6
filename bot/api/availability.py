"""Availability: open slots for a service, and a staff member's working hours and free gaps."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import model_validator

from bot.api.fields import LocalDate, RequestModel, ResponseModel, WeeklyHoursOut, weekly_hours_text
from bot.api.routing import Call, RouteTable
from bot.api.tenancy import owned
from scheduler.availability import Busy, free_windows, merge_busy, working_windows
from scheduler.calendar import find_slots, load_business, load_service, staff_days
from scheduler.errors import InvalidRequest
from store.hours import intersect_weekly, weekly_hours_to_json
from store.models import Staff

routes = RouteTable("availability")

MAX_DAYS = 31  # one request, at most a month of days: bounds the work per request


class DayRange(RequestModel):
    """Days of the business's calendar, inclusive; date_from defaults to today, date_to to date_from."""

    date_from: LocalDate | None = None
    date_to: LocalDate | None = None

    @model_validator(mode="after")
    def _range(self) -> DayRange:
        if self.date_from and self.date_to:
            if self.date_to < self.date_from:
                raise ValueError("date_to is before date_from")
            if (self.date_to - self.date_from).days >= MAX_DAYS:
                raise ValueError(f"at most {MAX_DAYS} days per request")
        return self

    def days(self, today: date) -> tuple[date, date]:
        """The range, defaults filled in (and still at most MAX_DAYS long)."""
        first = self.date_from or today
        last = self.date_to or first
        if (last - first).days >= MAX_DAYS:
            raise InvalidRequest(
                f"at most {MAX_DAYS} days per request", date_from=first.isoformat(), date_to=last.isoformat()
            )
        return first, last


class SlotQuery(DayRange):
    service: uuid.UUID
    staff: uuid.UUID | None = None  # absent: anyone who performs the service


class Interval(ResponseModel):
    starts_at: datetime
    ends_at: datetime


class SlotOut(Interval):
    staff_id: uuid.UUID


class SlotList(ResponseModel):
    service_id: uuid.UUID
    timezone: str
    date_from: date
    date_to: date
    items: list[SlotOut]


class StaffDayOut(ResponseModel):
    date: date
    working: list[Interval]  # working hours that day (business hours ∩ their own)
    free: list[Interval]  # working hours minus appointments (with buffers) and blocks


class StaffAvailability(ResponseModel):
    staff_id: uuid.UUID
    timezone: str
    uses_business_hours: bool
    weekly_hours: WeeklyHoursOut  # the hours they can be booked: business hours ∩ their own
    days: list[StaffDayOut]


@routes.get("/organizations/{organization_id}/availability/slots", query=SlotQuery, response=SlotList)
async def open_slots(call: Call[Any, SlotQuery]) -> SlotList:
    """Open slots for a service as customers are offered them (minimum notice and horizon apply)."""
    business = await load_business(call.session, call.org.id)
    service = await load_service(call.session, call.org.id, call.query.service)
    if not service.active:
        raise InvalidRequest("the service is no longer offered", service_id=str(service.id))
    if call.query.staff is not None:
        await owned(call.session, Staff, call.query.staff, call.org.id, "staff member")
    first, last = call.query.days(call.now.astimezone(business.tz).date())
    slots = await find_slots(call.session, business, service, first, last, call.now, staff_id=call.query.staff)
    return SlotList(
        service_id=service.id,
        timezone=business.organization.timezone,
        date_from=first,
        date_to=last,
        items=[
            SlotOut(
                starts_at=slot.start.astimezone(business.tz),
                ends_at=slot.end.astimezone(business.tz),
                staff_id=slot.staff_id,
            )
            for slot in slots
        ],
    )


@routes.get(
    "/organizations/{organization_id}/staff/{staff_id}/availability", query=DayRange, response=StaffAvailability
)
async def staff_availability(call: Call[Any, DayRange]) -> StaffAvailability:
    """A staff member's recurring hours and, per day, their working windows and free gaps."""
    member = await owned(call.session, Staff, call.ids["staff_id"], call.org.id, "staff member")
    business = await load_business(call.session, call.org.id)
    first, last = call.query.days(call.now.astimezone(business.tz).date())
    start, end = business.local_day_bounds(first, last)
    (view,) = await staff_days(call.session, [member], start, end)
    busy = merge_busy(view.busy)
    days: list[StaffDayOut] = []
    day = first
    while day <= last:
        windows = working_windows(day, business.tz, business.hours, view.hours, business.special)
        free = [gap for window in windows for gap in free_windows(window, busy)]
        days.append(StaffDayOut(date=day, working=_intervals(windows, business.tz), free=_intervals(free, business.tz)))
        day += timedelta(days=1)
    effective = business.hours if view.hours is None else intersect_weekly(business.hours, view.hours)
    return StaffAvailability(
        staff_id=member.id,
        timezone=business.organization.timezone,
        uses_business_hours=view.hours is None,
        weekly_hours=weekly_hours_text(weekly_hours_to_json(effective)),
        days=days,
    )


def _intervals(items: list[Busy], tz: ZoneInfo) -> list[Interval]:
    return [Interval(starts_at=item.start.astimezone(tz), ends_at=item.end.astimezone(tz)) for item in items]
