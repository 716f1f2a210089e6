"""How Yume writes dates, times and money for Mexican readers: "jueves 15 de enero", "4:00 PM", "$150"."""

from __future__ import annotations

from datetime import date, datetime, time

WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)


def weekday_name(day: date) -> str:
    """ "jueves"."""
    return WEEKDAYS[day.weekday()]


def long_date(day: date) -> str:
    """ "jueves 15 de enero" (the year only matters when it is not obvious; callers add it)."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} de {MONTHS[day.month - 1]}"


def clock_time(moment: time | datetime) -> str:
    """ "4:00 PM", "11:30 AM", "12:00 PM" (noon)."""
    hour, minute = moment.hour, moment.minute
    suffix = "AM" if hour < 12 else "PM"
    hour12 = hour % 12 or 12
    return f"{hour12}:{minute:02d} {suffix}"


def money(cents: int) -> str:
    """ "$150", "$1,250", "$99.50" (MXN, no currency code: it is always pesos)."""
    pesos, centavos = divmod(cents, 100)
    whole = f"${pesos:,}"
    return whole if centavos == 0 else f"{whole}.{centavos:02d}"


def duration(minutes: int) -> str:
    """ "45 min", "1 h", "1 h 30 min"."""
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{rest} min"
    return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"
