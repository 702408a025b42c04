"""What an evaluation compares: the deployment, the windows, the areas and their defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from patrolgate.errors import InvalidInput

DAY = np.timedelta64(86_400, "s")


def as_datetime64(value: np.datetime64 | datetime | str) -> np.datetime64:
    """A UTC ``datetime64[s]`` (aware datetimes are converted, naive ones taken as UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return np.datetime64(value.isoformat(), "s")
    if isinstance(value, str):
        return np.datetime64(value, "s")
    converted: np.datetime64 = value.astype("datetime64[s]")
    return converted


def _seconds(value: timedelta) -> np.timedelta64:
    return np.timedelta64(round(value.total_seconds()), "s")


@dataclass(frozen=True)
class DeploymentArea:
    """A deployment as the evaluation sees it: where, when, under which profile.

    Attributes
    ----------
    id : str
        The deployment's identifier.
    profile : str
        The policy profile (e.g. ``armed-patrol``), for pooling by profile.
    area : shapely geometry
        The authorised area, a polygon in projected metres (the study CRS).
    start, end : numpy.datetime64
        The authorised window ``[start, end)`` in UTC; ``end`` is when powers actually
        stopped (an early revocation shortens it).
    """

    id: str
    profile: str
    area: BaseGeometry
    start: np.datetime64
    end: np.datetime64

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_datetime64(self.start))
        object.__setattr__(self, "end", as_datetime64(self.end))
        if not self.end > self.start:
            raise InvalidInput(f"deployment {self.id}: its end is not after its start")
        if self.area.is_empty or self.area.area <= 0:
            raise InvalidInput(f"deployment {self.id}: its area is empty")


@dataclass(frozen=True)
class EvaluationDesign:
    """The evaluation's settings, each with a documented default (docs/evaluation.md).

    Parameters
    ----------
    before : timedelta, default 28 days
        The comparison period before the deployment: four whole weeks, so every day of the
        week counts equally, recent enough to describe the place as it was, long enough to
        hold a usable count.
    gap : timedelta, default 1 day
        Left out between the before period and the start, so that the assault that
        triggered the deployment does not inflate "before" (regression to the mean).
    after : timedelta, default 28 days
        The period after the deployment ends, as long as the before period: lingering
        benefit (residual deterrence) or delayed displacement and retaliation show here.
    buffer_m : float, default 400
        Width of the displacement ring around the area: about a five-minute walk.
    n_controls : int, default 5
        Control areas averaged; several matched controls halve the noise of one.
    history : timedelta, default 364 days
        Fifty-two weeks before the before period, used to measure how much more than
        Poisson the counts vary (overdispersion) and, without a forecast, long-run risk.
    alpha : float, default 0.05
        Significance level of the tests.
    max_interval : timedelta, default 1 hour
        Events known only to within a longer interval (e.g. police.uk's months) cannot be
        placed in a window of hours; when more than a tenth of the events near the area
        are like that, the verdict is "not enough data".
    """

    before: timedelta = timedelta(days=28)
    gap: timedelta = timedelta(days=1)
    after: timedelta = timedelta(days=28)
    buffer_m: float = 400.0
    n_controls: int = 5
    history: timedelta = timedelta(days=364)
    alpha: float = 0.05
    max_interval: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        for name in ("before", "after", "history", "max_interval"):
            if getattr(self, name) <= timedelta(0):
                raise InvalidInput(f"evaluation {name} must be longer than zero")
        if self.gap < timedelta(0):
            raise InvalidInput("evaluation gap cannot be negative")
        if not self.buffer_m > 0:
            raise InvalidInput("the buffer width must be positive")
        if self.n_controls < 1:
            raise InvalidInput("at least one control area is needed")
        if not 0 < self.alpha < 1:
            raise InvalidInput("alpha must be between 0 and 1")

    def windows(self, deployment: DeploymentArea) -> Windows:
        """The before, during and after windows of ``deployment``."""
        before_end = deployment.start - _seconds(self.gap)
        before_start = before_end - _seconds(self.before)
        return Windows(
            before=(before_start, before_end),
            during=(deployment.start, deployment.end),
            after=(deployment.end, deployment.end + _seconds(self.after)),
            history_start=before_start - _seconds(self.history),
        )


@dataclass(frozen=True)
class Windows:
    """Half-open UTC windows ``(start, end)``; history runs from ``history_start`` to before."""

    before: tuple[np.datetime64, np.datetime64]
    during: tuple[np.datetime64, np.datetime64]
    after: tuple[np.datetime64, np.datetime64]
    history_start: np.datetime64

    @staticmethod
    def length(window: tuple[np.datetime64, np.datetime64]) -> float:
        """A window's length in days."""
        return float((window[1] - window[0]) / DAY)


class AreaTimes:
    """Sorted event times (seconds since 1970, UTC) inside one area, for fast window counts."""

    def __init__(self, seconds: NDArray[np.int64]) -> None:
        self.seconds = np.sort(seconds)

    def count(
        self, start: NDArray[np.int64] | int, end: NDArray[np.int64] | int
    ) -> NDArray[np.float64]:
        """Events in ``[start, end)``; arrays of windows give arrays of counts."""
        low = np.searchsorted(self.seconds, start, side="left")
        high = np.searchsorted(self.seconds, end, side="left")
        return np.asarray(high - low, dtype=np.float64)


def epoch(value: np.datetime64) -> int:
    """Seconds since 1970 of a ``datetime64``."""
    return int(value.astype("datetime64[s]").astype(np.int64))
