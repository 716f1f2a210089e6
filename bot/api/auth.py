"""Bearer tokens: the operator's (from the environment) and each organization's (stored hashed).

An organization token is 256 random bits shown once at issue; the database keeps its sha256
only, so a leaked database does not leak working tokens. Comparisons are constant-time.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import ApiError
from bot.settings import Settings
from store.tokens import ApiToken, secret_digest

TOKEN_PREFIX = "yume_"


class Role(StrEnum):
    operator = "operator"  # runs the Yume installation: creates organizations, issues tokens
    organization = "organization"  # one business's integration or panel


@dataclass(frozen=True)
class Principal:
    """Who is calling: the operator, or one organization (through one of its tokens)."""

    role: Role
    organization_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None


def new_token() -> str:
    """A fresh organization token (shown once to whoever asked for it)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the database stores for a token."""
    return secret_digest(token)


def bearer_token(request: web.Request) -> str:
    """The token in `Authorization: Bearer …`, or a 401 saying what is missing."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise ApiError(401, "unauthorized", "missing Authorization header; send `Authorization: Bearer <token>`")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "the Authorization header must be `Bearer <token>`")
    return token.strip()


async def authenticate(request: web.Request, session: AsyncSession, settings: Settings) -> Principal:
    """The caller behind the request's bearer token; 401 when it is missing, unknown or revoked."""
    token = bearer_token(request)
    operator = settings.operator_token.get_secret_value() if settings.operator_token else None
    if operator is not None and hmac.compare_digest(token.encode("utf-8", "surrogatepass"), operator.encode()):
        return Principal(Role.operator)
    digest = hash_token(token)
    stored = (await session.execute(select(ApiToken).where(ApiToken.token_hash == digest))).scalar_one_or_none()
    # The lookup is by hash (the attacker cannot steer it); compare again in constant time anyway.
    if stored is None or stored.is_revoked or not hmac.compare_digest(stored.token_hash, digest):
        raise ApiError(401, "invalid_token", "the bearer token is not valid (unknown or revoked)")
    return Principal(Role.organization, organization_id=stored.organization_id, token_id=stored.id)
