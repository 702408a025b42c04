"""Choosing control areas: the deployment's own shape, moved to the best-matched places.

Every position of the target shape on the study grid is a candidate. Counts and risk for
all candidates at once come from a 2-D correlation of raster layers with the shape's
mask, so matching costs a few FFTs however large the study area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import signal
from shapely.geometry.base import BaseGeometry

from patrolgate.geo.grid import Grid

#: A control must lie inside the study area at least this much (its ring a little less),
#: since events are not recorded outside it.
MIN_INSIDE_TARGET = 0.95
MIN_INSIDE_RING = 0.85


@dataclass(frozen=True)
class ShapeMask:
    """A shape rasterised on a grid: cells whose centres fall inside, in a common frame.

    ``row0, col0`` is the raster position of the frame's lower-left cell; ``target`` and
    ``ring`` are boolean arrays of the frame's shape; ``dilated`` is their union.
    """

    row0: int
    col0: int
    target: NDArray[np.bool_]
    ring: NDArray[np.bool_]

    @property
    def dilated(self) -> NDArray[np.bool_]:
        """Target and ring together."""
        return self.target | self.ring


@dataclass(frozen=True)
class ControlMatch:
    """The chosen control positions and how well they match.

    Attributes
    ----------
    shifts : list of (float, float)
        Translation in metres taking the target to each control, best match first.
    distances : list of float
        Each control's matching distance (0 is a perfect match).
    features : list of dict
        The matched features of each control, on the same scale as ``target_features``.
    target_features : dict
        The target's own features (raster approximations).
    candidates : int
        How many positions were eligible before the first choice.
    """

    shifts: list[tuple[float, float]]
    distances: list[float]
    features: list[dict[str, float]]
    target_features: dict[str, float]
    candidates: int


def shape_mask(grid: Grid, target: BaseGeometry, dilated: BaseGeometry) -> ShapeMask:
    """Rasterise ``target`` and its ring (``dilated`` minus ``target``) on ``grid``.

    A target smaller than a cell, holding no cell centre, takes the cell of its
    representative point.
    """
    size = grid.cell_size
    minx, miny, maxx, maxy = dilated.bounds
    col0 = max(int(np.floor((minx - grid.x0) / size)), 0)
    row0 = max(int(np.floor((miny - grid.y0) / size)), 0)
    col1 = min(int(np.ceil((maxx - grid.x0) / size)), grid.nx)
    row1 = min(int(np.ceil((maxy - grid.y0) / size)), grid.ny)
    if col1 <= col0 or row1 <= row0:
        raise ValueError("the deployment area lies outside the study grid")
    rows, cols = np.mgrid[row0:row1, col0:col1]
    cx = grid.x0 + (cols + 0.5) * size
    cy = grid.y0 + (rows + 0.5) * size
    inside_target = shapely.contains_xy(target, cx, cy)
    inside_dilated = shapely.contains_xy(dilated, cx, cy)
    if not inside_target.any():
        point = target.representative_point()
        r = int(np.floor((point.y - grid.y0) / size)) - row0
        c = int(np.floor((point.x - grid.x0) / size)) - col0
        if 0 <= r < inside_target.shape[0] and 0 <= c < inside_target.shape[1]:
            inside_target[r, c] = True
            inside_dilated[r, c] = True
    return ShapeMask(row0, col0, inside_target, inside_dilated & ~inside_target)


def _correlate(raster: NDArray[np.float64], kernel: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Sum of ``raster`` under ``kernel`` placed at every valid position."""
    result = signal.correlate(raster, kernel.astype(np.float64), mode="valid", method="auto")
    return np.asarray(result, dtype=np.float64)


def _stabilised(values: NDArray[np.float64]) -> NDArray[np.float64]:
    # 2·sqrt(count) has unit variance for Poisson counts whatever their mean.
    return np.asarray(2.0 * np.sqrt(np.clip(values, 0.0, None)), dtype=np.float64)


def match_controls(
    grid: Grid,
    mask: ShapeMask,
    layers: dict[str, NDArray[np.float64]],
    *,
    n_controls: int,
    excluded: NDArray[np.bool_] | None = None,
) -> ControlMatch:
    """Choose up to ``n_controls`` non-overlapping positions that best match the target.

    Parameters
    ----------
    grid : Grid
        The study grid; its clipped cell areas say how much of each cell is in the study.
    mask : ShapeMask
        The target and its ring on ``grid``.
    layers : dict of str to ndarray of shape ``grid.shape``
        Rasters on a count scale (e.g. events before the deployment, forecast risk scaled to
        the same period). Each is summed over the target and over the ring; the distance
        of a candidate is the sum of squared differences of ``2·sqrt`` of those sums.
    n_controls : int
        How many controls to choose.
    excluded : ndarray of bool, shape ``grid.shape``, optional
        Cells no control or control ring may touch (e.g. other deployments).

    Returns
    -------
    ControlMatch
    """
    inside = grid.to_raster(grid.area / (grid.cell_size * grid.cell_size))
    dilated = mask.dilated
    share_target = _correlate(inside, mask.target) / max(int(mask.target.sum()), 1)
    share_ring = _correlate(inside, dilated) / max(int(dilated.sum()), 1)
    eligible = (share_target >= MIN_INSIDE_TARGET) & (share_ring >= MIN_INSIDE_RING)
    taken = np.zeros(grid.shape, dtype=np.float64)
    height, width = dilated.shape
    taken[mask.row0 : mask.row0 + height, mask.col0 : mask.col0 + width] += dilated
    if excluded is not None:
        taken += excluded
    distance = np.zeros_like(share_target)
    target_features: dict[str, float] = {}
    candidate_features: dict[str, NDArray[np.float64]] = {}
    for name, raster in layers.items():
        for part, kernel in (("target", mask.target), ("ring", mask.ring)):
            key = f"{name}_{part}"
            values = _correlate(raster, kernel)
            own = float(
                (raster[mask.row0 : mask.row0 + height, mask.col0 : mask.col0 + width])[
                    kernel
                ].sum()
            )
            target_features[key] = own
            candidate_features[key] = values
            distance += (_stabilised(values) - _stabilised(np.array(own)))[...] ** 2
    shifts: list[tuple[float, float]] = []
    distances: list[float] = []
    features: list[dict[str, float]] = []
    candidates = 0
    for _ in range(n_controls):
        free = eligible & (_correlate(taken, dilated) < 0.5)
        if not candidates:
            candidates = int(free.sum())
        if not free.any():
            break
        scored = np.where(free, distance, np.inf)
        row, col = np.unravel_index(int(np.argmin(scored)), scored.shape)
        shifts.append(
            (float((col - mask.col0) * grid.cell_size), float((row - mask.row0) * grid.cell_size))
        )
        distances.append(float(distance[row, col]))
        features.append({k: float(v[row, col]) for k, v in candidate_features.items()})
        taken[row : row + height, col : col + width] += dilated
    return ControlMatch(shifts, distances, features, target_features, candidates)


def histogram(grid: Grid, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Counts of points per raster cell, shaped ``grid.shape``; points off the raster dropped."""
    raster = grid.raster_of(x, y)
    counts = np.bincount(raster[raster >= 0], minlength=grid.nx * grid.ny)
    return counts.reshape(grid.shape).astype(np.float64)


def excluded_cells(grid: Grid, geometries: Sequence[BaseGeometry]) -> NDArray[np.bool_]:
    """Cells whose centres lie in any of ``geometries`` (areas controls must avoid)."""
    result = np.zeros(grid.shape, dtype=bool)
    for geometry in geometries:
        part = shape_mask(grid, geometry, geometry)
        h, w = part.target.shape
        result[part.row0 : part.row0 + h, part.col0 : part.col0 + w] |= part.target
    return result
