"""Absolute dates in written forms, read through dateparser behind the own resolver."""

from __future__ import annotations

import pytest

from nlu.written_dates import canonical
from tests.nlu.helpers import slots


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("3/feb/2027", "2027-02-03"),
        ("2027-02-03", "2027-02-03"),
        ("03.02.2027", "2027-02-03"),
        ("3.2.27", "2027-02-03"),
        ("3-feb-27", "2027-02-03"),
        ("3 de feb. de 2027", "2027-02-03"),
        ("el 3 del 2", "2026-02-03"),
        ("el 13 del 12", "2026-12-13"),
        ("24-dic", "2026-12-24"),
        ("feb-13", "2026-02-13"),
        ("29/feb/2028", "2028-02-29"),
    ],
)
def test_written_absolute_dates(text: str, date: str) -> None:
    # Wednesday 14 January 2026: a day without a year is the next one, found by the own resolver.
    assert slots(text, expecting="date") == {"date": date}


def test_the_own_parser_keeps_the_forms_it_reads() -> None:
    for text in ("15 de enero", "febrero 3", "15/01", "3/2/27", "el viernes", "pasado mañana"):
        assert canonical(text) == text


def test_a_written_date_inside_a_request_keeps_the_rest() -> None:
    assert slots("quiero cita el 2027-02-03 a las 5") == {"date": "2027-02-03", "time": "17:00"}
    assert canonical("Agéndame el 3/feb/2027, porfa") == "Agéndame el 3/2/2027, porfa"


def test_a_date_that_does_not_exist_is_left_empty() -> None:
    assert slots("31/feb/2027", expecting="date") == {}


def test_a_day_without_a_year_is_resolved_in_the_business_timezone() -> None:
    # 19:30 on 31 December in Mexico City is already 1 January in UTC: «31-dic» is still today there.
    assert slots("el 31-dic", expecting="date", now="2026-12-31T19:30") == {"date": "2026-12-31"}
