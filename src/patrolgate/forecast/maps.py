"""Forecast maps as PNG images: cells shaded by expected events, area boundaries on top."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from patrolgate.forecast._base import Forecast
from patrolgate.geo.grid import Grid


def _outline(axes: Any, geometry: BaseGeometry, **style: Any) -> None:
    # matplotlib ships without type hints for Axes.plot's keyword styles.
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type == "Polygon":
            for ring in [polygon.exterior, *polygon.interiors]:
                x, y = ring.xy
                axes.plot(np.asarray(x) / 1000, np.asarray(y) / 1000, **style)
        elif hasattr(polygon, "geoms"):
            _outline(axes, polygon, **style)


def forecast_png(
    forecast: Forecast,
    grid: Grid,
    *,
    top: NDArray[np.int64] | None = None,
    boundaries: Sequence[BaseGeometry] = (),
    title: str | None = None,
    dpi: int = 120,
) -> bytes:
    """A PNG map of ``forecast`` on ``grid`` (projected kilometres).

    Parameters
    ----------
    forecast : Forecast
    grid : Grid
    top : array of int, optional
        Cells to outline (the recommended selection).
    boundaries : sequence of geometries
        Area boundaries in the grid's CRS, drawn as thin lines.
    title : str, optional
    dpi : int
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    density = forecast.expected / grid.area * 1e6  # events per km² in the window
    raster = grid.to_raster(density, fill=np.nan)
    figure, axes = plt.subplots(figsize=(8, 8 * grid.ny / max(grid.nx, 1) + 0.6))
    extent = (
        grid.x0 / 1000,
        (grid.x0 + grid.nx * grid.cell_size) / 1000,
        grid.y0 / 1000,
        (grid.y0 + grid.ny * grid.cell_size) / 1000,
    )
    positive = density[density > 0]
    vmax = float(np.quantile(positive, 0.995)) if positive.size else 1.0
    image = axes.imshow(
        raster, origin="lower", extent=extent, cmap="magma_r", vmin=0, vmax=vmax or 1.0
    )
    figure.colorbar(image, ax=axes, shrink=0.7, label="expected events per km² in the window")
    for boundary in boundaries:
        _outline(axes, boundary, color="#336", linewidth=0.4)
    if top is not None and len(top):
        selection = shapely.union_all(grid.polygons(np.asarray(top), clipped=False))
        _outline(axes, selection, color="#0a8", linewidth=0.8)
    axes.set_xlabel(f"x (km, {grid.crs})")
    axes.set_ylabel("y (km)")
    axes.set_title(title or f"{forecast.model}: {forecast.start} to {forecast.end} (UTC)")
    axes.set_aspect("equal")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
