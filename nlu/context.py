"""What the NLU is told besides the text: the clock, the business, who writes, what was asked."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nlu.catalog import Catalog, demo_catalog
from nlu.understanding import Role


class Expecting(StrEnum):
    """What the flow just asked for, so a bare answer is read in context."""

    SERVICE = "service"
    SERVICES = "services"      # several services, or "todos" (adding staff)
    SERVICE_NAME = "service_name"  # the name of a new service → `new_service`
    DATE = "date"
    TIME = "time"
    SLOT = "slot"              # a time slot out of `options`
    CHOICE = "choice"          # one of `options`
    NAME = "name"
    PHONE = "phone"
    YES_NO = "yes_no"
    MESSAGE = "message"        # text to pass on to a customer
    REASON = "reason"
    HOURS = "hours"
    OPENING_HOURS = "opening_hours"  # the business's weekly hours ("lunes a viernes de 10 a 8") → set_hours slots
    PRICE = "price"
    MINUTES = "minutes"
    STAFF = "staff"
    FREE_TEXT = "free_text"


class NluContext(BaseModel):
    """Everything besides the text that reading a message needs."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    now: dt.datetime
    catalog: Catalog = Field(default_factory=demo_catalog)
    role: Role = Role.CUSTOMER
    step: str | None = None
    expecting: Expecting | None = None
    # Titles of the options just offered, in order ("3:00 PM", "Corte de cabello", ...).
    options: list[str] = Field(default_factory=list)
    # True when the text is the title of a tapped reply button or list row.
    interactive: bool = False

    @field_validator("now")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return value

    @property
    def local_now(self) -> dt.datetime:
        """`now` in the business timezone."""
        return self.now.astimezone(self.catalog.tz)
