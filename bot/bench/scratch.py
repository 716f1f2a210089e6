"""Scratch PostgreSQL databases for the benchmarks: created on the server of a URL, always dropped."""

from __future__ import annotations

import uuid

import asyncpg
from sqlalchemy.engine import make_url


class BenchError(RuntimeError):
    """The benchmark cannot run here (not PostgreSQL, no CREATE DATABASE, …) or its figures disagree."""


async def scratch_database(url: str, bench: str) -> tuple[str, str]:
    """Create an empty database next to `url`; returns (admin DSN, database name)."""
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise BenchError(f"yume bench {bench} runs on PostgreSQL: set DATABASE_URL=postgresql://user@host/db")
    admin = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"yume_bench_{uuid.uuid4().hex[:10]}"
    try:
        connection = await asyncpg.connect(admin, timeout=10)
    except Exception as error:
        raise BenchError(f"cannot reach PostgreSQL at {parsed.render_as_string(hide_password=True)}: {error}") from error
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:
        raise BenchError(f"cannot create a scratch database (the benchmark needs CREATEDB): {error}") from error
    finally:
        await connection.close()
    return admin, name


async def drop_database(admin: str, name: str) -> None:
    """Drop a scratch database, even with connections still open."""
    connection = await asyncpg.connect(admin, timeout=10)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
