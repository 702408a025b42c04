"""The learned ranker's features: every column reads only the history known at its origin."""

from __future__ import annotations

import numpy as np
import pytest

from patrolgate.events.points import EventPoints
from patrolgate.forecast import LearnedRanker
from patrolgate.forecast._events import prepare, to_days
from patrolgate.forecast.features import CellFeatures, LocalClock, Triggering, feature_names
from patrolgate.geo.grid import Grid

ORIGINS = ("2016-01-15T06:00", "2016-03-10T14:00", "2016-05-02T05:00")
TRIGGERING = Triggering(
    background_per_day=40.0, bandwidth=50.0, decay_days=1500.0, offspring=0.1, omega=0.1,
    sigma=150.0,
)  # fmt: skip


def _builder(grid: Grid) -> CellFeatures:
    return CellFeatures(grid, LocalClock("America/Chicago"), TRIGGERING)


def _split(events: EventPoints) -> tuple[EventPoints, EventPoints]:
    """Half the events as targets, the other half as 'leading' ones (a second category)."""
    half = np.arange(len(events)) % 2 == 0
    return events.subset(half), events.subset(~half)


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("length", [1 / 3, 1.0, 7.0])
def test_no_feature_sees_events_after_its_origin(
    chicago: tuple[EventPoints, Grid], origin: str, length: float
) -> None:
    """Each column is the same whether the history holds the future or is cut at the origin."""
    events, grid = chicago
    targets, leading = _split(events)
    day = to_days(origin)
    cut = np.datetime64(origin)
    full = _builder(grid).at(
        prepare(targets, grid), day, length, leading=prepare(leading, grid), data_start=14_000.0
    )
    past_targets = targets.subset(targets.t_end <= cut)
    past_leading = leading.subset(leading.t_end <= cut)
    known = _builder(grid).at(
        prepare(past_targets, grid),
        day,
        length,
        leading=prepare(past_leading, grid),
        data_start=14_000.0,
    )
    names = feature_names(leading=True)
    assert full.shape == (grid.n_cells, len(names))
    for column, name in enumerate(names):
        np.testing.assert_array_equal(full[:, column], known[:, column], err_msg=name)


def test_every_feature_reads_the_history(chicago: tuple[EventPoints, Grid]) -> None:
    """The check above is not vacuous: a month more of history changes every column that
    depends on history (all but the cells' clipped areas)."""
    events, grid = chicago
    targets, leading = _split(events)
    prepared, led = prepare(targets, grid), prepare(leading, grid)
    before = _builder(grid).at(prepared, to_days("2016-03-01T06:00"), 1.0, leading=led)
    after = _builder(grid).at(prepared, to_days("2016-04-01T06:00"), 1.0, leading=led)
    for column, name in enumerate(feature_names(leading=True)):
        changed = not np.array_equal(before[:, column], after[:, column])
        assert changed == (name != "area_share"), name


def test_shift_profiles_follow_the_local_clock(chicago: tuple[EventPoints, Grid]) -> None:
    """A Saturday night and a weekday's late shift see more of the week's violence than a
    weekday's early shift; a whole week sees all of it (Chicago, 2014-2016, local time)."""
    events, grid = chicago
    prepared = prepare(events, grid)
    share = feature_names(leading=False).index("window_hours_share")

    def at(utc: str, length: float) -> float:
        return float(_builder(grid).at(prepared, to_days(utc), length)[0, share])

    early = at("2016-04-06T12:00", 1 / 3)  # Wednesday 07:00 CDT
    late = at("2016-04-06T20:00", 1 / 3)  # Wednesday 15:00 CDT
    saturday_night = at("2016-04-10T04:00", 1 / 3)  # Saturday 23:00 CDT
    assert saturday_night > late > 1.0 > early
    assert at("2016-04-04T05:00", 7.0) == pytest.approx(1.0)


def test_training_origins_stay_inside_the_training_period(
    chicago: tuple[EventPoints, Grid],
) -> None:
    """Every training target window ends by the end of training; shifts rotate through the day."""
    events, grid = chicago
    training = events.subset(events.t_end <= np.datetime64("2016-03-01T06:00"))
    model = LearnedRanker(
        window_days=1 / 3, n_origins=6, max_iter=10, timezone="America/Chicago", random_state=0
    ).fit(training, grid)
    origins = model._origins()
    assert len(origins) == 6
    assert origins.max() + model._horizon() <= model.fitted_until_ + 1e-9
    hours = np.round((origins * 24) % 24).astype(int)
    assert len(set(hours.tolist())) == 3  # the three shifts, not always the same one
    assert model.n_training_rows_ > 0
    used = model.feature_importance()
    assert set(used) == set(feature_names(leading=False))
