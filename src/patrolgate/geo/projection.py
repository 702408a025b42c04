"""Choosing and applying a projected CRS: British National Grid for GB, UTM elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from pyproj import CRS, Transformer

BRITISH_NATIONAL_GRID = "EPSG:27700"
WGS84 = "EPSG:4326"

# Great Britain's extent (with a margin), where British National Grid is the right projection.
_GB_LON = (-8.8, 2.0)
_GB_LAT = (49.8, 61.0)


def choose_crs(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> str:
    """British National Grid when the points lie in Great Britain, else their UTM zone."""
    lon = lon[np.isfinite(lon)]
    lat = lat[np.isfinite(lat)]
    if lon.size == 0:
        raise ValueError("cannot choose a projection without any located point")
    mid_lon = float(np.median(lon))
    mid_lat = float(np.median(lat))
    if _GB_LON[0] <= mid_lon <= _GB_LON[1] and _GB_LAT[0] <= mid_lat <= _GB_LAT[1]:
        return BRITISH_NATIONAL_GRID
    zone = int((mid_lon + 180.0) // 6.0) + 1
    return f"EPSG:{32600 + zone if mid_lat >= 0 else 32700 + zone}"


@lru_cache(maxsize=32)
def _transformer(source: str, target: str) -> Transformer:
    """One transformer per pair of CRSs for the whole process: building one reads PROJ's
    database (~60 ms), and a request that projects a few points should not pay it each time
    (pyproj's transformers are safe to share between threads)."""
    return Transformer.from_crs(source, target, always_xy=True)


@dataclass(frozen=True)
class Projection:
    """Forward and inverse transforms between WGS84 and one projected CRS (metres)."""

    crs: str

    def __post_init__(self) -> None:
        if not CRS.from_user_input(self.crs).is_projected:
            raise ValueError(f"{self.crs} is not a projected CRS in metres")

    @property
    def _forward(self) -> Transformer:
        return _transformer(WGS84, self.crs)

    @property
    def _inverse(self) -> Transformer:
        return _transformer(self.crs, WGS84)

    def to_xy(
        self, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Project WGS84 longitudes and latitudes to metres."""
        x, y = self._forward.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_lonlat(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Unproject metres to WGS84 longitudes and latitudes."""
        lon, lat = self._inverse.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)
