"""Option ids: what a tapped button or list row means, whatever the text on it.

Ids carry their value ("slot:2027-01-15T16:00", "day:2027-01-16", "svc:<uuid>", "appt:<uuid>",
"yes", "no", …), so an old list tapped late still means what it said. Offered options are kept
with the conversation so "la segunda" and a typed title ("4:00 PM") find the same option.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict


class Option(BaseModel):
    """One option offered to a person."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str

    @property
    def kind(self) -> str:
        """The part before ":" ("slot", "day", "svc", "appt") or the whole id ("yes", "no")."""
        return self.id.split(":", 1)[0]

    @property
    def value(self) -> str:
        """The part after ":" (empty for bare ids)."""
        return self.id.split(":", 1)[1] if ":" in self.id else ""


def option_slot(option_id: str) -> tuple[date, time] | None:
    """The local date and time of a "slot:YYYY-MM-DDTHH:MM" id."""
    if not option_id.startswith("slot:"):
        return None
    try:
        moment = datetime.fromisoformat(option_id.removeprefix("slot:"))
    except ValueError:
        return None
    return moment.date(), moment.time()


def option_day(option_id: str) -> date | None:
    """The local date of a "day:YYYY-MM-DD" id."""
    if not option_id.startswith("day:"):
        return None
    try:
        return date.fromisoformat(option_id.removeprefix("day:"))
    except ValueError:
        return None


def fold(text: str) -> str:
    """Lowercase, without accents or punctuation, single spaces: how typed titles are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s:$]", " ", bare)).strip()


def option_typed(text: str | None, offered: list[Option]) -> Option | None:
    """The offered option whose title the person typed back (ignoring case and accents).

    The whole title ("Todo el día"), or words of exactly one title ("otra" for "Agendar otra").
    """
    if not text:
        return None
    typed = fold(text)
    exact = [option for option in offered if fold(option.title) == typed]
    if len(exact) == 1:
        return exact[0]
    if len(typed) < 3:
        return None
    pattern = re.compile(rf"(^|\s){re.escape(typed)}(\s|$)")
    partial = [option for option in offered if pattern.search(fold(option.title))]
    return partial[0] if len(partial) == 1 else None


REMINDER_ANSWER_KINDS = ("confirm", "cancel", "move")


def reminder_answer(option: Option | None) -> tuple[str, str] | None:
    """ "confirm" / "cancel" / "move" and the appointment id, for a reminder's answer ("cancel:<uuid>")."""
    if option is None or option.kind not in REMINDER_ANSWER_KINDS or not option.value:
        return None
    return option.kind, option.value
