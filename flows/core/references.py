"""What a staff member points at: "el de las 11", "Juan no vino", "dile a Roberto". Pure: values in, values out."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import time

from flows.core.replies import AppointmentInfo
from nlu.free_text import without_honorifics


def folded_words(text: str | None) -> list[str]:
    """Lower-case words without accents: "José Pérez" → ["jose", "perez"]."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return [word for word in "".join(ch if ch.isalnum() else " " for ch in bare).split() if word]


def names_match(said: str | None, full_name: str | None) -> bool:
    """Every word said is a word of the name: "Roberto" and "roberto garcia" match "Roberto García"."""
    wanted, words = folded_words(without_honorifics(said)), set(folded_words(full_name))
    return bool(wanted) and all(word in words for word in wanted)


def appointments_meant(
    appointments: Sequence[AppointmentInfo],
    at: time | None = None,
    name: str | None = None,
    service: str | None = None,
) -> list[AppointmentInfo]:
    """The appointments a staff member means, among those that already started.

    Nothing said ("ya terminé", "no llegó") means the one that started last. A time means the
    appointment starting then ("el de las 11"), or, for an on-the-hour time with none exactly
    then, the ones starting in that hour ("el de las 11" for an 11:15 appointment). A name or a
    service narrows further. The result keeps the order given.
    """
    if at is None and not name and not service:
        return [max(appointments, key=lambda a: a.start)] if appointments else []
    found = list(appointments)
    if at is not None:
        exact = [a for a in found if a.start.time().replace(second=0, microsecond=0) == at]
        in_hour = [a for a in found if at.minute == 0 and a.start.hour == at.hour]
        found = exact or in_hour
    if name:
        found = [a for a in found if names_match(name, a.customer_name)]
    if service:
        found = [a for a in found if a.service == service]
    return found
