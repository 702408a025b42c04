"""The ATRS record: tier 1 and tier 2 fields from the live configuration, accuracy as recorded."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from patrolgate.errors import InvalidInput
from patrolgate.forecast.results import comparison
from patrolgate.oversight import algorithm_record, latest_backtest, record_backtest
from patrolgate.oversight.algorithm import model_in_use, recorded_accuracy
from patrolgate.settings import Settings
from patrolgate.store import Database

TIER_2 = {
    "owner_and_responsibility",
    "description_and_rationale",
    "decision_process",
    "data",
    "accuracy",
    "risks_and_mitigations",
    "impact_assessments",
}


def _model(name: str, pai: float, low: float | None = None) -> dict[str, Any]:
    figures = {"windows": 91, "events": 300.0, "hit_rate": pai / 100, "pai": pai, "pei": 0.4}
    entry: dict[str, Any] = {
        "name": name,
        "hit_rate": pai / 100,
        "pai": pai,
        "coverage": 0.01,
        "n_forecasts": 91,
        "n_events": 300.0,
        "levels": {"0.01": figures},
    }
    if low is not None:
        entry["versus_baseline"] = {
            "0.01": {"estimate": pai - 10.0, "low": low, "high": pai - 9.0, "level": 0.95}
        }
    return entry


def map_document(winner_low: float) -> dict[str, Any]:
    """A recorded map backtest of the day window where sepp has PAI 12 against counts' 10."""
    document: dict[str, Any] = {
        "schema": "patrolgate.backtest/2",
        "command": "test",
        "data": {"digest": "d1"},
        "settings": {
            "models": {"naive": {"lookback_days": 1095.0}, "sepp": {"training_days": 730.0}},
            "categories": ["robbery"],
            "cell_size": 150.0,
            "window": "day",
            "refit": "month",
            "coverage": 0.01,
            "levels": [0.01],
            "from": "2020-11-01T00:00:00",
            "to": "2021-02-01T00:00:00",
            "timezone": "Europe/London",
            "baseline": "naive",
        },
        "period": {"from": "2020-11-01T00:00:00", "to": "2021-02-01T00:00:00"},
        "models": [_model("naive", 10.0), _model("sepp", 12.0, winner_low)],
    }
    document["comparison"] = comparison(document, 0.01)
    return document


def test_record_has_every_tier_and_the_gated_model(database: Database, settings: Settings) -> None:
    """Tier 1, the tier 2 sections, counts before any backtest, victim-reported inputs."""
    record = algorithm_record(database, settings)
    assert {"name", "description", "how_it_is_used", "why_it_is_used", "phase", "contact"} <= set(
        record["tier_1"]
    )
    assert set(record["tier_2"]) == TIER_2
    rationale = record["tier_2"]["description_and_rationale"]
    assert rationale["model_in_use"] == "naive"
    assert "No backtest is recorded" in rationale["why_this_model"]
    assert rationale["cell_size_m"] == settings.cell_size
    data = record["tier_2"]["data"]
    assert data["inputs"] == [
        "firearms",
        "homicide",
        "knife-crime",
        "robbery",
        "violence-with-injury",
    ]
    assert "stop-and-search" in data["excluded_by_default"]
    assert data["retention_days"]["intelligence_text"] == 365
    risks = record["tier_2"]["risks_and_mitigations"]
    assert len(risks) >= 5 and all(r["risk"] and r["mitigation"] for r in risks)
    profiles = {p["name"] for p in record["tier_2"]["decision_process"]["profiles"]}
    assert profiles == {"armed-patrol", "dispersal-s34", "s60-statutory", "s60-strict"}


def test_the_record_shows_the_map_backtest_with_all_its_settings(
    database: Database, settings: Settings
) -> None:
    """'none recorded' first; then exactly the recorded backtest, its settings, the why."""
    assert algorithm_record(database, settings)["tier_2"]["accuracy"]["status"] == "none recorded"
    now = datetime(2026, 6, 5, 12, tzinfo=UTC)
    document = map_document(winner_low=0.5)
    first = record_backtest(database, document, now, "map:1d")
    assert record_backtest(database, document, now, "map:1d") == first  # kept once
    accuracy = algorithm_record(database, settings)["tier_2"]["accuracy"]
    assert accuracy["status"] == "recorded"
    day = accuracy["windows"]["1d"]
    assert day["settings"] == document["settings"]
    assert (day["model"], day["pai"], day["coverage"]) == ("sepp", 12.0, 0.01)
    assert day["pai_minus_baseline"]["low"] == 0.5
    assert "sepp had the highest PAI at 1% coverage" in day["why"]
    assert "PAI 12.00" in accuracy["statement"]
    rationale = algorithm_record(database, settings)["tier_2"]["description_and_rationale"]
    assert rationale["model_in_use"] == "sepp"
    assert rationale["model_in_plain_words"].startswith("a lasting background of violence")
    assert rationale["hyperparameters"] == {"training_days": 730.0}
    assert rationale["why_this_model"] == day["why"]
    stored = latest_backtest(database, "map:1d")
    assert stored is not None and stored["recorded_at"].startswith("2026-06-05")


def test_the_gate_falls_back_to_counts_and_says_so(database: Database, settings: Settings) -> None:
    """A winner whose interval reaches zero does not run the map: counts do, and it is said."""
    passing, failing = map_document(winner_low=0.5), map_document(winner_low=-0.2)
    assert model_in_use(passing) == "sepp"
    assert model_in_use(failing) == "naive"
    found = recorded_accuracy(failing)
    assert found["model"] == "naive" and found["pai"] == 10.0
    assert found["gate_statement"] == "The model no longer beats the baseline; showing counts."
    assert "no longer beats the baseline" in found["why"]
    record_backtest(database, failing, datetime(2026, 6, 6, tzinfo=UTC), "map:1d")
    rationale = algorithm_record(database, settings)["tier_2"]["description_and_rationale"]
    assert rationale["model_in_use"] == "naive"


def test_a_file_that_is_not_a_backtest_is_refused(database: Database) -> None:
    """A document without models, models without figures, or without settings, is refused."""
    now = datetime(2026, 6, 5, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="models"):
        record_backtest(database, {"cells": []}, now)
    with pytest.raises(InvalidInput, match="lacks"):
        record_backtest(database, {"models": [{"name": "kde"}]}, now)
    bare = copy.deepcopy(map_document(0.5))
    del bare["settings"]
    with pytest.raises(InvalidInput, match="settings"):
        record_backtest(database, bare, now)
