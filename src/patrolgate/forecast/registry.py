"""Models by name, for the command line and the web interface, and the default model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from patrolgate.forecast._base import Forecaster, ForecastError
from patrolgate.forecast.ensemble import Ensemble
from patrolgate.forecast.kde import RetrospectiveKDE
from patrolgate.forecast.learned import LearnedRanker
from patrolgate.forecast.naive import NaiveCounts
from patrolgate.forecast.prospective import ProspectiveHotspot
from patrolgate.forecast.rhythm import PlaceRhythm
from patrolgate.forecast.seasonal import Seasonal
from patrolgate.forecast.sepp import SEPP

#: Model factories by registry name; each accepts its hyperparameters as keywords.
MODELS: dict[str, Callable[..., Forecaster]] = {
    "naive": NaiveCounts,
    "kde": RetrospectiveKDE,
    "prospective": ProspectiveHotspot,
    "sepp": SEPP,
    "seasonal": Seasonal,
    "ensemble": Ensemble,
    "learned": LearnedRanker,
    "rhythm": PlaceRhythm,
}

#: Each model in plain words, for the public algorithm record.
SUMMARIES: dict[str, str] = {
    "naive": "counts of the events in each cell over the last three years",
    "kde": "past events spread a little around where they happened, recent years counting more",
    "prospective": "recent events within 400 m and eight weeks, nearer and newer ones "
    "counting more",
    "sepp": "a lasting background of violence plus short-lived repeats near recent events",
    "seasonal": "separate patterns for weekday and weekend shifts, scaled by the time of week "
    "and of year",
    "rhythm": "where violence happened at each kind of place (street, home, school, park, "
    "...), times how busy each kind of place is at that time of the week and of the year, "
    "plus the last fortnight's events",
    "ensemble": "a weighted mix of several of these models, the weights fitted on the "
    "months before",
    "learned": "gradient-boosted trees learning a correction to the repeat-violence model "
    "from many measures of each cell's history",
}

#: The model used when none is named: the one the held-out Chicago test chooses (the best
#: PAI at 5 % among models that beat counts within the time budget; see
#: :func:`patrolgate.forecast.results.choose_default` and docs/forecasting.md), not the most
#: sophisticated one.
DEFAULT_MODEL = "rhythm"

#: Models that read the local clock take the force's time zone.
_ZONED = frozenset({"seasonal", "ensemble", "learned", "rhythm"})


def make_model(name: str, *, timezone: str | None = None, **params: Any) -> Forecaster:
    """A new, unfitted model by registry name.

    Parameters
    ----------
    name : str
        One of :data:`MODELS`.
    timezone : str, optional
        The force's IANA time zone, passed to the models that use the local clock.
    **params
        Hyperparameters of the model.
    """
    try:
        factory = MODELS[name]
    except KeyError:
        known = ", ".join(MODELS)
        raise ForecastError(f"unknown model {name!r}; known models: {known}") from None
    if timezone is not None and name in ("seasonal", "learned", "rhythm"):
        params.setdefault("timezone", timezone)
    if timezone is not None and name == "ensemble":
        member_params = dict(params.get("member_params") or {})
        for zoned in ("seasonal", "rhythm"):
            member_params.setdefault(zoned, {"timezone": timezone})
        params["member_params"] = member_params
    return factory(**params)
