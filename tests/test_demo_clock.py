"""The terminal demo is pleasant at any hour: outside opening hours it starts at the next opening."""

from __future__ import annotations

import time as wall
from datetime import datetime, timedelta

import pytest

from bot.cli import build_parser
from bot.demo import demo_start
from scheduler.clock import ShiftedClock
from tests.helpers import local


@pytest.mark.parametrize(
    ("now", "starts"),
    [
        ("2027-01-13T11:00", None),  # Wednesday morning: open for hours, the real clock
        ("2027-01-13T23:30", "2027-01-14T10:00"),  # late at night: Thursday's opening
        ("2027-01-13T18:30", "2027-01-14T10:00"),  # closing at 20:00: too little left for «hoy»
        ("2027-01-14T06:00", "2027-01-14T10:00"),  # early morning: today's opening
        ("2027-01-16T12:30", "2027-01-16T16:00"),  # Saturday's split shift: the afternoon opening
        ("2027-01-16T20:00", "2027-01-18T10:00"),  # Saturday night: closed on Sunday, so Monday
    ],
)
def test_the_demo_starts_at_the_next_opening_when_closed_or_closing(now: str, starts: str | None) -> None:
    assert demo_start(local(now)) == (local(starts) if starts else None)


def test_a_shifted_clock_starts_where_told_and_keeps_ticking() -> None:
    start = local("2027-01-14T10:00")
    clock = ShiftedClock(start)
    first = clock.now()
    assert abs(first - start) < timedelta(seconds=1)
    wall.sleep(0.01)
    assert clock.now() > first
    with pytest.raises(ValueError):
        ShiftedClock(datetime(2027, 1, 14, 10))


def test_yume_demo_help_lists_show_and_seed() -> None:
    demo = build_parser(only="demo")._subparsers._group_actions[0].choices["demo"]  # type: ignore[union-attr]
    text = demo.format_help()
    assert "show" in text and "seed" in text and "Without an action, `yume demo` is `yume demo show`." in text
    assert build_parser().parse_args(["demo"]).run is build_parser().parse_args(["demo", "show"]).run
