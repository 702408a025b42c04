"""Tables of the foundation: areas, events, import runs and published crime counts.

No table has a column describing a person; ``tests/store/test_no_person_columns.py``
checks every table, including those added later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from patrolgate.store.column_types import EpochSeconds, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every PatrolGate table."""

    metadata = MetaData(naming_convention=NAMING)


class AreaRow(Base):
    """A named area (borough, ward, LSOA, district) with its WGS84 boundary as GeoJSON."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_code: Mapped[str | None] = mapped_column(String(32), index=True)
    geometry: Mapped[dict[str, object]] = mapped_column(JSON)
    area_m2: Mapped[float] = mapped_column(Float)
    crs: Mapped[str] = mapped_column(String(32))


class ImportRun(Base):
    """One file imported: what it was, what was stored and what was rejected.

    Every row is accounted for: ``rows_read`` (plus extra events of rows that count several)
    = ``rows_stored`` + ``rows_duplicate`` (already stored) + ``rows_conflicting`` +
    ``rows_rejected``. On an SQLite file this table lives in the event store.
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    importer: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_stored: Mapped[int] = mapped_column(Integer)
    rows_duplicate: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer)
    crs: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Rows whose id was stored with different content (the stored row is kept).
    rows_conflicting: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The source columns the importer kept (its allow-list), comma separated.
    fields_kept: Mapped[str | None] = mapped_column(String(500))


class EventRow(Base):
    """One recorded event, of any source, at area level; nothing about any person.

    ``x`` and ``y`` are metres in the study CRS (that of the areas, or of the import run).
    An event is located to a point when ``x`` is set, else to its borough when that is set.
    ``place_type`` is the kind of place, from the closed list of
    :data:`patrolgate.events.place_types.PLACE_TYPES` (None where the source has none).
    """

    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    source: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(40))
    source_category: Mapped[str] = mapped_column(String(200))
    victim_reported: Mapped[bool] = mapped_column(Boolean)
    t_start: Mapped[datetime] = mapped_column(EpochSeconds())
    t_end: Mapped[datetime] = mapped_column(EpochSeconds())
    local_year: Mapped[int] = mapped_column(Integer)
    local_month: Mapped[int] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    borough_code: Mapped[str | None] = mapped_column(String(32))
    ward_code: Mapped[str | None] = mapped_column(String(32))
    lsoa_code: Mapped[str | None] = mapped_column(String(32))
    district_code: Mapped[str | None] = mapped_column(String(32))
    place_type: Mapped[str | None] = mapped_column(String(20))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))

    # One secondary index only: every index slows the million-row bulk loads, and
    # summaries scan the table quickly enough.
    __table_args__ = (Index("ix_events_category_time", "category", "t_start"),)


class CrimeCountRow(Base):
    """A published count of recorded crime for an area and period (MPS aggregates)."""

    __tablename__ = "crime_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(60))
    area_code: Mapped[str | None] = mapped_column(String(32), index=True)
    area_name: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(7))
    major_category: Mapped[str] = mapped_column(String(100))
    minor_category: Mapped[str] = mapped_column(String(100))
    count: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_crime_counts_key",
            "source",
            "area_name",
            "period",
            "major_category",
            "minor_category",
            unique=True,
        ),
    )
