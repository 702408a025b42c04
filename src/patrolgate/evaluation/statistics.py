"""The statistics of an evaluation: WDQ, the WDD test, exact Poisson intervals, meta-analysis.

Every function here works on counts and numbers only, so each can be checked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

#: The normal quantile for a two-sided 95 per cent interval.
Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class PeriodCounts:
    """Counts in one area before and after (or during) an intervention.

    Attributes
    ----------
    before, after : float
        Counts in the two periods. Control counts may be averages over several areas.
    """

    before: float
    after: float


def wdq(
    target: PeriodCounts, buffer: PeriodCounts, control: PeriodCounts
) -> tuple[float | None, str]:
    """The Weighted Displacement Quotient of Bowers and Johnson (2003).

    ``WDQ = (Da/Ca - Db/Cb) / (Ra/Ca - Rb/Cb)`` with R the target, D the buffer and C the
    control, b before and a after. Above 0 the buffer improved too (diffusion of benefit),
    below 0 crime moved into the buffer (displacement), below -1 the displacement erased
    the benefit. It only means something when the target improved relative to the control
    (a negative denominator), and it has no variance: read it with the WDD test.

    Parameters
    ----------
    target, buffer, control : PeriodCounts
        Counts before and after. Period lengths cancel, since each term is a ratio of two
        counts over the same period.

    Returns
    -------
    value : float or None
        The quotient, or None where it is undefined.
    meaning : str
        A plain reading of the value, or why it is undefined.
    """
    if control.before <= 0 or control.after <= 0:
        return None, "undefined: no events in the control area in one of the periods"
    success = target.after / control.after - target.before / control.before
    if success >= 0:
        return None, "undefined: the target area did not improve relative to its control"
    value = (buffer.after / control.after - buffer.before / control.before) / success
    if value > 0:
        meaning = "diffusion of benefit into the buffer"
    elif value < -1:
        meaning = "displacement larger than the benefit"
    elif value < 0:
        meaning = "some displacement into the buffer"
    else:
        meaning = "no change in the buffer"
    return value, meaning


@dataclass(frozen=True)
class WDDResult:
    """The Weighted Displacement Difference test (Wheeler and Ratcliffe 2018).

    Attributes
    ----------
    estimate : float
        Net change in events attributable to the intervention, target plus buffer, each
        net of its control: negative means fewer events. Pre-period counts are scaled by
        ``scale`` (the ratio of period lengths) so that unequal periods compare fairly.
    local : float
        The target's part (difference in differences for the target alone).
    displacement : float
        The buffer's part: positive means more events in the buffer (displacement).
    se_poisson : float
        The published standard error: the square root of the sum of the (weighted) counts,
        assuming Poisson counts.
    dispersion : float
        Variance inflation (at least 1) for counts that vary more than Poisson.
    se : float
        The standard error the test uses: ``sqrt(dispersion * variance)``, where the
        variance is the published one or, when given, the variance expected under no
        change (see :func:`wdd_test`).
    z, p_value : float
        Two-sided z-test of no net change.
    """

    estimate: float
    local: float
    displacement: float
    se_poisson: float
    dispersion: float
    se: float
    z: float
    p_value: float

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 per cent confidence interval of the estimate."""
        return self.estimate - Z95 * self.se, self.estimate + Z95 * self.se


def wdd_terms(
    target: PeriodCounts,
    buffer: PeriodCounts,
    control: PeriodCounts,
    control_buffer: PeriodCounts,
    *,
    scale: float = 1.0,
    n_controls: int = 1,
) -> tuple[float, float, float]:
    """The local change, the buffer change and the Poisson variance of their sum.

    Parameters
    ----------
    target, buffer : PeriodCounts
        Counts in the target area and its buffer ring.
    control, control_buffer : PeriodCounts
        Counts in the control areas and their rings, *summed* over ``n_controls`` areas.
    scale : float
        Length of the after period over the before period: the before count times
        ``scale`` is what the after period would hold at the before rate.
    n_controls : int
        How many control areas were summed; their mean is the comparison.

    Returns
    -------
    local, displacement, variance : float
    """
    if scale <= 0 or n_controls < 1:
        raise ValueError("scale must be positive and n_controls at least 1")

    def change(counts: PeriodCounts, weight: float) -> tuple[float, float]:
        delta = (counts.after - scale * counts.before) * weight
        variance = (counts.after + scale * scale * counts.before) * weight * weight
        return delta, variance

    t, vt = change(target, 1.0)
    c, vc = change(control, 1.0 / n_controls)
    d, vd = change(buffer, 1.0)
    cd, vcd = change(control_buffer, 1.0 / n_controls)
    return t - c, d - cd, vt + vc + vd + vcd


def wdd_test(
    target: PeriodCounts,
    buffer: PeriodCounts,
    control: PeriodCounts,
    control_buffer: PeriodCounts,
    *,
    scale: float = 1.0,
    n_controls: int = 1,
    dispersion: float = 1.0,
    null_variance: float | None = None,
) -> WDDResult:
    """The WDD estimate, its standard error and a two-sided z-test.

    With ``scale = 1``, one control, ``dispersion = 1`` and no ``null_variance`` this is
    exactly the published test: ``WDD = ΔT - ΔCT + ΔD - ΔCD`` with variance the sum of
    the eight counts.

    The published variance uses the observed counts, so a low count after the
    intervention shrinks its own standard error and small-count tests lean towards
    "fewer". Giving ``null_variance`` (the variance of the counts were nothing to change:
    the before counts times ``scale + scale**2``) removes that lean; the evaluation does.

    Parameters
    ----------
    target, buffer, control, control_buffer : PeriodCounts
        See :func:`wdd_terms`.
    scale : float
        Length of the after period over the before period.
    n_controls : int
        How many control areas the control counts sum over.
    dispersion : float
        Variance inflation for overdispersed counts; values below 1 are taken as 1.

    Returns
    -------
    WDDResult
    """
    local, displacement, variance = wdd_terms(
        target, buffer, control, control_buffer, scale=scale, n_controls=n_controls
    )
    phi = max(1.0, float(dispersion))
    estimate = local + displacement
    se_poisson = math.sqrt(variance)
    se = math.sqrt(phi * (variance if null_variance is None else null_variance))
    if se > 0:
        z = estimate / se
        p_value = float(2 * stats.norm.sf(abs(z)))
    else:
        z, p_value = 0.0, 1.0
    return WDDResult(estimate, local, displacement, se_poisson, phi, se, z, p_value)


def poisson_interval(count: float, alpha: float = 0.05) -> tuple[float, float]:
    """The exact (Garwood) confidence interval for the mean of a Poisson count.

    Parameters
    ----------
    count : float
        The observed count (a non-negative integer).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    lower, upper : float
        For a count of 0 at 95 per cent: (0, 3.689); for 10: (4.795, 18.39).
    """
    n = round(count)
    if n < 0 or abs(count - n) > 1e-9:
        raise ValueError(f"a Poisson count must be a non-negative integer, not {count}")
    lower = 0.0 if n == 0 else float(stats.chi2.ppf(alpha / 2, 2 * n)) / 2
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * n + 2)) / 2
    return lower, upper


def poisson_test(observed: int, expected: float) -> float:
    """Two-sided exact p-value of ``observed`` events when ``expected`` were expected.

    Twice the smaller tail, capped at 1 (the "doubling" rule).
    """
    if expected <= 0:
        return 1.0 if observed == 0 else 0.0
    lower = float(stats.poisson.cdf(observed, expected))
    upper = float(stats.poisson.sf(observed - 1, expected))
    return min(1.0, 2 * min(lower, upper))


@dataclass(frozen=True)
class MetaAnalysis:
    """A DerSimonian–Laird random-effects pooled estimate.

    Attributes
    ----------
    estimate, se : float
        Pooled effect (on the scale of the inputs, e.g. log rate ratio) and standard error.
    lower, upper : float
        Its 95 per cent confidence interval.
    tau2 : float
        Between-study variance.
    q : float
        Cochran's Q heterogeneity statistic.
    i2 : float
        Share of the variation due to heterogeneity rather than chance (0 to 1).
    n : int
        Number of studies pooled.
    p_value : float
        Two-sided z-test of no pooled effect.
    """

    estimate: float
    se: float
    lower: float
    upper: float
    tau2: float
    q: float
    i2: float
    n: int
    p_value: float


def dersimonian_laird(estimates: Sequence[float], variances: Sequence[float]) -> MetaAnalysis:
    """Pool study estimates with the DerSimonian and Laird (1986) random-effects method.

    Parameters
    ----------
    estimates : sequence of float
        Per-study effects.
    variances : sequence of float
        Their within-study variances (positive).

    Returns
    -------
    MetaAnalysis
    """
    if len(estimates) != len(variances) or not estimates:
        raise ValueError("give one variance for each estimate, and at least one estimate")
    if min(variances) <= 0:
        raise ValueError("variances must be positive")
    y = [float(v) for v in estimates]
    w = [1.0 / v for v in variances]
    total = sum(w)
    fixed = sum(wi * yi for wi, yi in zip(w, y, strict=True)) / total
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y, strict=True))
    df = len(y) - 1
    c = total - sum(wi * wi for wi in w) / total
    tau2 = max(0.0, (q - df) / c) if c > 0 else 0.0
    w_star = [1.0 / (v + tau2) for v in variances]
    pooled = sum(wi * yi for wi, yi in zip(w_star, y, strict=True)) / sum(w_star)
    se = math.sqrt(1.0 / sum(w_star))
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    p_value = float(2 * stats.norm.sf(abs(pooled / se)))
    return MetaAnalysis(
        estimate=pooled,
        se=se,
        lower=pooled - Z95 * se,
        upper=pooled + Z95 * se,
        tau2=tau2,
        q=q,
        i2=i2,
        n=len(y),
        p_value=p_value,
    )
