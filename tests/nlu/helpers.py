"""Helpers for the NLU tests: a clock, contexts and one-call readers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from nlu.catalog import Catalog, demo_catalog
from nlu.context import Expecting, NluContext
from nlu.rules import RuleEngine
from nlu.understanding import Role, Understanding

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "fixtures" / "nlu"
DON_CARLOS = CORPUS / "businesses" / "don_carlos.yaml"
# Wednesday 14 January 2026, noon: the contract's example clock.
WEDNESDAY_NOON = "2026-01-14T12:00"


def local(text: str, catalog: Catalog | None = None) -> dt.datetime:
    """A local time of the business as an aware datetime."""
    catalog = catalog or demo_catalog()
    return dt.datetime.fromisoformat(text).replace(tzinfo=catalog.tz)


def context(
    *,
    now: str = WEDNESDAY_NOON,
    role: Role | str = Role.CUSTOMER,
    expecting: Expecting | str | None = None,
    options: list[str] | None = None,
    step: str | None = None,
    interactive: bool = False,
    catalog: Catalog | None = None,
) -> NluContext:
    """An NluContext with the defaults most tests want."""
    catalog = catalog or demo_catalog()
    return NluContext(
        now=local(now, catalog), catalog=catalog, role=Role(role),
        expecting=Expecting(expecting) if expecting else None, options=options or [], step=step,
        interactive=interactive,
    )


def read(text: str, **kwargs: Any) -> Understanding:
    """The rule engine's reading of `text` in a context built from `kwargs`."""
    return RuleEngine().read(text, context(**kwargs))


def slots(text: str, **kwargs: Any) -> dict[str, Any]:
    """Only the JSON slots of the rule engine's reading."""
    return read(text, **kwargs).slots.to_json_dict()
