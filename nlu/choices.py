"""Which offered option a message picks: "la segunda", "opción 2", "a las 4", "mani pedi", a tap.

Pure functions over the option titles the flow offered, in order ("3:00 PM", "Corte de cabello").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from nlu.normalize import fold
from nlu.quantities import bare_number

_OPTION_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\s*(?:([ap])\.?\s?m\.?)?", re.IGNORECASE)
_ORDINAL = re.compile(
    r"\b(?:(?:la|el|lo)\s+)?(?P<ord>primer[oa]?|segund[oa]|tercer[oa]?|cuart[oa]|quint[oa]|sext[oa]|ultim[oa]|"
    r"1r[oa]|2d[oa]|3r[oa]|de en medio|del medio)\b(?:\s+(?:opcion|hora|horario))?"
)
_NUMBERED = re.compile(r"\b(?:opcion|numero|num|la|el|#)\s?(?P<n>\d{1,2})\b")
_ORDINALS: dict[str, int] = {
    "primer": 1, "primero": 1, "primera": 1, "1ro": 1, "1ra": 1, "segundo": 2, "segunda": 2, "2do": 2, "2da": 2,
    "tercer": 3, "tercero": 3, "tercera": 3, "3ro": 3, "3ra": 3, "cuarto": 4, "cuarta": 4, "quinto": 5,
    "quinta": 5, "sexto": 6, "sexta": 6,
}
_CHOICE_WORDS = frozenset({"opcion", "la", "el", "de", "ultima", "ultimo", "numero", "las", "a", "mejor", "esa", "ese"})


def option_time(option: str) -> dt.time | None:
    """The time an option title shows ("4:00 PM" → 16:00), if it shows one."""
    match = _OPTION_TIME.search(option)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    meridiem = (match.group(3) or "").lower()
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    return dt.time(hour, minute) if hour < 24 and minute < 60 else None


def tapped_option(text: str, options: Sequence[str]) -> int | None:
    """The 1-based option whose title is exactly the text (a tapped button or list row)."""
    folded = " ".join(fold(text).split())
    for index, option in enumerate(options, start=1):
        if " ".join(fold(option).split()) == folded:
            return index
    return None


def is_choice_word(token: str) -> bool:
    """Words that only point at an option ("la", "opción", "segunda")."""
    return token in _ORDINALS or token in _CHOICE_WORDS


def pick_option(
    *,
    text: str,
    normalized: str,
    rest: str,
    options: Sequence[str],
    said_time: dt.time | None,
    said_service: str | None,
    said_staff: str | None = None,
) -> int | None:
    """The 1-based option picked by ordinal, number, time, service or title; None if none is.

    `rest` is the normalized text without its date/time expressions; `said_time` the resolved
    time the message gives (matched against time options), `said_service` its catalog service.
    """
    count = len(options)
    if not count:
        return None
    times = [option_time(option) for option in options]
    ordinal = _ORDINAL.search(normalized)
    if ordinal:
        word = ordinal["ord"]
        if word.startswith("ultim"):
            return count
        if word in ("de en medio", "del medio"):
            return (count + 1) // 2 if count % 2 else None
        value = _ORDINALS.get(word)
        if value and value <= count and not (word == "cuarto" and "para" in normalized):
            return value
    numbered = _NUMBERED.search(rest)
    if numbered and 1 <= int(numbered["n"]) <= count:
        return int(numbered["n"])
    if any(times):
        # Time options: "a las 4" picks "4:00 PM"; a bare "3" is a time there when an option is at 3, else the third.
        if said_time is not None and said_time in times:
            return times.index(said_time) + 1
        bare = bare_number(normalized)
        hours = {t.hour % 12 for t in times if t is not None}
        if bare is not None and 1 <= bare <= count and bare % 12 not in hours:
            return bare
        return None
    bare = bare_number(rest)
    if bare is not None and 1 <= bare <= count:
        return bare
    if said_service and said_service in options:
        return list(options).index(said_service) + 1
    if said_staff and said_staff in options:
        return list(options).index(said_staff) + 1
    folded = " ".join(fold(text).split()).strip(" .!?¿¡")
    for index, option in enumerate(options, start=1):
        title = " ".join(fold(option).split())
        if folded == title or (len(title) >= 4 and title in folded):
            return index
    return None
