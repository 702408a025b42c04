"""Placing imported points in the stored areas: one CRS per study, consistent levels.

Each located point gets its codes by point-in-polygon, for every level together, and the
levels agree: a point's borough is its LSOA's borough, and its ward lies in that borough (a
ward of another borough, found where simplified boundaries overlap, is replaced by the
nearest ward of the right borough). A point outside the projected CRS's area of use cannot
be placed at all (a row error); a point inside it but outside every stored area is counted,
and the import warns, with a hint when swapping latitude and longitude would place it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from patrolgate.geo.areas import AreaIndex
from patrolgate.geo.projection import Projection, choose_crs
from patrolgate.store.area_repository import load_areas, stored_levels
from patrolgate.store.database import Database
from patrolgate.store.event_queries import stored_study_crs

_NO_CODES: NDArray[np.object_] = np.array([], dtype=object)
#: Degrees a point may lie beyond its CRS's published area of use (a UTM zone's edge).
AREA_OF_USE_MARGIN = 1.0


@dataclass
class AreaAssigner:
    """Area indexes of one database, built once and reused for every file of a command."""

    database: Database
    _indexes: dict[str, AreaIndex] = field(default_factory=dict)
    _parents: dict[str, dict[str, str | None]] = field(default_factory=dict)
    _crs: str | None = None
    _projection: Projection | None = None
    _loaded: bool = False
    #: Each distinct point seen (x + iy) and its slot in ``_known``, the codes per level.
    _slots: dict[complex, int] = field(default_factory=dict)
    _known: dict[str, NDArray[np.object_]] = field(default_factory=dict)
    #: Per slot: the point lies in no stored area at any level.
    _nowhere: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: The rows of the last :meth:`assign` that lie in no stored area.
    last_nowhere: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _wards_of: dict[str, list[int]] = field(default_factory=dict)
    #: Located points of the current file outside every stored area, and how many of those
    #: swapping latitude and longitude would place.
    outside_areas: int = 0
    swappable: int = 0

    def prepare(self) -> None:
        """Load the areas now (in the calling thread, which owns the database session)."""
        self._load()
        self.outside_areas = self.swappable = 0

    def _load(self) -> None:
        if self._loaded:
            return
        self._crs = stored_study_crs(self.database)
        if self._crs is not None:
            projection = Projection(self._crs)
            for level in stored_levels(self.database):
                areas = load_areas(self.database, level)
                self._indexes[level] = AreaIndex(areas, projection)
                self._parents[level] = {a.code: a.parent_code for a in areas}
        self._loaded = True

    def projection(self, crs: str) -> Projection:
        """The projection to ``crs``, built once."""
        if self._projection is None or self._projection.crs != crs:
            self._projection = Projection(crs)
        return self._projection

    @property
    def current_crs(self) -> str | None:
        """The CRS chosen so far (None until areas or located points decide)."""
        return self._crs

    @property
    def has_areas(self) -> bool:
        """Whether any areas are stored."""
        self._load()
        return bool(self._indexes)

    def crs(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> str | None:
        """The study CRS: the areas' when areas exist, else chosen from the points."""
        self._load()
        if self._crs is None:
            located = np.isfinite(lon)
            if located.any():
                self._crs = choose_crs(lon[located], lat[located])
        return self._crs

    def outside_area_of_use(
        self, crs: str, lon: NDArray[np.float64], lat: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        """Located points the CRS cannot project faithfully (beyond its area of use)."""
        bounds = _area_of_use(crs)
        if bounds is None:
            return np.zeros(len(lon), dtype=bool)
        west, south, east, north = bounds
        m = AREA_OF_USE_MARGIN
        inside = (lon >= west - m) & (lon <= east + m) & (lat >= south - m) & (lat <= north + m)
        return np.isfinite(lon) & np.isfinite(lat) & ~inside

    def area_of_use_name(self, crs: str) -> str:
        """The CRS's area of use in words, for row messages."""
        return _area_name(crs)

    def assign(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> dict[str, NDArray[np.object_]]:
        """Area code per level for each projected point (None where outside, or not finite).

        Each distinct point is looked up once, for every level together, and remembered:
        police data snaps many records onto the same anonymised points, file after file.
        """
        self._load()
        codes = {level: np.full(len(x), None, dtype=object) for level in self._indexes}
        finite = np.isfinite(x) & np.isfinite(y)
        self.last_nowhere = np.zeros(len(x), dtype=bool)
        if not codes or not finite.any():
            return codes
        unique, inverse = np.unique(x[finite] + 1j * y[finite], return_inverse=True)
        keys = unique.tolist()
        slots = np.array([self._slots.get(k, -1) for k in keys], dtype=np.int64)
        unknown = np.flatnonzero(slots < 0)
        if unknown.size:
            found = self._lookup(unique.real[unknown], unique.imag[unknown])
            first = len(self._slots)
            nowhere = np.ones(unknown.size, dtype=bool)
            for level, values in found.items():
                self._known[level] = np.concatenate([self._known.get(level, _NO_CODES), values])
                nowhere &= np.array([v is None for v in values.tolist()], dtype=bool)
            self._nowhere = np.concatenate([self._nowhere, nowhere])
            new_slots = range(first, first + unknown.size)
            self._slots.update(zip([keys[i] for i in unknown.tolist()], new_slots, strict=True))
            slots[unknown] = np.arange(first, first + unknown.size)
        where = np.flatnonzero(finite)
        chosen = slots[inverse.ravel()]
        for level, column in codes.items():
            column[where] = self._known[level][chosen]
        self.last_nowhere[where] = self._nowhere[chosen]
        return codes

    def count_outside(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> None:
        """Count the last assigned points in no stored area, and those a lat/lon swap would
        place."""
        if not self._indexes or self._crs is None or len(self.last_nowhere) != len(lon):
            return
        nowhere = self.last_nowhere
        count = int(nowhere.sum())
        if not count:
            return
        self.outside_areas += count
        swapped_lon, swapped_lat = lat[nowhere], lon[nowhere]
        fits = ~self.outside_area_of_use(self._crs, swapped_lon, swapped_lat)
        if fits.any():
            x, y = self.projection(self._crs).to_xy(swapped_lon[fits], swapped_lat[fits])
            coarsest = self._indexes[list(self._indexes)[-1]]
            placed = coarsest.lookup(x, y)
            self.swappable += int(np.sum(placed != None))  # noqa: E711

    def parent_borough(self, lsoa: str | None) -> str | None:
        """The borough of a stored LSOA (None if unknown)."""
        if lsoa is None:
            return None
        parent = self._parents.get("lsoa", {}).get(lsoa)
        return parent if parent in self._parents.get("borough", {}) else None

    def _lookup(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> dict[str, NDArray[Any]]:
        """Codes per level for points not seen before, consistent across levels.

        A borough is read from the LSOA's parent where LSOAs nest in boroughs (London),
        which saves one point-in-polygon pass; points outside every LSOA are looked up
        among the boroughs directly. A ward whose borough is not the point's is replaced
        by the nearest ward of the point's borough.
        """
        found: dict[str, NDArray[Any]] = {}
        for level, index in self._indexes.items():
            if level == "borough" and "lsoa" in self._indexes:
                continue
            found[level] = index.lookup(x, y)
        if "lsoa" in found and "borough" in self._indexes:
            parents = self._parents["lsoa"]
            boroughs = set(self._parents["borough"])
            derived = np.array(
                [parents.get(c) if c is not None else None for c in found["lsoa"].tolist()],
                dtype=object,
            )
            valid = np.array([d in boroughs for d in derived.tolist()], dtype=bool)
            if not valid.all():
                missing = ~valid
                derived[missing] = self._indexes["borough"].lookup(x[missing], y[missing])
            found["borough"] = derived
        if "ward" in found and "borough" in found:
            self._wards_within_boroughs(found, x, y)
        return found

    def _wards_within_boroughs(
        self, found: dict[str, NDArray[Any]], x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> None:
        wards, boroughs = found["ward"], found["borough"]
        parent = self._parents["ward"]
        index = self._indexes["ward"]
        if not self._wards_of:
            for k, code in enumerate(index.codes.tolist()):
                self._wards_of.setdefault(str(parent.get(code)), []).append(k)
        for i, (ward, borough) in enumerate(zip(wards.tolist(), boroughs.tolist(), strict=True)):
            if ward is None or borough is None or parent.get(ward) in (borough, None):
                continue
            choices = self._wards_of.get(borough, [])
            if not choices:
                wards[i] = None
                continue
            point = shapely.points(x[i], y[i])
            distances = shapely.distance(index.geometries[choices], point)
            wards[i] = index.codes[choices[int(np.argmin(distances))]]


@cache
def _area_of_use(crs: str) -> tuple[float, float, float, float] | None:
    found = CRS.from_user_input(crs).area_of_use
    if found is None:
        return None
    return found.west, found.south, found.east, found.north


@cache
def _area_name(crs: str) -> str:
    found = CRS.from_user_input(crs).area_of_use
    return found.name.split(" - ")[0] if found is not None else "its area of use"
