"""How a period went: the periods people name, fair comparisons, and the owner's answer from the store."""

from __future__ import annotations

from datetime import date, datetime

from flows.owner.period_stats import (
    Period,
    Visit,
    change_percent,
    comparison_windows,
    period_asked,
    previous_period,
    summarize,
)
from store.database import Database
from store.models import ServiceType
from tests.flows.conversation import BARBERIA, open_chat, texts
from tests.helpers import MEXICO_CITY

WEDNESDAY = date(2026, 1, 14)


def test_nothing_named_means_this_week_monday_to_sunday() -> None:
    assert period_asked(None, None, WEDNESDAY) == Period(date(2026, 1, 12), date(2026, 1, 18), "week")


def test_a_single_day_a_whole_week_and_a_whole_month_are_told_apart() -> None:
    assert period_asked(WEDNESDAY, None, WEDNESDAY).kind == "day"
    assert period_asked(date(2026, 1, 5), date(2026, 1, 11), WEDNESDAY).kind == "week"
    assert period_asked(date(2025, 12, 1), date(2025, 12, 31), WEDNESDAY).kind == "month"
    assert period_asked(date(2026, 1, 2), date(2026, 1, 9), WEDNESDAY).kind == "range"


def test_the_period_before_a_month_is_the_calendar_month_before() -> None:
    march = Period(date(2026, 3, 1), date(2026, 3, 31), "month")
    assert previous_period(march) == Period(date(2026, 2, 1), date(2026, 2, 28), "month")
    week = Period(date(2026, 1, 12), date(2026, 1, 18), "week")
    assert previous_period(week) == Period(date(2026, 1, 5), date(2026, 1, 11), "week")


def test_a_running_week_is_compared_with_last_week_up_to_the_same_moment() -> None:
    week = Period(date(2026, 1, 12), date(2026, 1, 18), "week")
    now = datetime(2026, 1, 14, 12, 0, tzinfo=MEXICO_CITY)
    (start, cut), (before_start, before_end) = comparison_windows(week, now, MEXICO_CITY)
    assert (start, cut) == (datetime(2026, 1, 12, tzinfo=MEXICO_CITY), now)
    assert (before_start, before_end) == (
        datetime(2026, 1, 5, tzinfo=MEXICO_CITY),
        datetime(2026, 1, 7, 12, 0, tzinfo=MEXICO_CITY),
    )


def test_a_finished_period_is_compared_whole_even_when_the_one_before_is_longer() -> None:
    february = Period(date(2026, 2, 1), date(2026, 2, 28), "month")
    now = datetime(2026, 3, 10, 9, 0, tzinfo=MEXICO_CITY)
    (_, cut), (before_start, before_end) = comparison_windows(february, now, MEXICO_CITY)
    assert cut == datetime(2026, 3, 1, tzinfo=MEXICO_CITY)
    # January has 31 days: the same 28-day stretch of it, not all of it.
    assert (before_start, before_end) == (
        datetime(2026, 1, 1, tzinfo=MEXICO_CITY),
        datetime(2026, 1, 29, tzinfo=MEXICO_CITY),
    )


def test_summary_counts_each_status_and_earns_only_from_completed_at_booked_prices() -> None:
    at = datetime(2026, 1, 13, 10, 0, tzinfo=MEXICO_CITY)
    visits = [
        Visit(at, "completed", 15_000),
        Visit(at, "completed", 22_000),
        Visit(at, "no_show", 15_000),
        Visit(at, "cancelled", 15_000),
        Visit(at, "confirmed", 10_000),
        Visit(datetime(2026, 1, 20, 10, 0, tzinfo=MEXICO_CITY), "completed", 99_900),  # outside
    ]
    summary = summarize(visits, datetime(2026, 1, 12, tzinfo=MEXICO_CITY), datetime(2026, 1, 19, tzinfo=MEXICO_CITY))
    assert (summary.booked, summary.completed, summary.no_shows, summary.cancelled, summary.pending) == (4, 2, 1, 1, 1)
    assert summary.revenue_cents == 37_000


def test_change_is_a_whole_percent_and_absent_without_a_base() -> None:
    assert change_percent(620, 370) == 68
    assert change_percent(100, 220) == -55
    assert change_percent(100, 0) is None


async def test_the_owner_hears_this_week_against_last_week_from_the_store(db: Database) -> None:
    business = dict(BARBERIA)
    business["appointments"] = [
        # This week (Monday 9 March on), before now (Tuesday 10 March, 11:00)
        {
            "customer": "juan",
            "service": "Corte de cabello",
            "staff": "pedro",
            "start": "2026-03-10T10:00",
            "status": "completed",
        },
        {
            "customer": "juan",
            "service": "Arreglo de barba",
            "staff": "pedro",
            "start": "2026-03-09T18:00",
            "status": "no_show",
        },
        {
            "customer": "juan",
            "service": "Corte de cabello",
            "staff": "pedro",
            "start": "2026-03-12T10:00",
            "status": "cancelled",
        },
        {"customer": "juan", "service": "Corte de cabello", "staff": "pedro", "start": "2026-03-13T10:00"},
        # Last week: one before the same moment, one after it
        {
            "customer": "juan",
            "service": "Corte de cabello",
            "staff": "pedro",
            "start": "2026-03-03T10:00",
            "status": "completed",
        },
        {
            "customer": "juan",
            "service": "Arreglo de barba",
            "staff": "pedro",
            "start": "2026-03-03T10:45",
            "status": "completed",
        },
        {
            "customer": "juan",
            "service": "Corte de cabello",
            "staff": "pedro",
            "start": "2026-03-04T10:00",
            "status": "completed",
        },
    ]
    chat = await open_chat(db, business=business)
    # A price raised today does not change what was earned at the old price.
    async with db.transaction() as session:
        corte = await session.get(ServiceType, chat.loaded.services["Corte de cabello"])
        assert corte is not None
        corte.price_cents = 50_000
    out = await chat.says("rosa", "¿cómo nos fue esta semana?")
    said = texts(out)
    assert "📊 Esta semana:" in said
    assert "• Citas: 3 (1 completada, 1 no llegó, 1 pendiente)" in said
    assert "• Canceladas: 1" in said
    assert "• Ingresos: $150 (de las citas completadas)" in said
    assert "Comparado con la semana anterior a estas alturas: $250 en 2 citas completadas (-40%)." in said
