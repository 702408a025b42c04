"""Oversight, transparency and tracking: is each power still rare, used as authorised, and seen?

* :mod:`~patrolgate.oversight.rarity`: the rarity monitor and its oversight notifications;
* :mod:`~patrolgate.oversight.transparency`: the public monthly report;
* :mod:`~patrolgate.oversight.algorithm`: the ATRS record of the forecast;
* :mod:`~patrolgate.oversight.exposure`: forecasts and deployments by deprivation decile;
* :mod:`~patrolgate.oversight.confidence`: MOPAC PAS with and without deployments;
* :mod:`~patrolgate.oversight.tracking`: unit pings, dosage and compliance.
"""

from patrolgate.oversight.algorithm import algorithm_record, latest_backtest, record_backtest
from patrolgate.oversight.confidence import community_confidence
from patrolgate.oversight.exposure import exposure_report
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
