"""The week grid as values (bot/pages/week.py): what is drawn where, on the business's wall clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.pages.week import Listed, build_week, week_of, week_title
from store.hours import parse_weekly_hours
from store.models import Appointment, AppointmentStatus, Staff, TimeBlock

TIJUANA = ZoneInfo("America/Tijuana")
KARLA = Staff(id=uuid.uuid4(), organization_id=uuid.uuid4(), name="Karla Soto", phone="+526643004000")
HOURS = parse_weekly_hours({day: ["10:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")} | {"sun": ["10:00-14:00"]})


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TIJUANA).astimezone(timezone.utc)


def _appointment(start: str, minutes: int = 45, status: str = AppointmentStatus.confirmed) -> Listed:
    starts = _at(start)
    row = Appointment(
        organization_id=KARLA.organization_id,
        customer_id=uuid.uuid4(),
        staff_id=KARLA.id,
        service_id=uuid.uuid4(),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        busy_until=starts + timedelta(minutes=minutes),
        status=status,
        price_cents=20_000,
    )
    return Listed(row, "Paty Núñez", "Manicure")


def _week(monday: date, appointments: list[Listed], blocks: list[TimeBlock] = (), now: str = "2027-03-12T09:00"):  # type: ignore[assignment]
    return build_week(
        monday=monday, tz=TIJUANA, now=_at(now), columns=[KARLA], business_hours=HOURS, staff_hours={},
        appointments=appointments, blocks=list(blocks),
    )


def test_week_titles_read_like_a_person_says_them() -> None:
    assert week_title(date(2027, 3, 8)) == "8 al 14 de marzo de 2027"
    assert week_title(date(2027, 3, 29)) == "29 de marzo al 4 de abril de 2027"
    assert week_title(date(2025, 12, 29)) == "29 de diciembre de 2025 al 4 de enero de 2026"
    assert week_of(date(2027, 3, 14)) == date(2027, 3, 8) and week_of(date(2027, 3, 8)) == date(2027, 3, 8)


def test_ten_oclock_is_on_the_ten_oclock_line_before_and_after_the_clocks_change() -> None:
    week = _week(date(2027, 3, 8), [_appointment("2027-03-13T10:00"), _appointment("2027-03-14T10:00")])
    saturday, sunday = week.days[5], week.days[6]
    assert [mark.label for mark in week.hours][:2] == ["10 AM", "11 AM"] and week.height == 9
    [before], [after] = saturday.lanes[0].appointments, sunday.lanes[0].appointments
    assert (before.top, before.time) == (0, "10:00 AM") and (after.top, after.time) == (0, "10:00 AM")
    assert before.height == after.height == 0.75
    # Sunday closes at 2 PM: from there to the grid's end (7 PM) is shaded.
    assert [(shade.top, shade.height) for shade in sunday.lanes[0].off] == [(4, 5)]


def test_an_appointment_across_the_fall_back_hour_keeps_its_real_length() -> None:
    week = _week(
        date(2027, 11, 1), [_appointment("2027-11-07T01:30", minutes=60)], now="2027-11-05T12:00"
    )  # 1:30 PDT → 1:30 PST: the wall clock ends where it began
    [box] = week.days[6].lanes[0].appointments
    assert box.time == "1:30 AM" and box.height == 1
    assert week.hours[0].label == "1 AM", "the grid grows to show an appointment outside opening hours"


def test_blocks_are_clipped_to_the_day_and_a_no_shows_time_booked_again_sits_beside_it() -> None:
    vacation = TimeBlock(
        organization_id=KARLA.organization_id, staff_id=KARLA.id, starts_at=_at("2027-03-09T00:00"),
        ends_at=_at("2027-03-11T00:00"), reason="vacaciones",
    )
    week = _week(
        date(2027, 3, 8),
        [_appointment("2027-03-12T11:00", status=AppointmentStatus.no_show), _appointment("2027-03-12T11:00")],
        [vacation],
    )
    tuesday, wednesday, thursday = week.days[1], week.days[2], week.days[3]
    assert [(s.top, s.height, s.label) for s in tuesday.lanes[0].blocks] == [(0, 9, "vacaciones")]
    assert [(s.top, s.height) for s in wednesday.lanes[0].blocks] == [(0, 9)]
    assert thursday.lanes[0].blocks == []
    first, second = week.days[4].lanes[0].appointments
    assert (first.overlap, second.overlap) == (False, True)
    assert week.days[4].is_today and week.days[4].now_top is None, "9 AM is before the grid starts"
    assert week.days[0].closed is False and all(day.special is None for day in week.days)
