"""Which offered option a message picks (pure)."""

from __future__ import annotations

import datetime as dt

from nlu.choices import option_time, pick_option, tapped_option
from nlu.normalize import normalize

TIMES = ["3:00 PM", "4:00 PM", "5:30 PM"]
SERVICES = ["Corte de cabello", "Arreglo de barba", "Corte y barba"]


def pick(text: str, options: list[str], *, said_time: dt.time | None = None, said_service: str | None = None) -> int | None:
    normalized = normalize(text)
    return pick_option(text=text, normalized=normalized, rest=normalized, options=options, said_time=said_time,
                       said_service=said_service)


def test_option_titles_show_times() -> None:
    assert option_time("4:00 PM") == dt.time(16, 0)
    assert option_time("10:30 a.m.") == dt.time(10, 30)
    assert option_time("12:00 PM") == dt.time(12, 0)
    assert option_time("Corte de cabello") is None


def test_ordinals_and_numbers() -> None:
    assert pick("la segunda", TIMES) == 2
    assert pick("la última porfa", TIMES) == 3
    assert pick("la de en medio", TIMES) == 2
    assert pick("opción 1", TIMES) == 1
    assert pick("el 3", SERVICES) == 3
    assert pick("la quinta", TIMES) is None  # only three were offered


def test_a_time_picks_the_option_showing_it() -> None:
    assert pick("a las 4", TIMES, said_time=dt.time(16, 0)) == 2
    assert pick("a las 6", TIMES, said_time=dt.time(18, 0)) is None


def test_a_service_or_a_title_picks_its_option() -> None:
    assert pick("corte y barba", SERVICES, said_service="Corte y barba") == 3
    assert pick("arreglo de barba porfa", SERVICES) == 2


def test_a_tap_is_the_exact_title() -> None:
    assert tapped_option("4:00 PM", TIMES) == 2
    assert tapped_option("Corte De Cabello", SERVICES) == 1
    assert tapped_option("4", TIMES) is None
