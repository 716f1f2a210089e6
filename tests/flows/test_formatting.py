"""How Yume writes dates, times, prices and lists: the house format, pinned."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from flows.core import formatting as fmt
from flows.core import replies
from flows.core.messages import MAX_BUTTONS, MAX_LIST_ROWS
from flows.core.replies import DayOffer, ServiceInfo

TODAY = date(2026, 1, 14)  # a Wednesday


def test_dates_read_like_a_person_says_them() -> None:
    assert fmt.long_date(date(2026, 1, 15)) == "jueves 15 de enero"
    assert fmt.day_phrase(TODAY, TODAY) == "hoy miércoles 14 de enero"
    assert fmt.day_phrase(date(2026, 1, 15), TODAY) == "mañana jueves 15 de enero"
    assert fmt.day_phrase(date(2026, 1, 17), TODAY) == "el sábado 17 de enero"


@pytest.mark.parametrize(
    ("clock", "text"),
    [(time(16, 0), "4:00 PM"), (time(10, 30), "10:30 AM"), (time(12, 0), "12:00 PM"), (time(0, 15), "12:15 AM")],
)
def test_times_are_twelve_hour_with_am_pm(clock: time, text: str) -> None:
    assert fmt.clock_time(clock) == text


@pytest.mark.parametrize(("cents", "text"), [(15000, "$150"), (120000, "$1,200"), (9950, "$99.50"), (0, "$0")])
def test_prices_are_pesos_without_cents_when_round(cents: int, text: str) -> None:
    assert fmt.money(cents) == text


def test_durations_and_lists() -> None:
    assert [fmt.duration(m) for m in (45, 60, 90)] == ["45 min", "1 h", "1 h 30 min"]
    assert fmt.join_words(["corte", "barba", "tinte"]) == "corte, barba y tinte"
    assert fmt.bullet_list(["3:00 PM", "4:00 PM"]) == "• 3:00 PM\n• 4:00 PM"


def test_every_date_of_a_year_fits_a_list_row_title() -> None:
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert len(fmt.short_date(day)) <= replies.ROW_TITLE_MAX, fmt.short_date(day)
        day += timedelta(days=1)


def test_a_list_of_slots_is_an_interactive_list_whose_titles_also_work_typed() -> None:
    service = ServiceInfo(id="s", name="Corte de cabello", minutes=45, price_cents=15000)
    starts = [datetime(2026, 1, 15, h, 0) for h in (15, 16, 17)]
    reply = replies.offer_slots(date(2026, 1, 15), TODAY, service, starts, more=False)
    assert reply.text.startswith("Mañana jueves 15 de enero tengo estos horarios para Corte de cabello ($150).")
    assert "4:00 PM" not in reply.text and reply.text.endswith("¿Cuál te funciona mejor?")  # the list is shown once
    assert [(r.id, r.title) for r in reply.rows] == [
        ("slot:2026-01-15T15:00", "3:00 PM"), ("slot:2026-01-15T16:00", "4:00 PM"), ("slot:2026-01-15T17:00", "5:00 PM")
    ]


def test_choices_become_buttons_up_to_three_short_titles_else_a_list_within_whatsapp_limits() -> None:
    few = replies.confirm_cancel(
        replies.AppointmentInfo("a", "Corte de cabello", 15000, datetime(2026, 1, 15, 16), datetime(2026, 1, 15, 17), "Pedro"),
        TODAY,
    )
    assert len(few.buttons) == 2 and not few.rows
    many = [ServiceInfo(id=str(i), name=f"Servicio con un nombre larguísimo número {i}", minutes=30, price_cents=100) for i in range(14)]
    menu = replies.ask_service(many)
    assert not menu.buttons and len(menu.rows) == MAX_LIST_ROWS
    assert all(len(row.title) <= replies.ROW_TITLE_MAX for row in menu.rows)
    assert all(row.description is None or len(row.description) <= replies.ROW_DESCRIPTION_MAX for row in menu.rows)
    days = replies.ask_day("corte", [DayOffer(date(2026, 1, 15) + timedelta(days=i), datetime(2026, 1, 15, 10)) for i in range(3)], TODAY)
    assert len(days.buttons) <= MAX_BUTTONS and all(len(b.title) <= replies.BUTTON_TITLE_MAX for b in days.buttons)
    assert days.addressed("5215512345678").kind in ("buttons", "list")
