"""Backtest windows on the local clock: shifts across the clock changes, calendar-month refits."""

from __future__ import annotations

import numpy as np
import pytest

from patrolgate.events.points import EventPoints
from patrolgate.forecast import NaiveCounts, RetrospectiveKDE, backtest
from patrolgate.forecast._events import to_days
from patrolgate.forecast.backtest import CURVE_LEVELS
from patrolgate.forecast.windows import refit_segments, window_labels, windows_of
from patrolgate.geo.grid import Grid

LONDON = "Europe/London"


def test_shifts_follow_the_clock_across_both_changes() -> None:
    """07–15, 15–23, 23–07 local: the spring night lasts 7 hours, the autumn night 9."""
    starts, lengths = windows_of(
        to_days("2026-03-28T07:00"), to_days("2026-03-30T07:00"), "shift", LONDON
    )
    hours = np.round(lengths * 24).astype(int).tolist()
    assert hours == [8, 8, 7, 8, 8, 8]  # the night into 29 March loses an hour
    assert window_labels(starts, "shift", LONDON) == ["early", "late", "night"] * 2
    starts, lengths = windows_of(
        to_days("2026-10-24T06:00"), to_days("2026-10-26T07:00"), "shift", LONDON
    )
    assert np.round(lengths * 24).astype(int).tolist() == [8, 8, 9, 8, 8, 8]
    # The late shift of 25 October starts at 15:00 GMT, the early one at 07:00 GMT.
    assert starts[3] == to_days("2026-10-25T07:00") and starts[4] == to_days("2026-10-25T15:00")


def test_local_days_and_a_start_between_windows() -> None:
    """Days run midnight to midnight (23 hours on 29 March); a period starts at a whole window."""
    starts, lengths = windows_of(
        to_days("2026-03-27T12:00"), to_days("2026-03-31T00:00"), "day", LONDON
    )
    assert starts[0] == to_days("2026-03-28T00:00")
    assert np.round(lengths * 24).astype(int).tolist() == [24, 23, 24]


def test_refit_by_calendar_month_not_thirty_days() -> None:
    """``month`` refits at the first window of each local month (31, 28 and 31 days apart)."""
    starts, _ = windows_of(to_days("2026-01-01T00:00"), to_days("2026-04-01T00:00"), "day", LONDON)
    segments = refit_segments(starts, starts[0], "month", LONDON)
    assert np.bincount(segments).tolist() == [31, 28, 31]
    thirty = refit_segments(starts, starts[0], 30.0, LONDON)
    assert np.bincount(thirty).tolist() == [30, 30, 30]


def test_shift_backtest_reports_each_shift_and_every_level(
    chicago: tuple[EventPoints, Grid],
) -> None:
    """Per-shift hit rate and PAI, levels from 0.1 % to 20 %, and paired intervals at 1 %."""
    events, grid = chicago
    result = backtest(
        {"naive": NaiveCounts(), "kde": RetrospectiveKDE()},
        events,
        grid,
        start="2016-03-01T13:00",  # 07:00 CST
        end="2016-03-15T12:00",  # 07:00 CDT, after the spring change
        window="shift",
        refit="month",
        coverage=0.05,
        timezone="America/Chicago",
    )
    kde = result.model("kde")
    assert kde.n_forecasts == 42
    shifts = kde.by_label(0.05)
    assert set(shifts) == {"early", "late", "night"}
    assert sum(s.windows for s in shifts.values()) == 42
    assert sum(s.events for s in shifts.values()) == pytest.approx(kde.n_events)
    # Chicago's aggravated assaults peak in the late shift (15:00-23:00 local).
    assert shifts["late"].events > max(shifts["early"].events, shifts["night"].events)
    assert CURVE_LEVELS[0] == 0.001 and 0.2 in CURVE_LEVELS
    hits = [kde.curve[c] for c in CURVE_LEVELS]
    assert hits == sorted(hits) and hits[-1] == pytest.approx(1.0)
    assert kde.at(0.05).pai == pytest.approx(kde.pai)
    assert 0 < kde.at(0.01).pei <= 1
    interval = result.compare("kde", "naive", coverage=0.01)
    assert interval.low <= interval.estimate <= interval.high
    night = result.compare("kde", "naive", label="night")
    assert night.low <= night.estimate <= night.high
    assert len(kde.fitted) == 1  # one calendar month: one fit
    document = kde.as_dict(levels=(0.01, 0.05))
    assert set(document["levels"]) == {"0.01", "0.05"}
    assert set(document["shifts"]) == {"early", "late", "night"}
