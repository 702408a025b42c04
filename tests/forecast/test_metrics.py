"""Accuracy measures against hand-computed cases, including ties and empty windows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from patrolgate.forecast import ForecastError, metrics

AREA4 = np.ones(4)


def test_hit_rate_and_pai_take_the_top_cells_by_density() -> None:
    expected = np.array([0.1, 0.5, 0.3, 0.0])
    observed = np.array([1, 2, 0, 1])
    # Half the area = cells 1 and 2: they hold 2 of the 4 events.
    assert metrics.hit_rate(expected, observed, AREA4, 0.5) == pytest.approx(0.5)
    assert metrics.pai(expected, observed, AREA4, 0.5) == pytest.approx(1.0)
    # A quarter = cell 1 alone: 2 of 4 events, PAI 0.5 / 0.25 = 2.
    assert metrics.pai(expected, observed, AREA4, 0.25) == pytest.approx(2.0)


def test_ties_at_the_budget_edge_are_shared_in_proportion() -> None:
    expected = np.array([1.0, 1.0, 1.0, 0.0])
    observed = np.array([3, 0, 0, 1])
    # A quarter of the area falls inside a tie of three equal cells holding 3 events:
    # a third of the tie, so one event expected whichever cell a random draw picked.
    assert metrics.captured(expected, observed, AREA4, 0.25)[0] == pytest.approx(1.0)
    # Renumbering the cells does not change the score.
    order = np.array([2, 1, 0, 3])
    assert metrics.captured(expected[order], observed[order], AREA4, 0.25)[0] == pytest.approx(1.0)


def test_a_forecast_that_says_nothing_scores_pai_one() -> None:
    observed = np.array([5, 0, 0, 0, 1, 0, 2, 0])
    area = np.ones(8)
    for coverage in (0.05, 0.125, 0.5, 1.0):
        assert metrics.pai(np.zeros(8), observed, area, coverage) == pytest.approx(1.0)


def test_clipped_cells_rank_by_density_and_budget_in_area() -> None:
    expected = np.array([1.0, 0.6, 0.1])
    area = np.array([2.0, 0.5, 1.5])  # densities 0.5, 1.2, 0.067
    observed = np.array([2, 1, 1])
    # 1 m² of 4: cell 1 (0.5 m², 1 event), then 0.5 of cell 0's 2 m² (a quarter of 2 events).
    assert metrics.captured(expected, observed, area, 0.25)[0] == pytest.approx(1.5)


def test_area_budget_in_square_miles() -> None:
    area = np.full(100, metrics.SQUARE_MILE_M2 / 10)  # 10 square miles in all
    assert metrics.coverage_of_budget(area, 0.5) == pytest.approx(0.05)
    assert metrics.coverage_of_budget(area, 50) == 1.0
    expected = np.arange(100, dtype=float)
    observed = np.zeros(100)
    observed[99] = 1
    # 0.25 square miles = 2.5 cells: the top cell holds the only event.
    assert metrics.pai_at_budget(expected, observed, area, 0.25) == pytest.approx(1 / 0.025)


def test_pei_and_pei_star() -> None:
    expected = np.array([0.9, 0.8, 0.1, 0.0])
    observed = np.array([0, 1, 3, 0])
    # Half the area: the forecast takes cells 0 and 1 (1 event), the best takes 2 and 1 (4).
    assert metrics.pei(expected, observed, AREA4, 0.5) == pytest.approx(0.25)
    # PAI = (1/4)/0.5 = 0.5. The best needs only the 2 cells with events: PAI* = 1/0.5 = 2.
    assert metrics.best_pai(observed, AREA4, 0.5) == pytest.approx(2.0)
    assert metrics.pei_star(expected, observed, AREA4, 0.5) == pytest.approx(0.25)
    # A quarter: the best takes cell 2 alone (3 events); PAI* = 0.75 / 0.25 = 3.
    assert metrics.best_pai(observed, AREA4, 0.25) == pytest.approx(3.0)


def test_empty_windows_have_no_hit_rate() -> None:
    empty = np.zeros(4)
    assert math.isnan(metrics.hit_rate(np.ones(4), empty, AREA4, 0.5))
    assert math.isnan(metrics.pai(np.ones(4), empty, AREA4, 0.5))
    assert math.isnan(metrics.pei(np.ones(4), empty, AREA4, 0.5))
    assert np.isnan(metrics.coverage_curve(np.ones(4), empty, AREA4, [0.25, 0.5])).all()


def test_coverage_curve_rises_to_one() -> None:
    expected = np.array([4.0, 3.0, 2.0, 1.0])
    observed = np.array([1, 0, 2, 1])
    curve = metrics.coverage_curve(expected, observed, AREA4, [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(curve, [0.25, 0.25, 0.75, 1.0])


def test_brier_score_and_reliability() -> None:
    probability = np.array([0.0, 0.5, 1.0, 0.5])
    occurred = np.array([0, 1, 1, 0])
    # (0 + 0.25 + 0 + 0.25) / 4
    assert metrics.brier_score(probability, occurred) == pytest.approx(0.125)
    table = metrics.reliability_table(probability, occurred, bins=2)
    np.testing.assert_array_equal(table.count, [1, 3])  # 0.5 and 1.0 fall in the top bin
    assert table.predicted[1] == pytest.approx(2 / 3)
    assert table.observed[1] == pytest.approx(2 / 3)
    with pytest.raises(ForecastError):
        metrics.brier_score(np.array([1.2]), np.array([1]))


def test_paired_bootstrap_of_a_pai_difference() -> None:
    events = np.array([10.0, 10.0, 0.0, 10.0, 10.0])
    better = np.array([6.0, 5.0, 0.0, 6.0, 5.0])
    worse = np.array([5.0, 4.0, 0.0, 5.0, 4.0])
    interval = metrics.paired_bootstrap(better, worse, events, scale=1 / 0.05, random_state=1)
    # Pooled: (22 - 18) / 40 / 0.05 = 2; every window favours "better", so the interval does too.
    assert interval.estimate == pytest.approx(2.0)
    assert interval.low > 0 and interval.excludes_zero
    again = metrics.paired_bootstrap(better, worse, events, scale=1 / 0.05, random_state=1)
    assert again == interval
    same = metrics.paired_bootstrap(better, better, events, random_state=1)
    assert same.low == same.high == 0.0
