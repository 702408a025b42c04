"""The place-type rhythm model, on real Chicago events with their recorded place types."""

from __future__ import annotations

import numpy as np
import pytest

from patrolgate.events.points import EventPoints
from patrolgate.forecast import ForecastError, make_model
from patrolgate.forecast.rhythm import PlaceRhythm
from patrolgate.forecast.seasonal import local_calendar
from patrolgate.geo.grid import Grid

ZONE = "America/Chicago"
#: Local midnight in Chicago (CST) on 1 March 2016: the end of training.
FIT_END = np.datetime64("2016-03-01T06:00:00")


@pytest.fixture(scope="module")
def fitted(chicago: tuple[EventPoints, Grid]) -> PlaceRhythm:
    events, grid = chicago
    model = make_model("rhythm", timezone=ZONE)
    assert isinstance(model, PlaceRhythm)
    return model.fit(events.subset(events.t_end <= FIT_END), grid)


def _placed(events: EventPoints, place: np.ndarray | None) -> EventPoints:
    """The same events with other place types (``None``: none recorded)."""
    return EventPoints(
        t_start=events.t_start,
        t_end=events.t_end,
        x=events.x,
        y=events.y,
        category=events.category,
        crs=events.crs,
        place=place,
    )


def _day(model: PlaceRhythm, local_date: str) -> np.ndarray:
    """Each place type's weight for the local day (Chicago midnight is 06:00 UTC in CST,
    05:00 in CDT)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime.fromisoformat(local_date).replace(tzinfo=ZoneInfo(ZONE)).timestamp()
    return model.window_weights(start / 86_400, 1.0)


def test_schools_keep_school_days_and_terms(fitted: PlaceRhythm) -> None:
    """Assaults at schools fall at weekends and in the summer holidays; streets much less."""
    school = fitted.places_.index("education")
    street = fitted.places_.index("street")
    wednesday_october = _day(fitted, "2016-10-12")
    saturday_october = _day(fitted, "2016-10-15")
    wednesday_july = _day(fitted, "2016-07-13")
    assert saturday_october[school] < 0.3 * wednesday_october[school]
    assert wednesday_july[school] < 0.5 * wednesday_october[school]
    # Streets are busier at weekends and in summer, not emptier.
    assert saturday_october[street] > wednesday_october[street]
    assert wednesday_july[street] > wednesday_october[street]


def test_the_hours_of_a_shift_follow_each_place(fitted: PlaceRhythm) -> None:
    """A night shift weighs schools near nothing; a day shift weighs them far more."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ZONE)
    school = fitted.places_.index("education")
    day_shift = datetime(2016, 10, 12, 7, tzinfo=zone).timestamp() / 86_400
    night_shift = datetime(2016, 10, 12, 23, tzinfo=zone).timestamp() / 86_400
    by_day = fitted.window_weights(day_shift, 1 / 3)
    by_night = fitted.window_weights(night_shift, 1 / 3)
    assert by_night[school] < 0.2 * by_day[school]


def test_a_schools_cell_ranks_lower_on_a_sunday(
    fitted: PlaceRhythm, chicago: tuple[EventPoints, Grid]
) -> None:
    """The cell with the most school assaults drops in the ranking on a summer Sunday."""
    events, grid = chicago
    training = events.subset(events.t_end <= FIT_END)
    school_events = training.subset(training.place == "education")
    cells = grid.cell_of(school_events.x, school_events.y)
    busiest = int(np.bincount(cells[cells >= 0]).argmax())
    no_recent = fitted.clone().set_params(recent_share=0.0).fit(training, grid)

    def rank(day: np.datetime64) -> int:
        forecast = no_recent.predict(day, 1.0, training)
        return int(np.flatnonzero(forecast.ranking(grid.area) == busiest)[0])

    school_day = rank(np.datetime64("2016-03-02T06:00"))  # a Wednesday in term
    sunday = rank(np.datetime64("2016-07-17T05:00"))  # a Sunday in the holidays
    assert sunday > school_day + 100, (school_day, sunday)


def test_without_place_types_it_ranks_like_the_kernel_density(
    chicago: tuple[EventPoints, Grid],
) -> None:
    """One place type and no recent share: the long-run density, the KDE's ranking."""
    events, grid = chicago
    training = events.subset(events.t_end <= FIT_END)
    unplaced = _placed(training, None)
    rhythm = make_model("rhythm", timezone=ZONE, recent_share=0.0).fit(unplaced, grid)
    kde = make_model("kde").fit(unplaced, grid)
    ours = rhythm.predict(FIT_END, 1.0).expected
    theirs = kde.predict(FIT_END, 1.0).expected
    assert rhythm.places_ == ("",)  # type: ignore[attr-defined]
    np.testing.assert_allclose(ours / ours.sum(), theirs / theirs.sum(), rtol=1e-9, atol=1e-15)


def test_the_recent_share_follows_the_last_weeks(
    fitted: PlaceRhythm, chicago: tuple[EventPoints, Grid]
) -> None:
    """Events of the last week raise (almost all) their cells; the total is unchanged."""
    events, grid = chicago
    training = events.subset(events.t_end <= FIT_END)
    quiet = training.subset(training.t_end <= FIT_END - np.timedelta64(21, "D"))
    with_recent = fitted.predict(FIT_END, 1.0, training).expected
    without = fitted.predict(FIT_END, 1.0, quiet).expected
    assert with_recent.sum() == pytest.approx(without.sum())
    last_days = training.subset(training.t_end > FIT_END - np.timedelta64(7, "D"))
    cells = grid.cell_of(last_days.x, last_days.y)
    cells = cells[cells >= 0]
    assert len(cells) > 100
    assert (with_recent[cells] > without[cells]).mean() > 0.9


def test_month_granular_events_give_flat_rhythms(chicago: tuple[EventPoints, Grid]) -> None:
    """Events known only to the month say nothing of hour or day: the profiles stay flat."""
    events, grid = chicago
    training = events.subset(events.t_end <= FIT_END)
    months = training.t_start.astype("datetime64[M]")
    monthly = EventPoints(
        t_start=months.astype("datetime64[s]"),
        t_end=(months + 1).astype("datetime64[s]"),
        x=training.x,
        y=training.y,
        category=training.category,
        crs=training.crs,
        place=training.place,
    )
    model = make_model("rhythm", timezone="Europe/London").fit(monthly, grid)
    np.testing.assert_array_equal(model.hour_profile_, 1.0)  # type: ignore[attr-defined]
    np.testing.assert_array_equal(model.year_profile_, 1.0)  # type: ignore[attr-defined]
    forecast = model.predict(FIT_END, 30.0)
    assert np.isfinite(forecast.expected).all() and forecast.expected.sum() > 0


@pytest.mark.parametrize("share", [-0.1, 1.0, 2, "a"])
def test_the_recent_share_must_be_a_share(share: object, chicago: tuple[EventPoints, Grid]) -> None:
    events, grid = chicago
    with pytest.raises(ForecastError, match="recent_share"):
        make_model("rhythm", recent_share=share).fit(events, grid)


def test_the_local_calendar_crosses_clock_changes() -> None:
    """Hours of the week and days of the year on Chicago's clock, either side of DST."""
    from zoneinfo import ZoneInfo

    # Clocks went forward at 08:00 UTC on Sunday 13 March 2016 (02:00 CST became 03:00 CDT):
    # 07:30 UTC is 01:30 CST and 08:30 UTC is 03:30 CDT, both on day 72 of the year.
    days = np.array([np.datetime64("2016-03-13T07:30"), np.datetime64("2016-03-13T08:30")])
    how, doy = local_calendar(
        days.astype("datetime64[s]").astype(np.int64) / 86_400, ZoneInfo(ZONE)
    )
    assert how.tolist() == [6 * 24 + 1, 6 * 24 + 3]
    assert doy.tolist() == [72, 72]


def test_a_one_day_lookback_forecasts_from_the_last_day_alone(
    chicago: tuple[EventPoints, Grid],
) -> None:
    """An absurdly short lookback still gives a finite forecast, of about the last day's
    events, a year later too (the long-run part is fitted, not refitted on predict)."""
    events, grid = chicago
    training = events.subset(events.t_end <= FIT_END)
    model = make_model("rhythm", timezone=ZONE, lookback_days=1.0, recent_share=0.0)
    model.fit(training, grid)
    last_day = training.subset(training.t_end > FIT_END - np.timedelta64(1, "D"))
    forecast = model.predict(FIT_END + np.timedelta64(400, "D"), 1.0, training)
    assert np.isfinite(forecast.expected).all()
    assert 0.3 * len(last_day) < forecast.expected.sum() < 3 * len(last_day)


def test_one_kind_of_place_only_and_odd_labels(chicago: tuple[EventPoints, Grid]) -> None:
    """Whatever the labels (the store keeps them to a closed list; the library does not
    care), one label gives one rhythm and a forecast like the unlabelled one."""
    events, grid = chicago
    training = events.subset(events.t_end <= FIT_END)

    def labelled(label: str) -> EventPoints:
        return _placed(training, np.full(len(training), label))

    odd = make_model("rhythm", timezone=ZONE).fit(labelled("ünïcode 🏫 " * 50), grid)
    plain = make_model("rhythm", timezone=ZONE).fit(labelled("street"), grid)
    assert len(odd.places_) == 1  # type: ignore[attr-defined]
    np.testing.assert_allclose(
        odd.predict(FIT_END, 1.0).expected, plain.predict(FIT_END, 1.0).expected
    )
