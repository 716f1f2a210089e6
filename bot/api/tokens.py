"""Organization tokens: issued by the operator, shown once, listed without secrets, revocable."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import StringConstraints
from sqlalchemy import select

from bot.api.auth import hash_token, new_token
from bot.api.fields import RequestModel, ResponseModel
from bot.api.routing import Call, NoQuery, RouteTable
from bot.api.tenancy import owned
from store.tokens import ApiToken

routes = RouteTable("tokens")


class TokenCreate(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TokenOut(ResponseModel):
    """A token's metadata; the token itself is never returned again."""

    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    created_at: datetime
    revoked_at: datetime | None


class TokenIssued(TokenOut):
    token: str  # shown once: store it now, it cannot be retrieved later


class TokenList(ResponseModel):
    items: list[TokenOut]


@routes.post(
    "/organizations/{organization_id}/tokens",
    body=TokenCreate,
    response=TokenIssued,
    status=201,
    operator=True,
    organization=False,
)
async def issue_token(call: Call[TokenCreate, NoQuery]) -> TokenIssued:
    """Issue a bearer token for one organization (operator only); the response is the only time it is shown."""
    token = new_token()
    row = ApiToken(organization_id=call.org.id, name=call.body.name, token_hash=hash_token(token), created_at=call.now)
    call.session.add(row)
    await call.session.flush()
    return TokenIssued(**_out(row, call).model_dump(), token=token)


@routes.get("/organizations/{organization_id}/tokens", response=TokenList, operator=True)
async def list_tokens(call: Call[Any, NoQuery]) -> TokenList:
    """The organization's tokens (names and dates only), newest first."""
    rows = (
        await call.session.execute(
            select(ApiToken).where(ApiToken.organization_id == call.org.id).order_by(ApiToken.created_at.desc())
        )
    ).scalars()
    return TokenList(items=[_out(row, call) for row in rows])


@routes.delete("/organizations/{organization_id}/tokens/{token_id}", operator=True)
async def revoke_token(call: Call[Any, NoQuery]) -> None:
    """Revoke a token at once (an organization may revoke its own, e.g. a leaked one)."""
    row = await owned(call.session, ApiToken, call.ids["token_id"], call.org.id, "token")
    if row.revoked_at is None:
        row.revoked_at = call.now


def _out(row: ApiToken, call: Call[Any, Any]) -> TokenOut:
    return TokenOut(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        created_at=row.created_at.astimezone(call.tz),
        revoked_at=row.revoked_at.astimezone(call.tz) if row.revoked_at else None,
    )
