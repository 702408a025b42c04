"""Result documents: every setting recorded, the comparison, and the sentence that explains it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from patrolgate.events.points import EventPoints
from patrolgate.forecast import NaiveCounts, RetrospectiveKDE, backtest
from patrolgate.forecast.results import (
    choose_default,
    comparison,
    result_document,
    why_sentence,
)
from patrolgate.geo.grid import Grid


@pytest.fixture(scope="module")
def document(chicago: tuple[EventPoints, Grid]) -> dict[str, Any]:
    events, grid = chicago
    result = backtest(
        {"naive": NaiveCounts(), "kde": RetrospectiveKDE(bandwidth=75.0)},
        events,
        grid,
        start="2016-04-01T05:00",
        end="2016-05-01T05:00",
        window="day",
        refit="month",
        coverage=0.05,
        timezone="America/Chicago",
    )
    return result_document(
        result,
        command="test",
        categories=["violence-with-injury"],
        cell_size=grid.cell_size,
        data={"digest": "abc"},
    )


def test_every_setting_is_in_the_document(document: dict[str, Any]) -> None:
    settings = document["settings"]
    assert settings["models"]["kde"]["bandwidth"] == 75.0
    assert settings["categories"] == ["violence-with-injury"]
    assert (settings["window"], settings["refit"], settings["coverage"]) == ("day", "month", 0.05)
    assert settings["cell_size"] == 250.0 and settings["timezone"] == "America/Chicago"
    assert settings["from"].startswith("2016-04-01") and settings["levels"] == [0.01, 0.05]
    kde = document["models"][1]
    assert set(kde["versus_baseline"]) == {"0.01", "0.05"}
    assert kde["levels"]["0.05"]["pai"] == pytest.approx(kde["pai"], abs=1e-6)
    assert document["data"] == {"digest": "abc"}


def test_comparison_and_sentence_follow_the_figures(document: dict[str, Any]) -> None:
    """The winner is the highest PAI; it beats counts only if its interval is above zero."""
    found = comparison(document, 0.05)
    names = {m["name"]: m["levels"]["0.05"]["pai"] for m in document["models"]}
    assert found["winner"] == max(names, key=lambda n: names[n])
    won = copy.deepcopy(document)
    kde = won["models"][1]
    kde["levels"]["0.05"]["pai"] = names["naive"] + 1.0
    kde["versus_baseline"]["0.05"] = {"estimate": 1.0, "low": 0.4, "high": 1.6, "level": 0.95}
    won["comparison"] = comparison(won, 0.05)
    assert won["comparison"]["winner"] == "kde" and won["comparison"]["beats_baseline"]
    assert "gain of +1.00 (95 % interval +0.40 to +1.60)" in why_sentence(won)
    assert "is the model in use" in why_sentence(won)
    kde["versus_baseline"]["0.05"]["low"] = -0.1
    won["comparison"] = comparison(won, 0.05)
    assert not won["comparison"]["beats_baseline"]
    assert "no longer beats the baseline" in why_sentence(won)
    lost = copy.deepcopy(document)
    lost["models"][1]["levels"]["0.05"]["pai"] = names["naive"] - 1.0
    lost["comparison"] = comparison(lost, 0.05)
    assert lost["comparison"]["winner"] == "naive"
    assert why_sentence(lost).startswith("Three-year counts (the baseline) had the highest PAI")


def test_the_default_is_the_best_model_that_beats_counts_within_the_budget() -> None:
    """A slower winner gives way to the best model within the time budget; none: counts."""

    def model(name: str, pai: float, low: float | None, seconds: float) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": name, "seconds": seconds, "levels": {"0.05": {"pai": pai}}}
        if low is not None:
            entry["versus_baseline"] = {"0.05": {"estimate": 0.2, "low": low, "high": 0.4}}
        return entry

    document = {
        "settings": {"coverage": 0.05},
        "models": [
            model("naive", 6.9, None, 6),
            model("sepp", 7.13, 0.16, 31),
            model("kde", 7.2, -0.01, 10),
            model("learned", 7.14, 0.16, 498),
        ],
    }
    assert choose_default(document) == "sepp"
    assert choose_default(document, budget_seconds=600) == "learned"
    assert choose_default(document, budget_seconds=20) == "naive"
