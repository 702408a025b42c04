"""Errors of the forecasting library."""

from __future__ import annotations

from patrolgate.errors import InvalidInput


class ForecastError(InvalidInput):
    """A forecasting model or measure was given something it cannot use."""


class NotFittedError(ForecastError):
    """``predict`` was called before ``fit``."""
