"""The estimator contract every forecasting model keeps, checked on real Chicago data."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from patrolgate.events.points import EventPoints
from patrolgate.forecast import (
    DEFAULT_MODEL,
    MODELS,
    Forecast,
    Forecaster,
    ForecastError,
    NotFittedError,
    make_model,
)
from patrolgate.geo.grid import Grid

FIT_END = np.datetime64("2016-03-01T06:00:00")


def _fast(name: str) -> Forecaster:
    """Each model with settings that keep the test quick on a 2.5-year subset."""
    if name == "ensemble":
        return make_model(
            name,
            timezone="America/Chicago",
            members=("naive", "kde", "sepp"),
            validation_days=30.0,
            max_validation_windows=10,
            random_state=3,
        )
    if name == "learned":
        return make_model(
            name, timezone="America/Chicago", n_origins=8, max_iter=30, random_state=3
        )
    return make_model(name, timezone="America/Chicago")


@pytest.fixture(scope="module")
def training(chicago: tuple[EventPoints, Grid]) -> EventPoints:
    """Events known by the end of training."""
    events, _ = chicago
    return events.subset(events.t_end <= FIT_END)


@pytest.mark.parametrize("name", list(MODELS))
def test_hyperparameters_are_stored_unchanged_and_round_trip(name: str) -> None:
    model = _fast(name)
    params = model.get_params()
    assert "random_state" in params
    assert type(model)(**params).get_params() == params
    assert model.clone().get_params() == params
    model.set_params(random_state=7)
    assert model.random_state == 7  # type: ignore[attr-defined]
    with pytest.raises(ForecastError):
        model.set_params(no_such_parameter=1)
    assert not [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]


@pytest.mark.parametrize("name", list(MODELS))
def test_predict_before_fit_raises_not_fitted(name: str) -> None:
    with pytest.raises(NotFittedError):
        _fast(name).predict(FIT_END, timedelta(days=1))


@pytest.mark.parametrize("name", list(MODELS))
def test_invalid_hyperparameters_fail_in_fit_not_init(
    name: str, chicago: tuple[EventPoints, Grid], training: EventPoints
) -> None:
    _, grid = chicago
    first = next(iter(_fast(name).get_params()))
    model = _fast(name).set_params(**{first: -1.0})  # constructing never validates
    with pytest.raises(ForecastError):
        model.fit(training, grid)


@pytest.mark.parametrize("name", list(MODELS))
def test_fit_returns_self_and_forecasts_are_sane_and_reproducible(
    name: str, chicago: tuple[EventPoints, Grid], training: EventPoints
) -> None:
    events, grid = chicago
    model = _fast(name)
    assert model.fit(training, grid) is model
    learned = [k for k in vars(model) if k.endswith("_") and not k.startswith("_")]
    assert "grid_" in learned
    for window in (timedelta(hours=8), timedelta(days=1), timedelta(days=30)):
        forecast = model.predict(FIT_END, window, events)
        assert isinstance(forecast, Forecast)
        assert forecast.expected.shape == (grid.n_cells,)
        assert np.isfinite(forecast.expected).all() and (forecast.expected >= 0).all()
        assert ((forecast.probability >= 0) & (forecast.probability <= 1)).all()
        assert forecast.end - forecast.start == np.timedelta64(window)
        # About as many events as Chicago sees in such a window (roughly 30-60 a day).
        daily = forecast.expected.sum() / (window / timedelta(days=1))
        assert 10 < daily < 120, daily
    again = _fast(name).fit(training, grid).predict(FIT_END, timedelta(days=1), events)
    np.testing.assert_array_equal(again.expected, model.predict(FIT_END, 1.0, events).expected)


@pytest.mark.parametrize("name", list(MODELS))
def test_forecasts_never_see_their_own_window(
    name: str, chicago: tuple[EventPoints, Grid], training: EventPoints
) -> None:
    events, grid = chicago
    model = _fast(name).fit(training, grid)
    start = np.datetime64("2016-04-10T05:00:00")
    with_future = model.predict(start, 1.0, events)
    without = model.predict(start, 1.0, events.subset(events.t_end <= start))
    np.testing.assert_array_equal(with_future.expected, without.expected)


@pytest.mark.parametrize("name", list(MODELS))
def test_forecasts_concentrate_future_events(
    name: str, chicago: tuple[EventPoints, Grid], training: EventPoints
) -> None:
    """A month of forecasts puts far more than 5% of the events in 5% of the area."""
    events, grid = chicago
    model = _fast(name).fit(training, grid)
    hits = total = 0.0
    for day in range(30):
        start = FIT_END + np.timedelta64(day, "D")
        top = model.predict(start, 1.0, events).top(grid.area, 0.05)
        happened = events.subset((events.t_start >= start) & (events.t_start < start + 86400))
        cells = grid.cell_of(happened.x, happened.y)
        hits += np.isin(cells, top).sum()
        total += (cells >= 0).sum()
    assert hits / total > 0.15


def test_the_default_model_is_registered() -> None:
    assert DEFAULT_MODEL in MODELS


def test_every_model_is_described_in_plain_words() -> None:
    from patrolgate.forecast.registry import SUMMARIES

    assert set(SUMMARIES) == set(MODELS)
    assert all(len(text) > 30 for text in SUMMARIES.values())
    with pytest.raises(ForecastError, match="unknown model"):
        make_model("crystal-ball")


def test_models_refuse_events_in_another_crs(chicago: tuple[EventPoints, Grid]) -> None:
    events, grid = chicago
    moved = EventPoints(
        events.t_start, events.t_end, events.x, events.y, events.category, "EPSG:27700"
    )
    with pytest.raises(ForecastError, match="EPSG:27700"):
        make_model("naive").fit(moved, grid)


def test_sepp_reports_its_triggering(
    chicago: tuple[EventPoints, Grid], training: EventPoints
) -> None:
    _, grid = chicago
    model = make_model("sepp").fit(training, grid)
    triggering = model.triggering_  # type: ignore[attr-defined]
    assert 0 < triggering.offspring < 1
    assert 0 < triggering.mean_delay_days < 60
    assert 5 <= triggering.distance_m < 500
    assert 0 < triggering.triggered_share < 1
    assert 20 < triggering.background_per_day < 60


def test_leading_indicators_are_cut_at_the_origin_too(
    chicago: tuple[EventPoints, Grid], training: EventPoints
) -> None:
    """The learned ranker reads leading-indicator events only up to each forecast's start."""
    events, grid = chicago
    half = np.arange(len(events)) % 3 == 0
    targets, leading = events.subset(~half), events.subset(half)
    model = _fast("learned").fit(
        targets.subset(targets.t_end <= FIT_END), grid, leading.subset(leading.t_end <= FIT_END)
    )
    assert model.feature_names_[-1] == "leading_ring1_365d"  # type: ignore[attr-defined]
    start = np.datetime64("2016-04-10T05:00:00")
    with_future = model.predict(start, 1.0, targets, leading)
    without = model.predict(
        start, 1.0, targets.subset(targets.t_end <= start), leading.subset(leading.t_end <= start)
    )
    np.testing.assert_array_equal(with_future.expected, without.expected)
    moved = model.predict(start, 1.0, targets, leading.subset(leading.t_end <= FIT_END))
    assert not np.array_equal(moved.expected, with_future.expected)  # the leading events matter


def test_sepp_with_no_orderable_pairs_finds_no_triggering(
    chicago: tuple[EventPoints, Grid],
) -> None:
    """A single month of month-long events cannot be ordered: no triggering, finite figures."""
    events, grid = chicago
    month = events.subset(
        (events.t_start >= np.datetime64("2016-01-01"))
        & (events.t_start < np.datetime64("2016-02-01"))
    )
    spread = EventPoints(
        np.full(len(month), np.datetime64("2016-01-01T00:00:00")),
        np.full(len(month), np.datetime64("2016-02-01T00:00:00")),
        month.x,
        month.y,
        month.category,
        month.crs,
    )
    model = make_model("sepp").fit(spread, grid)
    triggering = model.triggering_  # type: ignore[attr-defined]
    assert triggering.offspring == 0
    assert np.isfinite(triggering.mean_delay_days) and np.isfinite(triggering.distance_m)
    assert np.isfinite(model.predict("2016-02-01", 1.0).expected).all()


def test_the_learned_ranker_stays_sane_on_a_short_month_granular_history(
    chicago: tuple[EventPoints, Grid],
) -> None:
    """A year of month-long events (as data.police.uk gives): the next month's forecast
    ranks like counts do, and no cell's correction runs away (it once reached 1e130)."""
    events, grid = chicago
    year = events.subset(
        (events.t_start >= np.datetime64("2015-01-01"))
        & (events.t_start < np.datetime64("2016-02-01"))
    )
    months = year.t_start.astype("datetime64[M]")
    spread = EventPoints(
        months.astype("datetime64[s]"),
        (months + 1).astype("datetime64[s]"),
        year.x,
        year.y,
        year.category,
        year.crs,
    )
    cut = np.datetime64("2016-01-01T00:00:00")
    known = spread.subset(spread.t_end <= cut)
    model = make_model("learned", window_days=31.0, n_origins=12, max_iter=40, random_state=0)
    forecast = model.fit(known, grid).predict(cut, 31.0, spread)
    counts = make_model("naive").fit(known, grid).predict(cut, 31.0, spread)
    assert np.isfinite(forecast.expected).all()
    assert forecast.expected.sum() < 3 * counts.expected.sum()
    assert np.corrcoef(forecast.expected, counts.expected)[0, 1] > 0.7
