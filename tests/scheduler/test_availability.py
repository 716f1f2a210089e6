"""The availability engine, as a salon owner would check it by hand. Pure: no database."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from scheduler.availability import (
    Busy,
    SlotQuery,
    SlotRules,
    StaffDay,
    choose_any_staff,
    distinct_starts,
    fits,
    open_slots,
    staff_slots,
)
from store.hours import HoursRange, parse_weekly_hours

CDMX = ZoneInfo("America/Mexico_City")
TIJUANA = ZoneInfo("America/Tijuana")
PEDRO = uuid.UUID(int=1)
ANA = uuid.UUID(int=2)
WEEKDAYS_10_TO_20 = parse_weekly_hours({d: ["10:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")})
SPLIT_SHIFT = parse_weekly_hours({"fri": ["10:00-14:00", "16:00-20:00"]})
FRIDAY = date(2027, 1, 15)
THURSDAY_NOON = datetime(2027, 1, 14, 12, 0, tzinfo=CDMX)


def at(day: date, hhmm: str, tz: ZoneInfo = CDMX) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def times(slots, tz: ZoneInfo = CDMX) -> list[str]:
    return [slot.start.astimezone(tz).strftime("%H:%M") for slot in slots]


def query(minutes: int = 45, day: date = FRIDAY, now: datetime = THURSDAY_NOON, buffer: int = 0, **kw) -> SlotQuery:
    return SlotQuery(
        duration=timedelta(minutes=minutes), buffer=timedelta(minutes=buffer), first_day=day, last_day=day, now=now, **kw
    )


def slots_for(staff: StaffDay, hours=WEEKDAYS_10_TO_20, q: SlotQuery | None = None, rules=SlotRules(step_minutes=30), tz=CDMX):
    return staff_slots(staff, hours, tz, q or query(), rules)


def test_a_service_that_would_run_past_closing_is_not_offered() -> None:
    found = times(slots_for(StaffDay(PEDRO)))
    assert found[-1] == "19:00"  # 19:00 + 45 min ends 19:45; 19:30 would end 20:15
    assert "19:30" not in found


def test_the_buffer_must_fit_before_closing_too() -> None:
    found = times(slots_for(StaffDay(PEDRO), q=query(minutes=45, buffer=30)))
    assert found[-1] == "18:30"


def test_a_slot_right_after_a_lunch_block_is_offered() -> None:
    lunch = Busy(at(FRIDAY, "14:00"), at(FRIDAY, "15:00"))
    found = times(slots_for(StaffDay(PEDRO, busy=[lunch])))
    assert "15:00" in found
    assert "13:30" not in found  # would run into lunch
    assert "13:00" in found


def test_split_shift_gap_is_never_offered_and_a_service_cannot_straddle_it() -> None:
    found = times(slots_for(StaffDay(PEDRO), hours=SPLIT_SHIFT))
    assert "13:00" in found and "13:30" not in found  # 13:30 + 45 min crosses 14:00
    assert not any("14:00" <= t < "16:00" for t in found)
    assert found[found.index("13:00") + 1] == "16:00"


def test_slots_align_to_the_step_from_the_window_start() -> None:
    hours = parse_weekly_hours({"fri": ["09:45-12:00"]})
    found = times(slots_for(StaffDay(PEDRO), hours=hours, q=query(minutes=30)))
    assert found == ["09:45", "10:15", "10:45", "11:15"]


def test_time_freed_in_the_middle_of_a_step_still_starts_on_the_grid() -> None:
    errand = Busy(at(FRIDAY, "10:00"), at(FRIDAY, "10:10"))
    found = times(slots_for(StaffDay(PEDRO, busy=[errand]), q=query(minutes=30)))
    assert found[0] == "10:30"


def test_appointment_buffer_keeps_the_next_slot_away() -> None:
    appointment_with_cleanup = Busy(at(FRIDAY, "10:00"), at(FRIDAY, "10:50"))
    found = times(slots_for(StaffDay(PEDRO, busy=[appointment_with_cleanup])))
    assert found[0] == "11:00"


def test_minimum_notice_counts_from_now() -> None:
    now = at(FRIDAY, "11:10")
    found = times(slots_for(StaffDay(PEDRO), q=query(now=now), rules=SlotRules(step_minutes=30, min_notice_minutes=60)))
    assert found[0] == "12:30"


def test_minimum_notice_crossing_midnight_hides_the_next_mornings_first_slots() -> None:
    late_night = datetime(2027, 1, 14, 23, 30, tzinfo=CDMX)
    rules = SlotRules(step_minutes=30, min_notice_minutes=11 * 60)  # notice reaches 10:30 Friday
    found = times(slots_for(StaffDay(PEDRO), q=query(now=late_night), rules=rules))
    assert found[0] == "10:30"


def test_walk_ins_ignore_the_minimum_notice() -> None:
    now = at(FRIDAY, "11:10")
    found = times(slots_for(StaffDay(PEDRO), q=query(now=now, ignore_notice=True), rules=SlotRules(step_minutes=30)))
    assert found[0] == "11:30"


def test_nothing_beyond_the_booking_horizon() -> None:
    far = date(2027, 3, 1)
    found = slots_for(StaffDay(PEDRO), q=query(day=far), rules=SlotRules(step_minutes=30, max_days_ahead=30))
    assert found == []


def test_closed_day_has_no_slots() -> None:
    sunday = date(2027, 1, 17)
    assert slots_for(StaffDay(PEDRO), q=query(day=sunday)) == []


def test_staff_hours_intersect_business_hours() -> None:
    mornings_only = parse_weekly_hours({"fri": ["08:00-13:00"]})
    found = times(slots_for(StaffDay(PEDRO, hours=mornings_only)))
    assert found[0] == "10:00" and found[-1] == "12:00"


def test_staff_with_hours_only_some_days_do_not_work_the_others() -> None:
    mondays = parse_weekly_hours({"mon": ["10:00-16:00"]})
    assert slots_for(StaffDay(PEDRO, hours=mondays)) == []


def test_mexico_city_has_no_daylight_saving_so_april_opening_is_utc_minus_six() -> None:
    april = date(2027, 4, 9)
    found = slots_for(StaffDay(PEDRO), q=query(day=april, now=datetime(2027, 4, 8, 12, tzinfo=CDMX)))
    assert found[0].start == datetime(2027, 4, 9, 16, 0, tzinfo=timezone.utc)


def test_tijuana_opening_follows_its_march_clock_change() -> None:
    before, after = date(2027, 3, 12), date(2027, 3, 15)  # DST starts Sunday 14 March 2027
    now = datetime(2027, 3, 10, 12, tzinfo=TIJUANA)
    q = SlotQuery(duration=timedelta(minutes=45), first_day=before, last_day=after, now=now)
    found = staff_slots(StaffDay(PEDRO), WEEKDAYS_10_TO_20, TIJUANA, q, SlotRules(step_minutes=30))
    firsts = {}
    for slot in found:
        firsts.setdefault(slot.start.astimezone(TIJUANA).date(), slot.start)
    assert firsts[before] == datetime(2027, 3, 12, 18, 0, tzinfo=timezone.utc)  # 10:00 PST
    assert firsts[after] == datetime(2027, 3, 15, 17, 0, tzinfo=timezone.utc)  # 10:00 PDT
    assert all(slot.start.astimezone(TIJUANA).strftime("%H:%M") >= "10:00" for slot in found)


def test_tijuana_opening_follows_its_november_clock_change() -> None:
    before, after = date(2027, 11, 5), date(2027, 11, 8)  # DST ends Sunday 7 November 2027
    now = datetime(2027, 11, 3, 12, tzinfo=TIJUANA)
    q = SlotQuery(duration=timedelta(minutes=45), first_day=before, last_day=after, now=now)
    found = staff_slots(StaffDay(PEDRO), WEEKDAYS_10_TO_20, TIJUANA, q, SlotRules(step_minutes=30))
    local_starts = {slot.start.astimezone(TIJUANA).strftime("%H:%M") for slot in found}
    assert min(local_starts) == "10:00" and max(local_starts) == "19:00"
    firsts = sorted(slot.start for slot in found if slot.start.astimezone(TIJUANA).strftime("%H:%M") == "10:00")
    assert firsts[0].hour == 17 and firsts[-1].hour == 18  # PDT (UTC−7) then PST (UTC−8)


def test_any_staff_listing_merges_the_same_time_offered_by_two_people() -> None:
    busy_pedro = StaffDay(PEDRO, busy=[Busy(at(FRIDAY, "10:00"), at(FRIDAY, "12:00"))])
    free_ana = StaffDay(ANA)
    slots = open_slots([busy_pedro, free_ana], WEEKDAYS_10_TO_20, CDMX, query(), SlotRules(step_minutes=30))
    starts = [s.astimezone(CDMX).strftime("%H:%M") for s in distinct_starts(slots)]
    assert starts[:2] == ["10:00", "10:30"]
    assert len(starts) == len(set(starts))


def test_any_staff_goes_to_whoever_has_fewest_appointments_that_day() -> None:
    assert choose_any_staff([PEDRO, ANA], {PEDRO: 3, ANA: 1}) == ANA
    assert choose_any_staff([PEDRO, ANA], {}) == PEDRO  # tie: the stable order decides


def test_fits_explains_why_a_time_is_not_available() -> None:
    lunch = StaffDay(PEDRO, busy=[Busy(at(FRIDAY, "14:00"), at(FRIDAY, "15:00"))])
    need = timedelta(minutes=45)
    assert fits(lunch, WEEKDAYS_10_TO_20, CDMX, at(FRIDAY, "13:30"), need) == "taken"
    assert fits(lunch, WEEKDAYS_10_TO_20, CDMX, at(FRIDAY, "19:30"), need) == "outside_hours"
    assert fits(lunch, WEEKDAYS_10_TO_20, CDMX, at(FRIDAY, "15:00"), need) is None


def test_a_closed_special_day_has_no_slots_for_anyone_and_the_next_day_keeps_its_hours() -> None:
    closed = {FRIDAY: ()}
    q = SlotQuery(duration=timedelta(minutes=45), first_day=FRIDAY, last_day=FRIDAY + timedelta(days=1), now=THURSDAY_NOON)
    found = staff_slots(StaffDay(PEDRO), WEEKDAYS_10_TO_20, CDMX, q, SlotRules(step_minutes=30), closed)
    assert found and {slot.start.astimezone(CDMX).date() for slot in found} == {FRIDAY + timedelta(days=1)}


def test_a_short_special_day_replaces_the_weekday_hours_and_still_meets_the_staff_hours() -> None:
    short = {FRIDAY: (HoursRange.parse("10:00-14:00"),)}
    mornings = {day: (HoursRange.parse("12:00-20:00"),) for day in range(5)}
    found = staff_slots(StaffDay(PEDRO, mornings), WEEKDAYS_10_TO_20, CDMX, query(), SlotRules(step_minutes=60), short)
    assert times(found) == ["12:00", "13:00"]  # the 45-minute service fits 12:00–14:00 only
