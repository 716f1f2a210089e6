"""When reminders, morning agendas and review requests are due: pure rules, in local time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from scheduler.agenda_times import agenda_day_due, attention_window, local_moment
from scheduler.agenda_times import clock_time as agenda_clock
from scheduler.reminders import DueReminder, booked_too_late, due_reminder, offsets_in_minutes, reminder_moment
from scheduler.review_times import completed_between, review_due

MEXICO_CITY = ZoneInfo("America/Mexico_City")
TIJUANA = ZoneInfo("America/Tijuana")
UTC = timezone.utc
DAY, TWO_HOURS = 24 * 60, 2 * 60


def at(text: str, tz: ZoneInfo = MEXICO_CITY) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- reminders -------------------------------------------------------------------------------


def test_hours_become_distinct_minute_offsets_smallest_first() -> None:
    assert offsets_in_minutes([24, 2, 24]) == [TWO_HOURS, DAY]


def test_a_24_hour_reminder_is_due_24_hours_before_and_not_a_minute_earlier() -> None:
    start = at("2027-01-15T16:00")
    assert due_reminder(start, [DAY], at("2027-01-14T15:59"), None) is None
    assert due_reminder(start, [DAY], at("2027-01-14T16:00"), None) == DueReminder(DAY, too_late=False)


def test_with_24_and_2_hours_each_is_due_in_its_turn() -> None:
    start = at("2027-01-15T16:00")
    assert due_reminder(start, [TWO_HOURS, DAY], at("2027-01-14T20:00"), None) == DueReminder(DAY, False)
    assert due_reminder(start, [TWO_HOURS, DAY], at("2027-01-15T14:00"), None) == DueReminder(TWO_HOURS, False)


def test_after_a_long_outage_only_the_latest_due_reminder_counts() -> None:
    start = at("2027-01-15T16:00")
    assert due_reminder(start, [TWO_HOURS, DAY], at("2027-01-15T15:00"), None) == DueReminder(TWO_HOURS, False)


def test_nothing_is_due_once_the_appointment_has_started() -> None:
    start = at("2027-01-15T16:00")
    assert due_reminder(start, [DAY], start, None) is None
    assert due_reminder(start, [DAY], start + timedelta(hours=1), None) is None


def test_an_appointment_booked_after_its_reminder_time_gets_no_late_reminder_for_that_offset() -> None:
    start = at("2027-01-15T16:00")
    booked = at("2027-01-15T09:00")  # 7 hours before: the 24-hour moment had passed
    assert booked_too_late(booked, start, DAY)
    assert not booked_too_late(booked, start, TWO_HOURS)
    assert due_reminder(start, [TWO_HOURS, DAY], at("2027-01-15T09:01"), booked) == DueReminder(DAY, too_late=True)
    assert due_reminder(start, [TWO_HOURS, DAY], at("2027-01-15T14:00"), booked) == DueReminder(TWO_HOURS, False)


def test_history_with_an_unknown_booking_time_is_reminded_as_usual() -> None:
    assert not booked_too_late(None, at("2027-01-15T16:00"), DAY)


def test_a_24_hour_reminder_is_24_real_hours_before_across_tijuanas_spring_change() -> None:
    # Sunday 14 March 2027, 10:00 PDT (UTC−7); the clocks went from 2:00 to 3:00 that night.
    start = at("2027-03-14T10:00", TIJUANA)
    assert start.astimezone(UTC) == utc("2027-03-14T17:00")
    moment = reminder_moment(start, DAY)
    assert moment == utc("2027-03-13T17:00")
    assert moment.astimezone(TIJUANA).strftime("%H:%M %Z") == "09:00 PST"


def test_a_24_hour_reminder_is_24_real_hours_before_across_tijuanas_autumn_change() -> None:
    # Sunday 7 November 2027, 10:00 PST (UTC−8); the clocks went from 2:00 back to 1:00 that night.
    start = at("2027-11-07T10:00", TIJUANA)
    moment = reminder_moment(start, DAY)
    assert moment == utc("2027-11-06T18:00")
    assert moment.astimezone(TIJUANA).strftime("%H:%M %Z") == "11:00 PDT"


def test_mexico_city_has_no_clock_change_so_its_reminders_keep_the_wall_clock() -> None:
    start = at("2027-03-14T10:00")
    assert reminder_moment(start, DAY).astimezone(MEXICO_CITY) == at("2027-03-13T10:00")
    assert start.astimezone(UTC) == utc("2027-03-14T16:00")


# --- morning agendas -------------------------------------------------------------------------


def test_the_morning_agenda_is_due_at_its_local_time_and_not_before() -> None:
    assert agenda_day_due("08:00", MEXICO_CITY, at("2027-01-15T07:59")) is None
    assert agenda_day_due("08:00", MEXICO_CITY, at("2027-01-15T08:00")) == date(2027, 1, 15)


def test_a_morning_agenda_missed_while_the_server_was_down_still_goes_out_that_morning_only() -> None:
    assert agenda_day_due("08:00", MEXICO_CITY, at("2027-01-15T11:59")) == date(2027, 1, 15)
    assert agenda_day_due("08:00", MEXICO_CITY, at("2027-01-15T12:00")) is None


def test_a_business_without_an_agenda_time_gets_none() -> None:
    assert agenda_day_due(None, MEXICO_CITY, at("2027-01-15T12:00")) is None


def test_after_midnight_the_new_day_waits_for_its_own_morning() -> None:
    assert agenda_day_due("08:00", MEXICO_CITY, at("2027-01-16T00:30")) is None


def test_tijuanas_eight_oclock_moves_in_utc_across_the_spring_change() -> None:
    eight = agenda_clock("08:00")
    assert local_moment(date(2027, 3, 13), eight, TIJUANA) == utc("2027-03-13T16:00")  # PST
    assert local_moment(date(2027, 3, 14), eight, TIJUANA) == utc("2027-03-14T15:00")  # PDT, that same day
    assert agenda_day_due("08:00", TIJUANA, utc("2027-03-14T14:59")) is None
    assert agenda_day_due("08:00", TIJUANA, utc("2027-03-14T15:00")) == date(2027, 3, 14)


def test_tijuanas_eight_oclock_moves_in_utc_across_the_autumn_change() -> None:
    eight = agenda_clock("08:00")
    assert local_moment(date(2027, 11, 6), eight, TIJUANA) == utc("2027-11-06T15:00")  # PDT
    assert local_moment(date(2027, 11, 7), eight, TIJUANA) == utc("2027-11-07T16:00")  # PST, that same day
    assert agenda_day_due("08:00", TIJUANA, utc("2027-11-07T15:30")) is None


def test_a_time_the_clock_skips_happens_an_hour_later_and_a_repeated_one_the_first_time() -> None:
    skipped = local_moment(date(2027, 3, 14), agenda_clock("02:30"), TIJUANA)
    assert skipped.astimezone(TIJUANA).strftime("%H:%M %Z") == "03:30 PDT"
    repeated = local_moment(date(2027, 11, 7), agenda_clock("01:30"), TIJUANA)
    assert repeated == utc("2027-11-07T08:30")  # 1:30 PDT, not 1:30 PST an hour later


def test_mexico_city_mornings_are_always_at_14_utc() -> None:
    for day in (date(2027, 1, 15), date(2027, 3, 14), date(2027, 7, 1), date(2027, 11, 7)):
        assert local_moment(day, agenda_clock("08:00"), MEXICO_CITY).time().hour == 14


def test_appointments_needing_attention_ended_in_the_week_before_the_day() -> None:
    since, until = attention_window(date(2027, 1, 15), MEXICO_CITY)
    assert until == at("2027-01-15T00:00") and since == at("2027-01-08T00:00")


# --- review requests -------------------------------------------------------------------------


def test_a_review_request_is_due_hours_after_completion_for_one_day() -> None:
    completed = utc("2027-01-15T17:00")
    assert not review_due(completed, 2, utc("2027-01-15T18:59"))
    assert review_due(completed, 2, utc("2027-01-15T19:00"))
    assert review_due(completed, 2, utc("2027-01-16T18:59"))
    assert not review_due(completed, 2, utc("2027-01-16T19:00"))


def test_the_review_sweep_reads_completions_in_the_due_day() -> None:
    after, until = completed_between(utc("2027-01-16T12:00"), 3)
    assert (after, until) == (utc("2027-01-15T09:00"), utc("2027-01-16T09:00"))
