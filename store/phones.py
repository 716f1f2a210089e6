"""One canonical identity for a phone number, whatever way a person or WhatsApp writes it.

Mexico: `+52` followed by 10 digits. WhatsApp often sends Mexican mobiles as `521XXXXXXXXXX`
(the legacy mobile `1`), people write "55 1111 2222" or "044 55 …"; `phonenumbers` keeps the
`1` and then calls the number invalid, so we drop it ourselves before asking the library.
"""

from __future__ import annotations

import re

import phonenumbers

MEXICO = "MX"
_MX_LEGACY_PREFIXES = ("044", "045")


class InvalidPhone(ValueError):
    """The text is not a phone number we can recognise."""


def canonical_phone(raw: str, default_region: str = MEXICO) -> str:
    """E.164 for `raw` ("55 1111 2222", "+52 1 55 1111 2222", "5215511112222", "044 55 …", "+1 415 …").

    Raises InvalidPhone when the text is not a plausible number.
    """
    if raw is None:
        raise InvalidPhone("empty phone number")
    text = raw.strip()
    has_plus = text.startswith("+") or text.startswith("00")
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not digits:
        raise InvalidPhone(f"no digits in {raw!r}")

    mexican = _mexican_national_number(digits, has_plus, default_region)
    if mexican is not None:
        return "+52" + mexican

    if not has_plus and default_region == MEXICO and not (len(digits) == 11 and digits.startswith("1")):
        # Without a country code, a number in Mexico is 10 digits (after the prefixes above).
        raise InvalidPhone(f"{raw!r} is not a Mexican number (10 digits) and has no country code")
    candidate = "+" + digits if has_plus or default_region == MEXICO else digits
    try:
        parsed = phonenumbers.parse(candidate, None if candidate.startswith("+") else default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"{raw!r} is not a phone number: {error}") from error
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone(f"{raw!r} is not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _mexican_national_number(digits: str, has_plus: bool, default_region: str) -> str | None:
    """The 10-digit Mexican national number in `digits`, or None when it is not Mexican."""
    if digits.startswith("52") and len(digits) == 13 and digits[2] == "1":
        return digits[3:]  # 521 + 10 digits: the WhatsApp form of a mobile
    if digits.startswith("52") and len(digits) == 12:
        return digits[2:]
    if has_plus:
        return None
    if default_region != MEXICO:
        return None
    for prefix in _MX_LEGACY_PREFIXES:
        if digits.startswith(prefix) and len(digits) == 13:
            return digits[3:]
    if digits.startswith("01") and len(digits) == 12:
        return digits[2:]  # the old long-distance prefix
    if len(digits) == 10:
        return digits
    return None


def canonical_from_whatsapp_id(wa_id: str) -> str:
    """E.164 for a WhatsApp id such as "5215598765432" or "14155552671" (always international)."""
    digits = re.sub(r"\D", "", wa_id or "")
    if not digits:
        raise InvalidPhone(f"no digits in WhatsApp id {wa_id!r}")
    return canonical_phone("+" + digits)


def whatsapp_id(canonical: str) -> str:
    """The digits WhatsApp uses to address `canonical` (E.164 without the plus)."""
    return canonical.lstrip("+")


def display_phone(canonical: str) -> str:
    """A number as Mexicans read it: "55 1234 5678" for Mexico, international format otherwise."""
    if canonical.startswith("+52") and len(canonical) == 13:
        national = canonical[3:]
        if national[:2] in ("55", "56", "33", "81"):
            return f"{national[:2]} {national[2:6]} {national[6:]}"
        return f"{national[:3]} {national[3:6]} {national[6:]}"
    try:
        parsed = phonenumbers.parse(canonical, None)
    except phonenumbers.NumberParseException:
        return canonical
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked_phone(raw: str) -> str:
    """A number with its middle hidden, as logs show it: "+52 55 **** 5678" (Mexico's LFPDPPP).

    Accepts any spelling ("5215512345678", "+52 55 1234 5678", "55 1234 5678"); keeps the country
    code, the first two national digits and the last four, so an operator can still tell numbers apart.
    """
    digits = re.sub(r"\D", "", raw or "")
    if len(digits) < 8:
        return "*" * len(digits)
    national = _mexican_national_number(digits, raw.strip().startswith("+"), MEXICO)
    country = "52"
    if national is None:
        try:
            parsed = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return "****" + digits[-4:]
        if not phonenumbers.is_possible_number(parsed):
            return "****" + digits[-4:]  # not a phone after all (a long id): hide it the same way
        country, national = str(parsed.country_code), str(parsed.national_number)
    return f"+{country} {national[:2]} **** {national[-4:]}"
