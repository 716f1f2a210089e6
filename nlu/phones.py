"""Phone numbers as people write them → E.164 ("55 9876 5432" → "+525598765432").

Mexico is the default country. Mexican numbers are "+52" and 10 digits: the legacy mobile "1"
after 52 (WhatsApp ids such as 5215598765432) and the old 044/045/01 prefixes are dropped.
Other countries need their "+" and go through `phonenumbers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Digit runs with the separators people type: spaces, dashes, dots, parentheses.
_CANDIDATE = re.compile(r"(?<![\w$])\+?\(?\d[\d\s().\-]{7,22}\d(?!\w)")


@dataclass(frozen=True)
class PhoneMatch:
    """A phone number found in a text: where it is and its E.164 form."""

    start: int
    end: int
    e164: str


def to_e164(raw: str) -> str | None:
    """The E.164 form of one written number, or None when it is not a plausible phone number."""
    digits = re.sub(r"\D", "", raw)
    international = raw.strip().startswith("+") or raw.strip().startswith("00")
    if raw.strip().startswith("00"):
        digits = digits[2:]
    mexican = _mexican_national(digits, international)
    if mexican is not None:
        return "+52" + mexican
    if not international and len(digits) != 11:
        return None
    return _foreign(digits)


def _mexican_national(digits: str, international: bool) -> str | None:
    """The 10 national digits of a Mexican number, or None."""
    if international:
        if digits.startswith("521") and len(digits) == 13:
            return digits[3:]
        if digits.startswith("52") and len(digits) == 12:
            return digits[2:]
        return None
    if len(digits) == 10:
        return digits
    if len(digits) == 13 and digits.startswith(("521", "044", "045")):
        return digits[3:]
    if len(digits) == 12 and digits.startswith(("52", "01")):
        return digits[2:]
    return None


def _foreign(digits: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
