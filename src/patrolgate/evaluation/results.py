"""What an evaluation finds: counts per area and window, the comparisons, the verdict."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from patrolgate.evaluation.statistics import WDDResult


class Verdict(StrEnum):
    """What an evaluation concludes, in words a commander can repeat."""

    FEWER = "fewer"
    MORE = "more"
    NO_DETECTABLE_CHANGE = "no-detectable-change"
    NOT_ENOUGH_DATA = "not-enough-data"


@dataclass(frozen=True)
class AreaCounts:
    """Events in one area (or the mean over the control areas) in each window."""

    before: float
    during: float
    after: float


@dataclass(frozen=True)
class Contrast:
    """One comparison with the before period: the deployment window, or the after period.

    Attributes
    ----------
    scale : float
        Outcome-window length over before-window length.
    wdd : WDDResult
        The net change (target plus buffer, each net of its control) and its test.
    wdq, wdq_meaning : float or None, str
        The Weighted Displacement Quotient and its reading.
    relative_change, relative_lower, relative_upper : float or None
        The target's own change net of its controls (the local part of the WDD) as a share
        of ``expected``: -0.2 means 20 per cent fewer events than the controls suggest.
        With its 95 per cent interval; None when nothing was expected.
    relative_variance : float or None
        Its variance (expected under no change, inflated for overdispersion), which does
        not depend on the outcome, so pooling these shares across deployments is unbiased.
    expected : float
        Events the target would hold in the outcome window at its before rate.
    minimum_detectable : float
        The smallest net reduction the test could tell from chance (1.96 null standard
        errors); when it exceeds ``expected`` the contrast cannot show anything.
    enough_data : bool
        Whether ``expected`` reaches ``minimum_detectable``.
    """

    scale: float
    wdd: WDDResult
    wdq: float | None
    wdq_meaning: str
    relative_change: float | None
    relative_lower: float | None
    relative_upper: float | None
    relative_variance: float | None
    expected: float
    minimum_detectable: float
    enough_data: bool


@dataclass(frozen=True)
class ForecastCheck:
    """Events observed during the deployment against the forecast's expected count.

    ``ratio`` is observed over expected; its interval is the exact Poisson interval of the
    observed count divided by the expected count; ``p_value`` is the exact two-sided test.
    """

    model: str
    expected: float
    observed: int
    ratio: float
    ratio_lower: float
    ratio_upper: float
    p_value: float


@dataclass(frozen=True)
class DeploymentEvaluation:
    """Everything the evaluation of one deployment found; ``to_dict`` gives plain JSON."""

    deployment_id: str
    profile: str
    windows: dict[str, list[str]]
    area_km2: float
    buffer_km2: float
    target: AreaCounts
    buffer: AreaCounts
    control: AreaCounts
    control_buffer: AreaCounts
    n_controls: int
    control_shifts_m: list[tuple[float, float]]
    control_match: dict[str, Any]
    during: Contrast | None
    after: Contrast | None
    forecast: ForecastCheck | None
    verdict: Verdict
    summary: str
    poolable: bool
    reasons: list[str] = field(default_factory=list)
    series: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self, *, series: bool = False) -> dict[str, Any]:
        """The evaluation as JSON-ready values (the daily series only when asked)."""
        result = asdict(self)
        result["verdict"] = self.verdict.value
        for name in ("during", "after"):
            contrast = getattr(self, name)
            if contrast is not None:
                low, high = contrast.wdd.interval
                result[name]["wdd"]["lower"] = low
                result[name]["wdd"]["upper"] = high
        if not series:
            result.pop("series")
        rounded: dict[str, Any] = _rounded(result)
        return rounded


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value
