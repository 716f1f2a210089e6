"""Dates, times and prices read the way a Mexican customer expects."""

from datetime import date, time

from flows.core.formatting import clock_time, duration, long_date, money


def test_dates_read_weekday_day_and_month_in_spanish() -> None:
    assert long_date(date(2027, 1, 15)) == "viernes 15 de enero"
    assert long_date(date(2026, 1, 15)) == "jueves 15 de enero"
    assert long_date(date(2027, 9, 1)) == "miércoles 1 de septiembre"


def test_times_use_twelve_hour_clock_with_am_pm() -> None:
    assert clock_time(time(16, 0)) == "4:00 PM"
    assert clock_time(time(11, 30)) == "11:30 AM"
    assert clock_time(time(12, 0)) == "12:00 PM"
    assert clock_time(time(0, 15)) == "12:15 AM"


def test_prices_are_pesos_without_decimals_unless_needed() -> None:
    assert money(15000) == "$150"
    assert money(125000) == "$1,250"
    assert money(9950) == "$99.50"


def test_durations_are_short() -> None:
    assert duration(45) == "45 min"
    assert duration(60) == "1 h"
    assert duration(90) == "1 h 30 min"


def test_one_oclock_is_singular_and_honorifics_stay_with_the_name() -> None:
    from datetime import time

    from flows.core import formatting as fmt

    assert fmt.at_clock(time(13, 0)) == "a la 1:00 PM" and fmt.at_clock(time(1, 30)) == "a la 1:30 AM"
    assert fmt.at_clock(time(16, 0)) == "a las 4:00 PM" and fmt.the_clock(time(13, 15)) == "la 1:15 PM"
    assert fmt.first_name("Don Pepe Ruiz") == "Don Pepe" and fmt.first_name("doña Chela") == "doña Chela"
    assert fmt.first_name("Juan Pérez") == "Juan" and fmt.first_name(None) == ""


def test_compound_given_names_are_how_people_are_called() -> None:
    from flows.core import formatting as fmt

    assert fmt.first_name("José Luis Pérez") == "José Luis"
    assert fmt.first_name("María Fernanda") == "María Fernanda"
    assert fmt.first_name("María del Carmen Ruiz") == "María del Carmen"
    assert fmt.first_name("Juan Pérez") == "Juan" and fmt.first_name("Luis Hernández") == "Luis"
