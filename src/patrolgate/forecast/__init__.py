"""Forecasts of events per grid cell and time window, their accuracy, and backtests.

No web or database imports: models take :class:`~patrolgate.events.points.EventPoints`
and a :class:`~patrolgate.geo.grid.Grid` and return :class:`Forecast` objects.
"""

from __future__ import annotations

from patrolgate.forecast._base import Forecast, Forecaster, ForecastError, NotFittedError
from patrolgate.forecast.backtest import BacktestResult, ModelResult, backtest
from patrolgate.forecast.ensemble import Ensemble
from patrolgate.forecast.kde import RetrospectiveKDE
from patrolgate.forecast.learned import LearnedRanker
from patrolgate.forecast.naive import NaiveCounts
from patrolgate.forecast.prospective import ProspectiveHotspot
from patrolgate.forecast.registry import DEFAULT_MODEL, MODELS, make_model
from patrolgate.forecast.seasonal import Seasonal
from patrolgate.forecast.sepp import SEPP, Triggering

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "SEPP",
    "BacktestResult",
    "Ensemble",
    "Forecast",
    "ForecastError",
    "Forecaster",
    "LearnedRanker",
    "ModelResult",
    "NaiveCounts",
    "NotFittedError",
    "ProspectiveHotspot",
    "RetrospectiveKDE",
    "Seasonal",
    "Triggering",
    "backtest",
    "make_model",
]
