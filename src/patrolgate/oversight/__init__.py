"""Oversight, transparency and tracking: is each power still rare, used as authorised, and seen?

* :mod:`~patrolgate.oversight.rarity`: the rarity monitor and its oversight notifications;
* :mod:`~patrolgate.oversight.transparency`: the public monthly report;
* :mod:`~patrolgate.oversight.algorithm`: the ATRS record of the forecast;
* :mod:`~patrolgate.oversight.exposure`: forecasts and deployments by deprivation decile;
* :mod:`~patrolgate.oversight.confidence`: MOPAC PAS with and without deployments;
* :mod:`~patrolgate.oversight.tracking`: unit pings, dosage and compliance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from patrolgate.oversight.confidence import community_confidence
from patrolgate.oversight.rarity import monitor, notifications, record_breaches
from patrolgate.oversight.seed import seed_demo_oversight
from patrolgate.oversight.sources import import_imd, import_pas
from patrolgate.oversight.tracking import import_pings, track_all, track_one
from patrolgate.oversight.transparency import (
    DEFAULT_FEWER_THAN,
    parse_month,
    transparency_csv,
    transparency_report,
)

if TYPE_CHECKING:
    from patrolgate.oversight.algorithm import algorithm_record, latest_backtest, record_backtest
    from patrolgate.oversight.exposure import exposure_report


def __getattr__(name: str) -> Any:
    """The algorithm record and the exposure report, imported on first use: they read
    forecasts, and the forecasting library (SciPy) should not load with every part of
    oversight (a command that imports pings or prints the transparency report)."""
    if name in ("algorithm_record", "latest_backtest", "record_backtest"):
        from patrolgate.oversight import algorithm

        return getattr(algorithm, name)
    if name == "exposure_report":
        from patrolgate.oversight import exposure

        return exposure.exposure_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_FEWER_THAN",
    "algorithm_record",
    "community_confidence",
    "exposure_report",
    "import_imd",
    "import_pas",
    "import_pings",
    "latest_backtest",
    "monitor",
    "notifications",
    "parse_month",
    "record_backtest",
    "record_breaches",
    "seed_demo_oversight",
    "track_all",
    "track_one",
    "transparency_csv",
    "transparency_report",
]
