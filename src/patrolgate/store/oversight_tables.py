"""Tables of oversight: survey results, deprivation, patrol unit pings and recorded backtests.

Nothing here is about a person. Survey results are borough proportions; deprivation is per
LSOA; pings carry a unit pseudonym (a call sign such as ``TX-07``), never an officer's name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from patrolgate.store.column_types import UTCDateTime
from patrolgate.store.tables import Base


class PasResultRow(Base):
    """One MOPAC Public Attitude Survey measure for a borough over the 12 months to a date."""

    __tablename__ = "pas_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borough_code: Mapped[str] = mapped_column(String(32))
    borough_name: Mapped[str] = mapped_column(String(100))
    period_end: Mapped[str] = mapped_column(String(10))
    measure: Mapped[str] = mapped_column(String(60))
    proportion: Mapped[float] = mapped_column(Float)
    london_proportion: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("uq_pas_results_key", "borough_code", "period_end", "measure", unique=True),
    )


class LsoaDeprivationRow(Base):
    """The English Index of Multiple Deprivation 2019 for one LSOA (decile 1 most deprived)."""

    __tablename__ = "lsoa_deprivation"

    lsoa_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    lsoa_name: Mapped[str] = mapped_column(String(100))
    district_code: Mapped[str] = mapped_column(String(16), index=True)
    district_name: Mapped[str] = mapped_column(String(100))
    imd_score: Mapped[float] = mapped_column(Float)
    imd_rank: Mapped[int] = mapped_column(Integer)
    imd_decile: Mapped[int] = mapped_column(Integer)
    population: Mapped[int | None] = mapped_column(Integer)


class UnitPingRow(Base):
    """A patrol unit's reported position at a moment; the unit is a pseudonym, never a name."""

    __tablename__ = "unit_pings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    unit: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    deployment_id: Mapped[str | None] = mapped_column(String(20))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))

    __table_args__ = (
        Index("uq_unit_pings_unit_at", "unit", "at", unique=True),
        Index("ix_unit_pings_at", "at"),
    )


class BacktestRecordRow(Base):
    """A backtest result with every setting that produced it (the algorithm record's source).

    ``document`` is the whole result (:mod:`patrolgate.forecast.results`); the settings are
    also columns, so the service finds the backtest whose settings match what the map shows
    (``purpose`` names it: ``map:1d`` for the map's day window, ``cli`` for a command).
    """

    __tablename__ = "backtest_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    purpose: Mapped[str | None] = mapped_column(String(40))
    models: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    cell_size: Mapped[float | None] = mapped_column(Float)
    window: Mapped[str | None] = mapped_column(String(20))
    refit: Mapped[str | None] = mapped_column(String(20))
    coverage: Mapped[float | None] = mapped_column(Float)
    period_from: Mapped[str | None] = mapped_column(String(40))
    period_to: Mapped[str | None] = mapped_column(String(40))
    data_digest: Mapped[str | None] = mapped_column(String(64))
    winner: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_backtest_records_purpose", "purpose", "recorded_at"),)
