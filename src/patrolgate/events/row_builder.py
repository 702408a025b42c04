"""Building event chunks row by row, for sources where each row needs its own parsing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from patrolgate.events.records import EventChunk


@dataclass
class ChunkBuilder:
    """Collects accepted rows, then hands them over as one :class:`EventChunk`."""

    source: str
    ids: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    source_category: list[str] = field(default_factory=list)
    t_start: list[int] = field(default_factory=list)
    t_end: list[int] = field(default_factory=list)
    local_year: list[int] = field(default_factory=list)
    local_month: list[int] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    borough_code: list[str | None] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    #: Set when the source maps a place type column (None per row without one).
    place_type: list[str | None] | None = None

    def add(
        self,
        *,
        row: int,
        event_id: str,
        category: str,
        source_category: str,
        start: int,
        end: int,
        year: int,
        month: int,
        lon: float = math.nan,
        lat: float = math.nan,
        borough_code: str | None = None,
        place_type: str | None = None,
    ) -> None:
        """Add one accepted event of file row ``row`` (times in UTC epoch seconds)."""
        self.rows.append(row)
        self.ids.append(event_id)
        self.category.append(category)
        self.source_category.append(source_category)
        self.t_start.append(start)
        self.t_end.append(end)
        self.local_year.append(year)
        self.local_month.append(month)
        self.lon.append(lon)
        self.lat.append(lat)
        self.borough_code.append(borough_code)
        if self.place_type is not None:
            self.place_type.append(place_type)
        elif place_type is not None:
            raise ValueError("a place type for a builder made without place types")

    def __len__(self) -> int:
        return len(self.ids)

    def build(self) -> EventChunk:
        """The collected rows as a chunk."""
        return EventChunk(
            source=self.source,
            ids=self.ids,
            category=self.category,
            source_category=self.source_category,
            t_start=np.asarray(self.t_start, dtype=np.int64),
            t_end=np.asarray(self.t_end, dtype=np.int64),
            local_year=np.asarray(self.local_year, dtype=np.int64),
            local_month=np.asarray(self.local_month, dtype=np.int64),
            lon=np.asarray(self.lon, dtype=float),
            lat=np.asarray(self.lat, dtype=float),
            borough_code=self.borough_code,
            lsoa_code=[None] * len(self.ids),
            rows=np.asarray(self.rows, dtype=np.int64),
            place_type=self.place_type,
        )
