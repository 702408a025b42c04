"""The ATRS record: tier 1 and tier 2 fields from the live configuration, accuracy if recorded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from patrolgate.errors import InvalidInput
from patrolgate.forecast import DEFAULT_MODEL
from patrolgate.oversight import algorithm_record, latest_backtest, record_backtest
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

BACKTEST = {
    "from": "2017-01-01T00:00:00-06:00",
    "to": "2017-12-31T00:00:00-06:00",
    "window_days": 1.0,
    "coverage": 0.05,
    "models": [
        {"name": "naive", "hit_rate": 0.2, "pai": 4.0, "coverage": 0.05, "n_forecasts": 365},
        {
            "name": DEFAULT_MODEL,
            "hit_rate": 0.25,
            "pai": 5.0,
            "pei": 0.5,
            "pei_star": 0.4,
            "coverage": 0.05,
            "n_forecasts": 365,
            "n_events": 15022,
        },
    ],
}


def test_record_has_every_tier_and_the_live_model(database: Database, settings: Settings) -> None:
    """Tier 1 overview, the tier 2 sections, the default model and victim-reported inputs."""
    record = algorithm_record(database, settings)
    assert {"name", "description", "how_it_is_used", "why_it_is_used", "phase", "contact"} <= set(
        record["tier_1"]
    )
    assert set(record["tier_2"]) == TIER_2
    rationale = record["tier_2"]["description_and_rationale"]
    assert rationale["model_in_use"] == DEFAULT_MODEL
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
    assert any("Feedback loop" in r["risk"] for r in risks)
    profiles = {p["name"] for p in record["tier_2"]["decision_process"]["profiles"]}
    assert profiles == {"armed-patrol", "dispersal-s34", "s60-statutory", "s60-strict"}


def test_accuracy_says_none_is_recorded_then_shows_the_latest(
    database: Database, settings: Settings
) -> None:
    """No invented figure: 'none recorded' until a backtest is recorded, then its figures."""
    assert algorithm_record(database, settings)["tier_2"]["accuracy"]["status"] == "none recorded"
    now = datetime(2026, 6, 5, 12, tzinfo=UTC)
    first = record_backtest(database, BACKTEST, now)
    assert record_backtest(database, BACKTEST, now) == first  # the same result is kept once
    accuracy = algorithm_record(database, settings)["tier_2"]["accuracy"]
    assert accuracy["status"] == "recorded"
    assert (accuracy["model"], accuracy["hit_rate"], accuracy["pai"]) == (DEFAULT_MODEL, 0.25, 5.0)
    assert accuracy["models_compared"] == ["naive", DEFAULT_MODEL]
    assert "25.0% of later events (PAI 5.00)" in accuracy["statement"]
    stored = latest_backtest(database)
    assert stored is not None and stored["recorded_at"].startswith("2026-06-05")


def test_a_file_that_is_not_a_backtest_is_refused(database: Database) -> None:
    """A document without models, or models without figures, is refused."""
    now = datetime(2026, 6, 5, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="models"):
        record_backtest(database, {"cells": []}, now)
    with pytest.raises(InvalidInput, match="lacks"):
        record_backtest(database, {"models": [{"name": "kde"}]}, now)
