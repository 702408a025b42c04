"""Intelligence summaries: 3x5x2 grading, validity and sanitisation (no identities)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from patrolgate.errors import InvalidInput
from patrolgate.intelligence import Grading, IntelligenceSummary, sanitisation_problems

T0 = datetime(2026, 6, 5, 12, tzinfo=UTC)


def test_grading_parses_and_names_bad_parts() -> None:
    """1B P is fine; a 4 or an F is named."""
    assert Grading.of("1", "b", "p").code == "1B P"
    with pytest.raises(InvalidInput, match="source evaluation"):
        Grading.of(4, "A", "P")
    with pytest.raises(InvalidInput, match="assessment"):
        Grading.of(1, "F", "P")
    with pytest.raises(InvalidInput, match="handling"):
        Grading.of(1, "A", "X")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Contact on 07700 900123", "a telephone number"),
        ("Email someone@example.com", "an e-mail address"),
        ("Subject DOB 01/01/2000", "a date of birth"),
        ("Car AB12 CDE seen", "a vehicle registration"),
        ("Per CHIS reporting", "a source reference"),
        ("Youth aka Shadow", "a person's nickname"),
    ],
)
def test_identifiers_are_refused(text: str, found: str) -> None:
    """Things that identify a person or a source are caught."""
    assert any(problem.startswith(found) for problem in sanitisation_problems(text))
    with pytest.raises(InvalidInput, match=f"appears to hold {found}"):
        IntelligenceSummary(
            ("E05000416",), T0, T0 + timedelta(hours=1), Grading.of(1, "A", "P"), text
        )


def test_area_level_summary_accepted() -> None:
    """An area-level summary is accepted and knows its validity."""
    summary = IntelligenceSummary(
        ("E05000416",),
        T0,
        T0 + timedelta(days=1),
        Grading.of(2, "B", "C"),
        "Groups expected to clash near the station on Saturday evening.",
    )
    assert summary.valid_during(T0 + timedelta(hours=2), T0 + timedelta(hours=3))
    assert not summary.valid_during(T0 + timedelta(days=2), T0 + timedelta(days=3))
    with pytest.raises(InvalidInput, match="after"):
        IntelligenceSummary(("E05000416",), T0, T0, Grading.of(1, "A", "P"), "text here")


def test_limits_and_possible_names() -> None:
    """Over 4,000 characters is refused; a possible name needs the author's confirmation."""
    window = (("E05000416",), T0, T0 + timedelta(hours=1), Grading.of(1, "A", "P"))
    with pytest.raises(InvalidInput, match="4,000 characters"):
        IntelligenceSummary(*window, "Robberies near the station. " * 150)
    text = "Marcus Okafor expected to travel to the market on Saturday."
    with pytest.raises(InvalidInput, match="Marcus Okafor"):
        IntelligenceSummary(*window, text)
    assert IntelligenceSummary(*window, text, names_confirmed=True).names_confirmed
    with pytest.raises(InvalidInput, match="an age next to a name"):
        IntelligenceSummary(
            *window,
            "John Smith, 19, of 12 Acre Lane will carry a knife",
            names_confirmed=True,
        )
