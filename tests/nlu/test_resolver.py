"""The pure resolver: parts + now + business hours → dates and times (contract "Resolution rules")."""

from __future__ import annotations

import datetime as dt

import pytest

from nlu.catalog import demo_catalog
from nlu.resolver import ClockParts, DateTimeParts, DayParts, resolve, resolve_clock, resolve_day, resolve_period
from tests.nlu.helpers import local

HOURS = demo_catalog().week_hours()  # Mon–Fri 10–20, Sat 9–15, Sun closed
WEDNESDAY = dt.date(2026, 1, 14)


def clock(hour: int, minute: int = 0, *, before: int = 0, meridiem: str | None = None, day: dt.date | None = None,
          part_of_day: str | None = None) -> dt.time | None:
    return resolve_clock(
        ClockParts(hour=hour, minute=minute, minutes_before=before, meridiem=meridiem),  # type: ignore[arg-type]
        day, HOURS, part_of_day,  # type: ignore[arg-type]
    )


def test_cuarto_para_las_5_is_16_45() -> None:
    assert clock(5, before=15) == dt.time(16, 45)


def test_cuarto_para_la_1_is_12_45() -> None:
    assert clock(1, before=15) == dt.time(12, 45)


def test_5_y_media_is_17_30() -> None:
    assert clock(5, 30) == dt.time(17, 30)


def test_bare_hour_reads_as_pm_inside_salon_hours() -> None:
    assert clock(4) == dt.time(16, 0)
    assert clock(7) == dt.time(19, 0)


def test_a_las_10_is_morning_for_a_salon_opening_at_10() -> None:
    assert clock(10) == dt.time(10, 0)
    assert clock(11, 30) == dt.time(11, 30)


def test_a_las_12_is_noon_and_a_la_1_is_13() -> None:
    assert clock(12) == dt.time(12, 0)
    assert clock(1) == dt.time(13, 0)


def test_the_days_own_hours_decide_when_the_day_is_known() -> None:
    saturday = dt.date(2026, 1, 17)  # open 9–15
    assert clock(9, day=saturday) == dt.time(9, 0)
    assert clock(2, day=saturday) == dt.time(14, 0)


def test_bare_hour_outside_any_hours_reads_like_a_salon_does() -> None:
    # 9 AM and 9 PM are both outside Mon–Fri 10–20: mornings 8–11, afternoons 1–7.
    monday = dt.date(2026, 1, 19)
    assert clock(9, day=monday) == dt.time(9, 0)


def test_meridiem_and_part_of_day_win_over_hours() -> None:
    assert clock(4, meridiem="am") == dt.time(4, 0)
    assert clock(8, meridiem="pm") == dt.time(20, 0)
    assert clock(11, part_of_day="evening") == dt.time(23, 0)
    assert clock(10, part_of_day="morning") == dt.time(10, 0)


def test_twenty_four_hour_clock_is_taken_as_said() -> None:
    assert clock(16) == dt.time(16, 0)
    assert clock(24) == dt.time(0, 0)
    assert clock(24, 30) is None  # no such time: left empty


def test_range_ends_after_it_starts() -> None:
    parts = DateTimeParts(time=ClockParts(hour=11), time_end=ClockParts(hour=1))
    resolved = resolve(parts, local("2026-01-14T12:00"), HOURS)
    assert (resolved.time, resolved.time_end) == (dt.time(11, 0), dt.time(13, 0))


def test_de_2_a_3_is_14_to_15() -> None:
    parts = DateTimeParts(time=ClockParts(hour=2), time_end=ClockParts(hour=3))
    resolved = resolve(parts, local("2026-01-14T12:00"), HOURS)
    assert (resolved.time, resolved.time_end) == (dt.time(14, 0), dt.time(15, 0))


def test_opening_hours_are_not_read_with_the_current_ones() -> None:
    # "de 9 a 3" said by an owner setting hours: 9 AM to 3 PM even though 9 AM is closed today.
    parts = DateTimeParts(time=ClockParts(hour=9), time_end=ClockParts(hour=3))
    resolved = resolve(parts, local("2026-01-14T12:00"), HOURS, time_use="opening")
    assert (resolved.time, resolved.time_end) == (dt.time(9, 0), dt.time(15, 0))


@pytest.mark.parametrize(
    ("relative", "expected"),
    [("today", "2026-01-14"), ("tomorrow", "2026-01-15"), ("day_after_tomorrow", "2026-01-16"), ("yesterday", "2026-01-13")],
)
def test_relative_days(relative: str, expected: str) -> None:
    assert resolve_day(DayParts(relative=relative), WEDNESDAY) == dt.date.fromisoformat(expected)  # type: ignore[arg-type]


def test_weekday_goes_toward_the_future() -> None:
    assert resolve_day(DayParts(weekday="mon"), WEDNESDAY) == dt.date(2026, 1, 19)
    assert resolve_day(DayParts(weekday="fri"), WEDNESDAY) == dt.date(2026, 1, 16)


def test_weekday_equal_to_today_means_next_week_unless_hoy_or_este() -> None:
    assert resolve_day(DayParts(weekday="wed"), WEDNESDAY) == dt.date(2026, 1, 21)
    assert resolve_day(DayParts(weekday="wed", qualifier="this"), WEDNESDAY) == WEDNESDAY
    assert resolve_day(DayParts(weekday="wed", qualifier="next"), WEDNESDAY) == dt.date(2026, 1, 21)


def test_weekday_of_the_other_week_is_in_next_calendar_week() -> None:
    assert resolve_day(DayParts(weekday="fri", qualifier="next_week"), WEDNESDAY) == dt.date(2026, 1, 23)
    assert resolve_day(DayParts(weekday="mon", qualifier="next_week"), WEDNESDAY) == dt.date(2026, 1, 19)


def test_looking_back_reads_weekdays_in_the_past() -> None:
    assert resolve_day(DayParts(weekday="mon"), WEDNESDAY, "past") == dt.date(2026, 1, 12)


def test_day_of_month_already_past_means_next_month() -> None:
    assert resolve_day(DayParts(day=20), WEDNESDAY) == dt.date(2026, 1, 20)
    assert resolve_day(DayParts(day=10), WEDNESDAY) == dt.date(2026, 2, 10)
    assert resolve_day(DayParts(day=14), WEDNESDAY) == WEDNESDAY


def test_day_and_month_already_past_means_next_year() -> None:
    new_years_eve = dt.date(2026, 12, 31)
    assert resolve_day(DayParts(day=15, month=1), new_years_eve) == dt.date(2027, 1, 15)
    assert resolve_day(DayParts(day=31, month=12), new_years_eve) == new_years_eve


def test_a_day_that_does_not_exist_is_left_empty() -> None:
    assert resolve_day(DayParts(day=30, month=2), WEDNESDAY) is None
    assert resolve_day(DayParts(day=31, month=4, year=2026), WEDNESDAY) is None


def test_el_31_skips_months_without_a_31st() -> None:
    assert resolve_day(DayParts(day=31), dt.date(2026, 4, 2)) == dt.date(2026, 5, 31)


def test_weekend_on_saturday_starts_today_and_on_sunday_is_today() -> None:
    assert resolve_period("weekend", dt.date(2026, 1, 31)) == (dt.date(2026, 1, 31), dt.date(2026, 2, 1))
    assert resolve_period("weekend", dt.date(2026, 5, 31)) == (dt.date(2026, 5, 31), dt.date(2026, 5, 31))
    assert resolve_period("weekend", WEDNESDAY) == (dt.date(2026, 1, 17), dt.date(2026, 1, 18))


def test_weeks_run_monday_to_sunday() -> None:
    assert resolve_period("this_week", WEDNESDAY) == (dt.date(2026, 1, 12), dt.date(2026, 1, 18))
    assert resolve_period("next_week", WEDNESDAY) == (dt.date(2026, 1, 19), dt.date(2026, 1, 25))
    assert resolve_period("last_week", WEDNESDAY) == (dt.date(2026, 1, 5), dt.date(2026, 1, 11))


def test_months_are_whole_calendar_months() -> None:
    assert resolve_period("last_month", WEDNESDAY) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert resolve_period("this_month", dt.date(2026, 2, 10)) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))


def test_a_stated_time_makes_part_of_day_redundant() -> None:
    parts = DateTimeParts(day=DayParts(relative="tomorrow"), time=ClockParts(hour=4), part_of_day="afternoon")
    resolved = resolve(parts, local("2026-01-14T12:00"), HOURS)
    assert (resolved.date, resolved.time, resolved.part_of_day) == (dt.date(2026, 1, 15), dt.time(16, 0), None)


def test_day_range_end_is_on_or_after_its_start() -> None:
    parts = DateTimeParts(day=DayParts(day=28), day_end=DayParts(day=2))
    resolved = resolve(parts, local("2026-01-14T12:00"), HOURS)
    assert (resolved.date, resolved.date_end) == (dt.date(2026, 1, 28), dt.date(2026, 2, 2))


def test_now_is_read_in_the_business_timezone() -> None:
    # 02:00 UTC on the 15th is still the 14th in Mexico City.
    now_utc = dt.datetime(2026, 1, 15, 2, 0, tzinfo=dt.timezone.utc)
    local_now = now_utc.astimezone(demo_catalog().tz)
    assert resolve(DateTimeParts(day=DayParts(relative="today")), local_now, HOURS).date == dt.date(2026, 1, 14)
