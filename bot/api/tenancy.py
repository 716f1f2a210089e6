"""One organization's rows: load by id, or 404 when the id is unknown or someone else's."""

from __future__ import annotations

import uuid
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import not_found


class _OwnedRow(Protocol):
    organization_id: uuid.UUID


RowT = TypeVar("RowT", bound=_OwnedRow)


async def owned(
    session: AsyncSession, model: type[RowT], row_id: uuid.UUID, organization_id: uuid.UUID, what: str
) -> RowT:
    """The row `row_id` of `model` if it belongs to `organization_id`; the same 404 otherwise."""
    row = await session.get(model, row_id)
    if row is None or row.organization_id != organization_id:
        raise not_found(what, id=str(row_id))
    return row
