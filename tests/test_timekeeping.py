"""Local times and windows across Europe/London's 2026 clock changes (29 March, 25 October)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from patrolgate.errors import InvalidInput
from patrolgate.timekeeping import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    at_local,
    day_interval,
    hours,
    month_interval,
    parse_time,
    record_time,
    shift_name,
    shift_window,
    window_at,
)

LONDON = ZoneInfo("Europe/London")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_local_time_in_the_spring_gap_is_refused() -> None:
    """01:30 on 29 March 2026 never happens in London."""
    with pytest.raises(NonexistentLocalTime, match="does not exist"):
        parse_time("2026-03-29T01:30", LONDON, "--start")


def test_a_repeated_local_time_needs_an_offset() -> None:
    """01:30 on 25 October 2026 happens twice; an offset says which."""
    with pytest.raises(AmbiguousLocalTime, match="happens twice"):
        parse_time("2026-10-25T01:30", LONDON)
    assert parse_time("2026-10-25T01:30+01:00", LONDON) == utc(2026, 10, 25, 0, 30)
    assert parse_time("2026-10-25T01:30+00:00", LONDON) == utc(2026, 10, 25, 1, 30)


@pytest.mark.parametrize("text", ["", "   ", "tomorrow", "2026-13-01T00:00", "2026-06-01T25:00"])
def test_unreadable_times_are_invalid_input(text: str) -> None:
    """Anything that is not an ISO time is refused with the field's name."""
    with pytest.raises(InvalidInput, match="start"):
        parse_time(text, LONDON, "start")


def test_local_days_last_23_24_or_25_hours() -> None:
    """A local calendar day is measured from local midnight to local midnight."""
    spring = day_interval(date(2026, 3, 29), LONDON)
    autumn = day_interval(date(2026, 10, 25), LONDON)
    summer = day_interval(date(2026, 7, 1), LONDON)
    assert hours(spring[1] - spring[0]) == 23
    assert hours(autumn[1] - autumn[0]) == 25
    assert hours(summer[1] - summer[0]) == 24
    assert summer[0] == utc(2026, 6, 30, 23)


def test_shifts_start_at_7_15_and_23_local_across_the_october_change() -> None:
    """The night shift that spans the change lasts 9 hours; the others 8."""
    night = shift_window(utc(2026, 10, 25, 3), LONDON)
    assert night == (utc(2026, 10, 24, 22), utc(2026, 10, 25, 7))
    assert shift_name(night[0], LONDON) == "night"
    early = shift_window(utc(2026, 10, 25, 7), LONDON)
    assert early == (utc(2026, 10, 25, 7), utc(2026, 10, 25, 15))
    assert shift_name(early[0], LONDON) == "early"
    spring_night = shift_window(utc(2026, 3, 29, 1, 30), LONDON)
    assert hours(spring_night[1] - spring_night[0]) == 7


def test_windows_contain_their_instant_and_tile_time() -> None:
    """Every kind of window contains the instant asked about and the next starts at its end."""
    moment = utc(2026, 3, 28, 12)
    for kind in ("shift", "day", "week", "month"):
        start, end = window_at(moment, kind, LONDON)
        assert start <= moment < end
        following = window_at(end, kind, LONDON)
        assert following[0] == end
    assert window_at(moment, "month", LONDON) == month_interval(2026, 3, "Europe/London")
    assert window_at(moment, "week", LONDON)[0] == utc(2026, 3, 23)


def test_a_boundary_in_the_gap_falls_at_the_change() -> None:
    """A wall time the clocks skip is reached when they jump (01:00 UTC on 29 March)."""
    assert at_local(date(2026, 3, 29), time(1, 30), LONDON) == utc(2026, 3, 29, 1)


def test_record_times_are_never_refused() -> None:
    """Source records take the first of a repeated hour and move a gap time forward."""
    assert record_time(datetime(2026, 10, 25, 1, 30), LONDON) == utc(2026, 10, 25, 0, 30)
    assert record_time(datetime(2026, 3, 29, 1, 30), LONDON) == utc(2026, 3, 29, 1, 30)
    assert record_time(utc(2026, 1, 1) + timedelta(hours=1), LONDON) == utc(2026, 1, 1, 1)
