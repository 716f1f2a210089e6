"""Small builders shared by tests: a business from a YAML-shaped dict, local times."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from store.business_file import BusinessSpec, LoadedBusiness, load_business
from store.database import Database

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DON_CARLOS = SHARED / "spec" / "examples" / "businesses" / "don_carlos.yaml"
MEXICO_CITY = ZoneInfo("America/Mexico_City")


def business_spec(source: dict[str, Any] | str | Path, **overrides: Any) -> BusinessSpec:
    """A validated business from a dict or a YAML file, with top-level keys overridden."""
    if isinstance(source, (str, Path)):
        data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    else:
        data = dict(source)
    data.update(overrides)
    return BusinessSpec.model_validate(data)


async def seed(db: Database, source: dict[str, Any] | str | Path, **overrides: Any) -> LoadedBusiness:
    """Load a business into `db` and commit."""
    async with db.transaction() as session:
        return await load_business(session, business_spec(source, **overrides))


def local(text: str, tz: ZoneInfo = MEXICO_CITY) -> datetime:
    """ "2027-01-15T16:00" in the business timezone, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 15.0) -> Any:
    """The first truthy value of `check()`, polled every 50 ms (fails the test after `timeout` seconds)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
