"""Rolling-origin backtests: no peeking, pooled figures, and the same result on 1 or 2 workers."""

from __future__ import annotations

import numpy as np
import pytest

from patrolgate.events.points import EventPoints
from patrolgate.forecast import NaiveCounts, RetrospectiveKDE, backtest
from patrolgate.forecast._events import to_days
from patrolgate.forecast.backtest import MONTH, windows_of
from patrolgate.geo.grid import Grid


def test_windows_cover_the_period_whole_windows_only() -> None:
    starts, lengths = windows_of(to_days("2016-01-01"), to_days("2016-01-04T12:00"), 1.0)
    assert len(starts) == 3 and (lengths == 1.0).all()
    months, days = windows_of(to_days("2016-01-15"), to_days("2016-05-01"), MONTH)
    assert [round(d) for d in days] == [29, 31, 30]  # February (leap), March, April
    assert months[0] == to_days("2016-02-01")
    # London months start at local midnight: 23:00 UTC the day before in summer time.
    months, days = windows_of(
        to_days("2018-05-31T23:00"), to_days("2018-07-31T23:00"), MONTH, "Europe/London"
    )
    assert months.tolist() == [to_days("2018-05-31T23:00"), to_days("2018-06-30T23:00")]
    assert days.tolist() == [30.0, 31.0]


def test_backtest_pools_every_window_and_beats_chance(chicago: tuple[EventPoints, Grid]) -> None:
    events, grid = chicago
    result = backtest(
        {"naive": NaiveCounts(lookback_days=365), "kde": RetrospectiveKDE()},
        events,
        grid,
        start="2016-03-01",
        end="2016-04-01",
        window=1.0,
        refit=10.0,
        coverage=0.05,
    )
    naive = result.model("naive")
    assert naive.n_forecasts == 31
    happened = events.subset(
        (events.t_start >= np.datetime64("2016-03-01"))
        & (events.t_start < np.datetime64("2016-04-01"))
    )
    assert naive.n_events == pytest.approx((grid.cell_of(happened.x, happened.y) >= 0).sum())
    for model in result.models:
        assert model.pai > 2  # far better than chance (1) on real data
        assert 0 < model.pei <= 1
        assert 0 < model.brier < 0.05
        assert model.curve[1.0] == pytest.approx(1.0)
        assert len(model.fitted) == 4  # refits on days 0, 10, 20, 30
    document = result.as_dict()
    assert {
        "name",
        "hit_rate",
        "pai",
        "pei",
        "brier",
        "coverage",
        "n_forecasts",
        "n_events",
        "seconds",
    } <= set(document["models"][0])
    interval = result.compare("kde", "naive")
    assert interval.low <= interval.estimate <= interval.high


def test_results_do_not_depend_on_the_number_of_workers(
    chicago: tuple[EventPoints, Grid],
) -> None:
    events, grid = chicago
    runs = [
        backtest(
            [NaiveCounts(lookback_days=365), RetrospectiveKDE()],
            events,
            grid,
            start="2016-05-01",
            end="2016-05-21",
            window=1.0,
            refit=7.0,
            workers=workers,
        )
        for workers in (1, 2)
    ]
    for serial, parallel in zip(runs[0].models, runs[1].models, strict=True):
        assert serial.name == parallel.name
        for field in ("events", "captured", "best", "brier"):
            np.testing.assert_array_equal(
                getattr(serial.windows, field), getattr(parallel.windows, field)
            )
        assert serial.pai == parallel.pai and serial.pei == parallel.pei
