"""The statistics of an evaluation, each against a value worked out by hand."""

from __future__ import annotations

import math

import pytest

from patrolgate.evaluation import (
    PeriodCounts,
    dersimonian_laird,
    poisson_interval,
    poisson_test,
    wdd_test,
    wdq,
)


def test_wdq_reads_displacement_diffusion_and_undefined_cases() -> None:
    """Bowers and Johnson's quotient on counts worked by hand, and where it is undefined."""
    # success = 80/200 - 100/200 = -0.1; buffer = 55/200 - 50/200 = +0.025; WDQ = -0.25
    value, meaning = wdq(PeriodCounts(100, 80), PeriodCounts(50, 55), PeriodCounts(200, 200))
    assert value == pytest.approx(-0.25)
    assert meaning == "some displacement into the buffer"
    value, meaning = wdq(PeriodCounts(100, 80), PeriodCounts(50, 40), PeriodCounts(200, 200))
    assert value == pytest.approx(0.5)  # (40-50)/200 / -0.1
    assert meaning.startswith("diffusion")
    value, meaning = wdq(PeriodCounts(100, 80), PeriodCounts(50, 80), PeriodCounts(200, 200))
    assert value == pytest.approx(-1.5)
    assert meaning == "displacement larger than the benefit"
    assert wdq(PeriodCounts(10, 0), PeriodCounts(5, 5), PeriodCounts(20, 0))[0] is None
    none, why = wdq(PeriodCounts(10, 12), PeriodCounts(5, 5), PeriodCounts(20, 20))
    assert none is None and "did not improve" in why


def test_wdd_is_the_published_test_with_equal_periods() -> None:
    """WDD = ΔT - ΔCT + ΔD - ΔCD; variance the sum of the eight counts (Wheeler & Ratcliffe)."""
    result = wdd_test(
        PeriodCounts(40, 30), PeriodCounts(20, 25), PeriodCounts(50, 50), PeriodCounts(30, 28)
    )
    # ΔT = -10, ΔCT = 0, ΔD = +5, ΔCD = -2: WDD = -10 - 0 + 5 + 2 = -3
    assert result.estimate == pytest.approx(-3.0)
    assert result.local == pytest.approx(-10.0)
    assert result.displacement == pytest.approx(7.0)
    assert result.se_poisson == pytest.approx(math.sqrt(273))
    assert result.se == result.se_poisson
    assert result.z == pytest.approx(-3 / math.sqrt(273))
    assert result.p_value == pytest.approx(0.85592, abs=1e-5)
    low, high = result.interval
    assert low == pytest.approx(-3 - 1.959964 * math.sqrt(273), abs=1e-4)
    assert high == pytest.approx(-3 + 1.959964 * math.sqrt(273), abs=1e-4)


def test_wdd_with_zero_counts_everywhere_says_nothing() -> None:
    """No events at all: no change, zero standard error, p = 1, no division by zero."""
    zero = PeriodCounts(0, 0)
    result = wdd_test(zero, zero, zero, zero)
    assert (result.estimate, result.se, result.z, result.p_value) == (0.0, 0.0, 0.0, 1.0)


def test_wdd_scales_unequal_periods_averages_controls_and_inflates() -> None:
    """28 days before, 1 day during, two controls summed, null variance and dispersion 2."""
    result = wdd_test(
        PeriodCounts(28, 0),
        PeriodCounts(0, 0),
        PeriodCounts(56, 4),
        PeriodCounts(0, 0),
        scale=1 / 28,
        n_controls=2,
        dispersion=2.0,
        null_variance=1 + 1 / 28 + 0.25 * 56 * (1 / 28 + 1 / 784),
    )
    # ΔT = 0 - 28/28 = -1; ΔC = (4 - 56/28) / 2 = +1; local = -2
    assert result.estimate == pytest.approx(-2.0)
    # published: (0 + 28/784) + (4 + 56/784) / 4
    assert result.se_poisson == pytest.approx(math.sqrt(28 / 784 + (4 + 56 / 784) / 4))
    assert result.se == pytest.approx(math.sqrt(2 * (1 + 1 / 28 + 0.25 * 56 * (1 / 28 + 1 / 784))))
    assert result.dispersion == 2.0
    assert (
        wdd_test(
            PeriodCounts(1, 1),
            PeriodCounts(1, 1),
            PeriodCounts(1, 1),
            PeriodCounts(1, 1),
            dispersion=0.3,
        ).dispersion
        == 1.0
    )


@pytest.mark.parametrize(
    ("count", "lower", "upper"),
    [(0, 0.0, 3.6889), (1, 0.0253, 5.5716), (5, 1.6235, 11.6683), (10, 4.7954, 18.3904)],
)
def test_exact_poisson_interval_matches_published_tables(
    count: int, lower: float, upper: float
) -> None:
    """Garwood's exact 95% limits (as tabulated, e.g. in Ulm 1990)."""
    low, high = poisson_interval(count)
    assert low == pytest.approx(lower, abs=1e-4)
    assert high == pytest.approx(upper, abs=1e-4)


def test_poisson_interval_refuses_non_counts() -> None:
    """A count is a non-negative integer."""
    with pytest.raises(ValueError, match="non-negative integer"):
        poisson_interval(2.5)
    with pytest.raises(ValueError, match="non-negative integer"):
        poisson_interval(-1)


def test_exact_poisson_test_doubles_the_smaller_tail() -> None:
    """0 seen where 3 expected: 2·e^-3; 10 where 4: twice P(X >= 10 | 4)."""
    assert poisson_test(0, 3.0) == pytest.approx(2 * math.exp(-3))
    upper = 1 - sum(math.exp(-4) * 4**k / math.factorial(k) for k in range(10))
    assert poisson_test(10, 4.0) == pytest.approx(2 * upper)
    assert poisson_test(4, 4.0) == 1.0
    assert poisson_test(0, 0.0) == 1.0


def test_dersimonian_laird_matches_a_hand_computed_example() -> None:
    """Three studies, y = (0.1, 0.3, -0.2), v = (0.01, 0.04, 0.02), worked by hand."""
    result = dersimonian_laird([0.1, 0.3, -0.2], [0.01, 0.04, 0.02])
    # w = (100, 25, 50); fixed = 7.5/175; Q = 4.928571; C = 175 - 13125/175 = 100
    assert result.q == pytest.approx(4.928571, abs=1e-6)
    assert result.tau2 == pytest.approx((4.928571 - 2) / 100, abs=1e-6)
    assert result.i2 == pytest.approx(2.928571 / 4.928571, abs=1e-6)
    w = [1 / (v + result.tau2) for v in (0.01, 0.04, 0.02)]
    assert result.estimate == pytest.approx((0.1 * w[0] + 0.3 * w[1] - 0.2 * w[2]) / sum(w))
    assert result.estimate == pytest.approx(0.046818, abs=1e-6)
    assert result.se == pytest.approx(0.128909, abs=1e-6)
    assert result.lower == pytest.approx(0.046818 - 1.959964 * 0.128909, abs=1e-5)
    assert result.n == 3


def test_dersimonian_laird_without_heterogeneity_is_the_fixed_effect() -> None:
    """Equal estimates: tau² = 0, I² = 0, and the pooled variance is 1 / Σw."""
    result = dersimonian_laird([0.2, 0.2], [0.04, 0.04])
    assert result.tau2 == 0.0 and result.i2 == 0.0
    assert result.estimate == pytest.approx(0.2)
    assert result.se == pytest.approx(math.sqrt(0.02))
    with pytest.raises(ValueError):
        dersimonian_laird([], [])
    with pytest.raises(ValueError):
        dersimonian_laird([0.1], [0.0])
