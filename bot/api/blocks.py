"""Time blocks: lunch, errands, days off. A block over appointments is refused (409 naming
them) unless the request says to cancel them, as the chat asks before blocking."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import model_validator

from bot.api.appointments import AppointmentOut, appointment_out
from bot.api.fields import BlockReason, CancellationReason, Instant, LocalDate, RequestModel, ResponseModel
from bot.api.routing import Call, NoQuery, RouteTable
from bot.api.tenancy import owned
from bot.errors import ApiError, not_found
from scheduler import booking
from scheduler.booking import PAST_TOLERANCE
from scheduler.errors import BlockCollides, InPast
from store.agenda_queries import blocks_overlapping
from store.models import Staff, TimeBlock

routes = RouteTable("blocks")


class BlockRange(RequestModel):
    """Blocks overlapping these days of the business's calendar (inclusive)."""

    date_from: LocalDate | None = None
    date_to: LocalDate | None = None

    @model_validator(mode="after")
    def _range(self) -> BlockRange:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")
        return self


class BlockCreate(RequestModel):
    starts_at: Instant
    ends_at: Instant
    reason: BlockReason | None = None
    cancel_colliding_appointments: bool = False  # true: cancel what the block covers (the chat's "sí, bloquéalo")
    cancellation_reason: CancellationReason | None = None


class BlockOut(ResponseModel):
    id: uuid.UUID
    staff_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    reason: str | None
    created_at: datetime


class BlockList(ResponseModel):
    items: list[BlockOut]


class BlockCreated(ResponseModel):
    block: BlockOut  # touching or overlapping blocks are merged into this one
    cancelled_appointments: list[AppointmentOut]


@routes.get("/organizations/{organization_id}/staff/{staff_id}/blocks", query=BlockRange, response=BlockList)
async def list_blocks(call: Call[Any, BlockRange]) -> BlockList:
    """A staff member's blocks by start time."""
    member = await owned(call.session, Staff, call.ids["staff_id"], call.org.id, "staff member")
    rows = await blocks_overlapping(
        call.session,
        call.org.id,
        staff_ids=[member.id],
        start=_midnight(call, call.query.date_from) if call.query.date_from is not None else None,
        end=_midnight(call, call.query.date_to + timedelta(days=1)) if call.query.date_to is not None else None,
    )
    return BlockList(items=[block_out(row, call) for row in rows])


@routes.post(
    "/organizations/{organization_id}/staff/{staff_id}/blocks", body=BlockCreate, response=BlockCreated, status=201
)
async def create_block(call: Call[BlockCreate, NoQuery]) -> BlockCreated:
    """Block time; over active appointments a 409 block_collides lists them (unless told to cancel them)."""
    member = await owned(call.session, Staff, call.ids["staff_id"], call.org.id, "staff member")
    body = call.body
    if body.starts_at + PAST_TOLERANCE < call.now:
        # Never rewrite the past: a block there could cancel an appointment that already happened.
        raise InPast("that time has passed", start=body.starts_at.isoformat())
    try:
        result = await booking.block_time(
            call.session,
            organization_id=call.org.id,
            staff_id=member.id,
            start=body.starts_at,
            end=body.ends_at,
            now=call.now,
            reason=body.reason,
            cancel_colliding=body.cancel_colliding_appointments,
            cancellation_reason=body.cancellation_reason,
        )
    except BlockCollides as error:
        raise await _collision(call, error) from error
    return BlockCreated(
        block=block_out(result.block, call),
        cancelled_appointments=[appointment_out(appointment, call.tz) for appointment in result.cancelled],
    )


@routes.delete("/organizations/{organization_id}/staff/{staff_id}/blocks/{block_id}")
async def delete_block(call: Call[Any, NoQuery]) -> None:
    """Remove a block; the time is bookable again."""
    member = await owned(call.session, Staff, call.ids["staff_id"], call.org.id, "staff member")
    block = await owned(call.session, TimeBlock, call.ids["block_id"], call.org.id, "block")
    if block.staff_id != member.id:
        raise not_found("block", id=str(block.id))
    await booking.delete_block(call.session, organization_id=call.org.id, block_id=block.id)


async def _collision(call: Call[Any, Any], error: BlockCollides) -> ApiError:
    """The domain error with each colliding appointment in full (local times), so a client can ask and retry."""
    appointments = [await booking.load_appointment(call.session, call.org.id, item) for item in error.appointment_ids]
    return ApiError(
        409,
        error.code,
        f"the block covers {len(appointments)} active appointment(s); "
        "send cancel_colliding_appointments: true to cancel them, or pick other times",
        [appointment_out(appointment, call.tz).model_dump(mode="json") for appointment in appointments],
    )


def _midnight(call: Call[Any, Any], day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=call.tz)


def block_out(block: TimeBlock, call: Call[Any, Any]) -> BlockOut:
    """The API's view of a block."""
    return BlockOut(
        id=block.id,
        staff_id=block.staff_id,
        starts_at=block.starts_at.astimezone(call.tz),
        ends_at=block.ends_at.astimezone(call.tz),
        reason=block.reason,
        created_at=block.created_at.astimezone(call.tz),
    )
