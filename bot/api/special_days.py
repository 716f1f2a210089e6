"""Special days: dates closed for everyone («el 24 de diciembre cerramos») or with short hours.

Setting one never cancels appointments: the answer lists those that fall outside the day's new
hours, as the chat does, and the owner decides what to do with each.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, model_validator
from sqlalchemy import select

from bot.api.appointments import AppointmentOut, appointment_out
from bot.api.fields import BlockReason, HoursRangeText, LocalDate, RequestModel, ResponseModel
from bot.api.routing import Call, NoQuery, RouteTable
from scheduler import special_days
from scheduler.errors import InvalidRequest
from store.hours import HoursRange, InvalidHours, normalize_day
from store.models import SpecialDay

routes = RouteTable("special days")


class SpecialDayRange(RequestModel):
    """Special days between these days of the business's calendar (inclusive)."""

    date_from: LocalDate | None = None
    date_to: LocalDate | None = None

    @model_validator(mode="after")
    def _range(self) -> SpecialDayRange:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        return self


class SpecialDaySet(RequestModel):
    """A day's own opening hours; an empty list closes the business that day."""

    date: LocalDate
    hours: Annotated[list[HoursRangeText], Field(max_length=6)] = Field(default_factory=list)
    reason: BlockReason | None = None

    @model_validator(mode="after")
    def _hours(self) -> SpecialDaySet:
        try:
            normalize_day(HoursRange.parse(text) for text in self.hours)
        except InvalidHours as error:
            raise ValueError(str(error)) from error
        return self


class SpecialDayOut(ResponseModel):
    id: uuid.UUID
    date: date
    closed: bool
    hours: list[str]
    reason: str | None
    updated_at: datetime


class SpecialDayList(ResponseModel):
    items: list[SpecialDayOut]


class SpecialDaySaved(ResponseModel):
    special_day: SpecialDayOut
    appointments_outside: list[AppointmentOut]  # still booked: move or cancel them as you decide


@routes.get("/organizations/{organization_id}/special-days", query=SpecialDayRange, response=SpecialDayList)
async def list_special_days(call: Call[Any, SpecialDayRange]) -> SpecialDayList:
    """Closures and short days, by date."""
    query = select(SpecialDay).where(SpecialDay.organization_id == call.org.id)
    if call.query.date_from is not None:
        query = query.where(SpecialDay.day >= call.query.date_from)
    if call.query.date_to is not None:
        query = query.where(SpecialDay.day <= call.query.date_to)
    rows = (await call.session.execute(query.order_by(SpecialDay.day))).scalars()
    return SpecialDayList(items=[special_day_out(row, call) for row in rows])


@routes.post("/organizations/{organization_id}/special-days", body=SpecialDaySet, response=SpecialDaySaved)
async def set_special_day(call: Call[SpecialDaySet, NoQuery]) -> SpecialDaySaved:
    """Close a day (no hours) or give it short hours; replaces what that date had. Lists what falls outside."""
    body = call.body
    try:
        result = await special_days.set_special_day(
            call.session,
            organization_id=call.org.id,
            day=body.date,
            hours=[HoursRange.parse(text) for text in body.hours],
            now=call.now,
            reason=body.reason,
        )
    except InvalidHours as error:  # pragma: no cover - the body validator already refused it
        raise InvalidRequest(str(error)) from error
    return SpecialDaySaved(
        special_day=special_day_out(result.special_day, call),
        appointments_outside=[appointment_out(appointment, call.tz) for appointment in result.outside],
    )


@routes.delete("/organizations/{organization_id}/special-days/{special_day_id}")
async def delete_special_day(call: Call[Any, NoQuery]) -> None:
    """The date goes back to its weekday's hours."""
    await special_days.clear_special_day(
        call.session, organization_id=call.org.id, special_day_id=call.ids["special_day_id"]
    )


def special_day_out(special: SpecialDay, call: Call[Any, Any]) -> SpecialDayOut:
    """The API's view of a special day."""
    return SpecialDayOut(
        id=special.id,
        date=special.day,
        closed=not special.hours,
        hours=["-".join(pair) for pair in special.hours],
        reason=special.reason,
        updated_at=special.updated_at.astimezone(call.tz),
    )
