"""Phone numbers as people write them → E.164 ("55 9876 5432" → "+525598765432").

Finding a number inside a message is NLU's job; what the number canonically is belongs to
store.phones (Mexico by default: "+52" and 10 digits, legacy 1/044/045/01 prefixes dropped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.phones import InvalidPhone, canonical_phone

# Digit runs with the separators people type: spaces, dashes, dots, parentheses.
_CANDIDATE = re.compile(r"(?<![\w$])\+?\(?\d[\d\s().\-]{7,22}\d(?!\w)")


@dataclass(frozen=True)
class PhoneMatch:
    """A phone number found in a text: where it is and its E.164 form."""

    start: int
    end: int
    e164: str


def to_e164(raw: str) -> str | None:
    """The E.164 form of one written number, or None when it is not a plausible phone number.

    The canonical identity rules live in store.phones; a message is stricter than a form field,
    so numbers outside Mexico must also be valid (not just possible) to count.
    """
    try:
        e164 = canonical_phone(raw)
    except InvalidPhone:
        return None
    if e164.startswith("+52"):
        return e164
    return e164 if _valid(e164) else None


def _valid(e164: str) -> bool:
    import phonenumbers

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return False


def find_phone(text: str) -> PhoneMatch | None:
    """The first phone number in a message, if any."""
    for match in _CANDIDATE.finditer(text):
        candidate = match.group(0)
        # A number may follow another figure ("a las 4 55 1234 5678"): retry without leading groups.
        for offset in _group_starts(candidate):
            tail = candidate[offset:]
            if not 10 <= sum(char.isdigit() for char in tail) <= 15:
                continue
            e164 = to_e164(tail)
            if e164 is not None:
                return PhoneMatch(match.start() + offset, match.end(), e164)
    return None


def _group_starts(candidate: str) -> list[int]:
    """Offsets where a whitespace-separated group of the candidate begins."""
    return [0] + [m.end() for m in re.finditer(r"\s+", candidate)]
