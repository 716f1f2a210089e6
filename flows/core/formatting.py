"""How Yume writes dates, times, prices and agendas in Mexican Spanish. Pure: values in, text out."""

from __future__ import annotations

from datetime import date, datetime, time

WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)
SHORT_WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


def weekday_name(day: date) -> str:
    """ "jueves"."""
    return WEEKDAYS[day.weekday()]


def long_date(day: date) -> str:
    """ "jueves 15 de enero"."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} de {MONTHS[day.month - 1]}"


def short_date(day: date) -> str:
    """A date that fits a list row title (≤ 24): "jueves 15 de enero", or "mié 30 de septiembre"."""
    text = long_date(day)
    if len(text) <= 24:
        return text
    return f"{SHORT_WEEKDAYS[day.weekday()]} {day.day} de {MONTHS[day.month - 1]}"


def day_phrase(day: date, today: date) -> str:
    """How a person says a day: "hoy jueves 15 de enero", "mañana viernes 16 de enero", "el sábado 17 de enero"."""
    if day == today:
        return f"hoy {long_date(day)}"
    if (day - today).days == 1:
        return f"mañana {long_date(day)}"
    return f"el {long_date(day)}"


def clock_time(moment: time | datetime) -> str:
    """ "4:00 PM", "10:30 AM", "12:00 PM" (noon)."""
    hour, minute = moment.hour, moment.minute
    suffix = "AM" if hour < 12 else "PM"
    twelve = hour % 12 or 12
    return f"{twelve}:{minute:02d} {suffix}"


def at_clock(moment: time | datetime) -> str:
    """ "a las 4:00 PM", and "a la 1:00 PM" (one o'clock is singular in Spanish)."""
    return f"{'a la' if moment.hour % 12 == 1 else 'a las'} {clock_time(moment)}"


def the_clock(moment: time | datetime) -> str:
    """ "las 4:00 PM", "la 1:00 PM"."""
    return f"{'la' if moment.hour % 12 == 1 else 'las'} {clock_time(moment)}"


def time_range(start: time | datetime, end: time | datetime) -> str:
    """ "2:00 PM a 3:00 PM"."""
    return f"{clock_time(start)} a {clock_time(end)}"


def money(cents: int) -> str:
    """ "$150", "$1,250", "$99.50" (MXN, no currency code: it is always pesos)."""
    pesos, centavos = divmod(cents, 100)
    whole = f"${pesos:,}"
    return whole if centavos == 0 else f"{whole}.{centavos:02d}"


def duration(minutes: int) -> str:
    """ "45 min", "1 h", "1 h 30 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min"


HONORIFICS = frozenset({"don", "doña", "dona", "sr", "sr.", "sra", "sra.", "srta", "srta.", "señor", "señora", "seño", "lic", "lic."})


# Mexican compound given names («José Luis», «María Fernanda»): the pair is how people are called.
COMPOUND_FIRST = frozenset({"josé", "jose", "juan", "maría", "maria", "ana", "luis", "miguel", "jesús", "jesus", "francisco"})
COMPOUND_SECOND = frozenset(
    {
        "luis", "carlos", "josé", "jose", "manuel", "antonio", "pablo", "ángel", "angel", "fernanda", "guadalupe",
        "elena", "luisa", "isabel", "eugenia", "teresa", "francisco", "miguel", "alberto", "ramón", "ramon",
        "jesús", "jesus", "eduardo", "fernando", "javier", "rafael", "josé", "del", "de", "cristina", "alejandra",
        "gabriela", "paula", "josefina", "mercedes", "alfredo", "enrique", "ignacio", "martín", "martin", "diego",
    }
)


def first_name(name: str | None) -> str:
    """ "Juan" for "Juan Pérez", "José Luis" for "José Luis Pérez", "Don Pepe" for "Don Pepe Ruiz"; empty if unknown."""
    words = (name or "").strip().split()
    if not words:
        return ""
    if words[0].casefold() in HONORIFICS and len(words) > 1:
        return f"{words[0]} {words[1]}"
    if len(words) > 1 and words[0].casefold() in COMPOUND_FIRST and words[1].casefold() in COMPOUND_SECOND:
        if words[1].casefold() in ("de", "del") and len(words) > 2:
            return " ".join(words[:3])  # «María de Jesús», «María del Carmen»
        if words[1].casefold() not in ("de", "del"):
            return f"{words[0]} {words[1]}"
    return words[0]


def bullet_list(lines: list[str]) -> str:
    """One "• " line per item."""
    return "\n".join(f"• {line}" for line in lines)


def join_words(items: list[str]) -> str:
    """ "corte, barba y tinte" (Spanish list with "y")."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " y " + items[-1]
