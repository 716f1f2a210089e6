"""Prices in pesos and durations in minutes, from normalized text.

"$180", "180 pesos", "súbelo a 180" → 180; "hora y media" → 90, "45 min" → 45. Durations are
blanked out before times are read, so "2 horas" is never read as a clock time.
"""

from __future__ import annotations

import re
from decimal import Decimal

_DURATION_PATTERNS: list[re.Pattern[str]] = [
    re.compile(
        r"(?<!las )(?<!la )\b(?P<h>\d{1,2}|media) horas?(?: y (?P<frac>media|cuarto|\d{1,2})(?: minutos)?)?\b"
    ),
    re.compile(r"\bhora y (?P<frac>media|cuarto)\b"),
    re.compile(r"\b(?P<m>\d{1,3}) minutos\b"),
    re.compile(r"\b(?P<h>\d)h(?P<mm>\d\d)\b"),
]
_EXPLICIT_PRICE = re.compile(r"\$ ?(?P<n>\d+(?:\.\d{1,2})?)|\b(?P<n2>\d+(?:\.\d{1,2})?) (?:pesos|varos|baros|pesitos|mxn)\b")
_CONTEXT_PRICE = re.compile(
    r"\b(?:a|en|por|cuesta|cueste|cuesten|costar|vale|valga|valer|sale|salga|cobra|cobrar|cobramos|cobre|precio(?: de)?|"
    r"de|es|ponlo|ponle|sea|seria|subelo a|bajalo a|quede en|queda en)\s(?P<n>\d{2,5}(?:\.\d{1,2})?)\b"
    r"(?! ?(?:horas|hora|minutos|:|am|pm|de la|y media|dias))"
)
_BARE_NUMBER = re.compile(r"^\s*(?:de |a |en |son |es )?\$? ?(?P<n>\d{1,5}(?:\.\d{1,2})?)(?: pesos)?\s*$")


def find_minutes(normalized: str) -> tuple[int | None, str]:
    """A duration in minutes and the text without it ("hora y media" → 90)."""
    for pattern in _DURATION_PATTERNS:
        match = pattern.search(normalized)
        if not match:
            continue
        groups = match.groupdict()
        if groups.get("m"):
            minutes = int(groups["m"])
        elif groups.get("mm"):
            minutes = int(groups["h"]) * 60 + int(groups["mm"])
        else:
            hours_text = groups.get("h")
            minutes = 30 if hours_text == "media" else 60 * int(hours_text or 1)
            frac = groups.get("frac")
            if frac:
                minutes += 30 if frac == "media" else 15 if frac == "cuarto" else int(frac)
        rest = normalized[: match.start()] + " " + normalized[match.end() :]
        if minutes > 0:
            return minutes, " ".join(rest.split())
    return None, normalized


def find_price(normalized: str, *, in_context: bool = False) -> Decimal | None:
    """A price in pesos: "$180"/"180 pesos" anywhere; "a 180"/"cuesta 180" only in a price context."""
    match = _EXPLICIT_PRICE.search(normalized)
    if match:
        return Decimal(match["n"] or match["n2"])
    if in_context:
        match = _CONTEXT_PRICE.search(normalized)
        if match and int(float(match["n"])) >= 10:
            return Decimal(match["n"])
        bare = _BARE_NUMBER.match(normalized)
        if bare:
            return Decimal(bare["n"])
    return None


def bare_number(normalized: str) -> int | None:
    """The number when the whole message is one ("45", "de 90")."""
    match = _BARE_NUMBER.match(normalized)
    if match and "." not in match["n"]:
        return int(match["n"])
    return None
