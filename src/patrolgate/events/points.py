"""Events as columns of arrays: the form the forecasting and evaluation code works on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class EventPoints:
    """Located events in one projected CRS.

    Times are ``datetime64[s]`` in UTC. Each event happened somewhere in the half-open
    interval ``[t_start, t_end)``: a minute for timestamped sources, a whole month for
    data.police.uk. ``x`` and ``y`` are metres in ``crs``.

    ``place`` is, where the source records it, the kind of place each event happened at,
    from a closed list (street, residence, education, open space, ...): a property of the
    place, never of a person. ``None`` when the source has no such field.
    """

    t_start: NDArray[np.datetime64]
    t_end: NDArray[np.datetime64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    category: NDArray[np.str_]
    crs: str
    place: NDArray[np.str_] | None = None

    def __post_init__(self) -> None:
        n = len(self.t_start)
        for name in ("t_end", "x", "y", "category", "place"):
            if getattr(self, name) is not None and len(getattr(self, name)) != n:
                raise ValueError(f"EventPoints.{name} has {len(getattr(self, name))} rows, not {n}")

    def __len__(self) -> int:
        return len(self.t_start)

    def subset(self, mask: NDArray[np.bool_]) -> EventPoints:
        """The events where ``mask`` is true."""
        return EventPoints(
            t_start=self.t_start[mask],
            t_end=self.t_end[mask],
            x=self.x[mask],
            y=self.y[mask],
            category=self.category[mask],
            crs=self.crs,
            place=None if self.place is None else self.place[mask],
        )

    @classmethod
    def empty(cls, crs: str) -> EventPoints:
        """No events."""
        return cls(
            t_start=np.array([], dtype="datetime64[s]"),
            t_end=np.array([], dtype="datetime64[s]"),
            x=np.array([], dtype=float),
            y=np.array([], dtype=float),
            category=np.array([], dtype=str),
            crs=crs,
        )
