"""Whatever way a phone number is written, it names one person."""

import pytest

from store.phones import InvalidPhone, canonical_from_whatsapp_id, canonical_phone, display_phone

SAME_MEXICAN_MOBILE = [
    "55 1111 2222",
    "5511112222",
    "(55) 1111-2222",
    "+52 55 1111 2222",
    "+52 1 55 1111 2222",
    "+5215511112222",
    "5215511112222",
    "525511112222",
    "044 55 1111 2222",
    "045 55 1111 2222",
    "0052 55 1111 2222",
    "01 55 1111 2222",
]


@pytest.mark.parametrize("written", SAME_MEXICAN_MOBILE)
def test_every_way_of_writing_a_mexican_mobile_is_the_same_number(written: str) -> None:
    assert canonical_phone(written) == "+525511112222"


def test_whatsapp_521_id_drops_the_legacy_mobile_one() -> None:
    assert canonical_from_whatsapp_id("5215598765432") == "+525598765432"


def test_whatsapp_id_without_the_one_is_the_same_person() -> None:
    assert canonical_from_whatsapp_id("525598765432") == canonical_from_whatsapp_id("5215598765432")


def test_whatsapp_ids_are_always_international_so_a_us_number_stays_american() -> None:
    assert canonical_from_whatsapp_id("14155552671") == "+14155552671"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("+1 415 555 2671", "+14155552671"),
        ("+34 612 345 678", "+34612345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0034 612 345 678", "+34612345678"),
    ],
)
def test_non_mexican_numbers_keep_their_country(written: str, expected: str) -> None:
    assert canonical_phone(written) == expected


@pytest.mark.parametrize("garbage", ["", "hola", "55 1111 222", "123", "1234567", "+52 55 11"])
def test_text_that_is_not_a_phone_is_refused_clearly(garbage: str) -> None:
    with pytest.raises(InvalidPhone):
        canonical_phone(garbage)


def test_mexican_numbers_display_as_people_write_them() -> None:
    assert display_phone("+525598765432") == "55 9876 5432"
    assert display_phone("+526641234567") == "664 123 4567"
