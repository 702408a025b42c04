"""Weighted event histograms on the grid's raster, smoothed by convolution."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage, signal

from patrolgate.geo.grid import Grid


def histogram(
    grid: Grid, raster: NDArray[np.int64], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Sum of ``weights`` per raster position, as a ``(ny, nx)`` array."""
    flat = np.bincount(raster, weights=weights, minlength=grid.nx * grid.ny)
    return flat.astype(np.float64).reshape(grid.ny, grid.nx)


def gaussian(surface: NDArray[np.float64], sigma_cells: float) -> NDArray[np.float64]:
    """Gaussian smoothing; mass pushed past the raster's edge is lost, not reflected."""
    if sigma_cells <= 0:
        return surface
    return np.asarray(
        ndimage.gaussian_filter(surface, sigma=sigma_cells, mode="constant", truncate=4.0),
        dtype=np.float64,
    )


def convolve(surface: NDArray[np.float64], kernel: NDArray[np.float64]) -> NDArray[np.float64]:
    """Convolution with an arbitrary (odd-sized) kernel, same shape as ``surface``."""
    return np.asarray(signal.fftconvolve(surface, kernel, mode="same"), dtype=np.float64)


def cell_mass(grid: Grid, surface: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per-cell mass of a surface of mass per full cell, prorated by each cell's clipped area."""
    share = grid.area / (grid.cell_size * grid.cell_size)
    return np.clip(grid.from_raster(surface), 0.0, None) * share


def scaled(values: NDArray[np.float64], total: float) -> NDArray[np.float64]:
    """``values`` rescaled to sum to ``total`` (zeros stay zeros; all-zero stays zero)."""
    current = float(values.sum())
    if current <= 0 or not np.isfinite(current):
        return np.zeros_like(values)
    return values * (total / current)
