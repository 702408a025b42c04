"""Place types: a closed list; spellings normalised, anything else refused by name."""

from __future__ import annotations

import pytest

from patrolgate.events.place_types import MAX_PLACE_TYPE, PLACE_TYPES, normalise_place_type
from patrolgate.store.tables import EventRow


def test_the_list_is_the_crime_open_database_location_categories() -> None:
    """Exactly the 13 categories of Chicago's ``loc_cat``, each fitting the stored column."""
    assert PLACE_TYPES == (
        "commercial",
        "education",
        "government",
        "healthcare",
        "hotel",
        "leisure",
        "open space",
        "other",
        "residence",
        "retail",
        "street",
        "transportation",
        "vehicle",
    )
    stored: int = EventRow.__table__.c.place_type.type.length  # type: ignore[attr-defined]
    assert stored >= MAX_PLACE_TYPE


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("street", "street"),
        ("STREET", "street"),
        (" Open Space ", "open space"),
        ("open   space", "open space"),
        ("\topen\u00a0space\n", "open space"),
        ("Residence", "residence"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_spellings_that_differ_only_in_case_and_spaces(raw: str | None, expected: str) -> None:
    """Case and surrounding or repeated white space do not matter; empty is no place type."""
    assert normalise_place_type(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "John's house",
        "John Smith",
        "openspace",
        "open_space",
        "open-space",
        "streets",
        "st",
        "residence of the victim",
        "street; DROP TABLE events",
        "0",
        "ＳＴＲＥＥＴ",  # full-width letters: not the word, however it looks
    ],
)
def test_anything_outside_the_list_is_refused_by_name(raw: str) -> None:
    """Free text, misspellings and look-alikes are refused; the error names the value and
    the list."""
    with pytest.raises(ValueError, match="unknown place type") as refused:
        normalise_place_type(raw)
    message = str(refused.value)
    assert repr(raw) in message
    assert "open space" in message and "never a person" in message


def test_a_huge_value_is_quoted_short() -> None:
    """A megabyte of text is refused with its first characters and its length, not echoed."""
    raw = "street" + "x" * 1_000_000
    with pytest.raises(ValueError) as refused:
        normalise_place_type(raw)
    message = str(refused.value)
    assert len(message) < 400
    assert "'streetxxx" in message and "1,000,006 characters" in message
