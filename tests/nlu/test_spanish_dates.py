"""Reading Mexican date and time expressions, end to end through the rule engine."""

from __future__ import annotations

import pytest

from nlu.normalize import normalize
from nlu.spanish_dates import extract_datetime
from tests.nlu.helpers import slots


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mañana", {"date": "2026-01-15"}),
        ("pasado mañana", {"date": "2026-01-16"}),
        ("hoy", {"date": "2026-01-14"}),
        ("ahorita", {"date": "2026-01-14"}),
        ("al rato", {"date": "2026-01-14"}),
        ("el viernes", {"date": "2026-01-16"}),
        ("el lunes", {"date": "2026-01-19"}),
        ("el 20", {"date": "2026-01-20"}),
        ("15 de enero", {"date": "2026-01-15"}),
        ("el 2 de febrero", {"date": "2026-02-02"}),
        ("15/02", {"date": "2026-02-15"}),
        ("la otra semana", {"date": "2026-01-19", "date_end": "2026-01-25"}),
        ("la próxima semana", {"date": "2026-01-19", "date_end": "2026-01-25"}),
        ("el fin de semana", {"date": "2026-01-17", "date_end": "2026-01-18"}),
        ("el viernes de la otra semana", {"date": "2026-01-23"}),
        ("del 20 al 23", {"date": "2026-01-20", "date_end": "2026-01-23"}),
    ],
)
def test_days(text: str, expected: dict[str, str]) -> None:
    assert slots(text, expecting="date") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a las 4", "16:00"),
        ("A las 4", "16:00"),
        ("a las cuatro", "16:00"),
        ("5 y media", "17:30"),
        ("cinco y media", "17:30"),
        ("a las 4 y cuarto", "16:15"),
        ("cuarto para las 5", "16:45"),
        ("diez para las 6", "17:50"),
        ("mediodía", "12:00"),
        ("a medio día", "12:00"),
        ("a la una y media", "13:30"),
        ("11:30", "11:30"),
        ("4pm", "16:00"),
        ("a las 10 de la mañana", "10:00"),
        ("a las 8 de la noche", "20:00"),
        ("a las 16 hrs", "16:00"),
        ("las doce y media", "12:30"),
    ],
)
def test_times(text: str, expected: str) -> None:
    assert slots(text, expecting="time") == {"time": expected}


def test_manana_en_la_tarde_is_tomorrow_afternoon() -> None:
    assert slots("Mañana en la tarde", expecting="date") == {"date": "2026-01-15", "part_of_day": "afternoon"}


def test_manana_en_la_manana_is_tomorrow_morning() -> None:
    assert slots("mañana en la mañana", expecting="date") == {"date": "2026-01-15", "part_of_day": "morning"}


def test_temprano_is_morning_but_salir_temprano_is_not() -> None:
    assert slots("el sábado temprano", expecting="date") == {"date": "2026-01-17", "part_of_day": "morning"}
    assert "part_of_day" not in slots("Bloquea las 4, tengo que salir temprano", role="staff")


def test_esta_noche_is_today_in_the_evening() -> None:
    assert slots("esta noche", expecting="date") == {"date": "2026-01-14", "part_of_day": "evening"}


def test_buenas_tardes_is_a_greeting_not_a_part_of_day() -> None:
    assert slots("Hola buenas tardes") == {}


def test_hasta_manana_is_a_goodbye_not_a_date() -> None:
    assert slots("gracias, hasta mañana!") == {}


def test_a_duration_is_not_a_clock_time() -> None:
    found = extract_datetime(normalize("de 2 a 3 horas"))
    assert found.parts.time is None


def test_mnn_and_typos_in_weekdays_are_read() -> None:
    assert slots("mñn a las 4", expecting="date") == {"date": "2026-01-15", "time": "16:00"}
    assert slots("el sabdo", expecting="date") == {"date": "2026-01-17"}
    assert slots("el juevs", expecting="date") == {"date": "2026-01-15"}


def test_el_3_is_an_option_when_options_were_listed() -> None:
    assert slots("el 3", expecting="choice", options=["Manicure", "Pedicure", "Mani + Pedi"]) == {"choice": 3}


def test_a_weekday_and_its_day_number_are_one_day() -> None:
    assert slots("el sábado 17 a las 11", expecting="date") == {"date": "2026-01-17", "time": "11:00"}


def test_hoy_with_todays_weekday_is_today() -> None:
    assert slots("hoy miércoles", expecting="date") == {"date": "2026-01-14"}


def test_an_unknown_expression_leaves_the_date_empty() -> None:
    assert "date" not in slots("cuando tengas chance", expecting="date")
