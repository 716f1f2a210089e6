"""Phone numbers as people write them → E.164 ("+52" + 10 digits for Mexico)."""

from __future__ import annotations

import pytest

from nlu.phones import find_phone, to_e164


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("55 9876 5432", "+525598765432"),
        ("(55) 1234-9999", "+525512349999"),
        ("5215598765432", "+525598765432"),
        ("+52 1 55 9876 5432", "+525598765432"),
        ("+52 55 1234 5678", "+525512345678"),
        ("044 55 1234 5678", "+525512345678"),
        ("045 33 1234 5678", "+523312345678"),
        ("+1 415 555 0100", "+14155550100"),
        ("+34 612 34 56 78", "+34612345678"),
    ],
)
def test_canonical_form(written: str, e164: str) -> None:
    assert to_e164(written) == e164


def test_not_a_phone() -> None:
    assert to_e164("1234567") is None
    assert find_phone("el 15 de enero a las 4") is None
    assert find_phone("cuesta $1500") is None


def test_found_inside_a_sentence() -> None:
    match = find_phone("¿Este cliente ha venido antes? 55 1234 9999")
    assert match is not None and match.e164 == "+525512349999"


def test_a_time_just_before_the_number_is_not_part_of_it() -> None:
    match = find_phone("a las 4 55 1234 5678")
    assert match is not None and match.e164 == "+525512345678"
