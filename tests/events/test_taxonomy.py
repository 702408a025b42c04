"""The category taxonomy: source names, the victim-reported flag and the serious-violence set."""

from __future__ import annotations

import pytest

from patrolgate.events.taxonomy import (
    CATEGORIES,
    SERIOUS_VIOLENCE,
    Category,
    normalise_category,
    parse_category_filter,
)


@pytest.mark.parametrize(
    ("source_name", "expected"),
    [
        ("Robbery", Category.ROBBERY),
        ("Possession of weapons", Category.WEAPONS_POSSESSION),
        ("Violence and sexual offences", Category.VIOLENCE_AND_SEXUAL),
        ("Anti-social behaviour", Category.ANTI_SOCIAL_BEHAVIOUR),
        ("aggravated assault", Category.VIOLENCE_WITH_INJURY),
        ("Wounding/GBH", Category.VIOLENCE_WITH_INJURY),
        ("  knife   crime ", Category.KNIFE_CRIME),
        ("something unheard of", Category.OTHER),
    ],
)
def test_source_names_normalise(source_name: str, expected: Category) -> None:
    """Source category names map to the taxonomy, unknown names to 'other'."""
    assert normalise_category(source_name) is expected


def test_police_generated_categories_are_flagged() -> None:
    """Detections found by police looking are not victim-reported harm."""
    police = {c for c, info in CATEGORIES.items() if not info.victim_reported}
    assert police == {
        Category.PUBLIC_ORDER,
        Category.WEAPONS_POSSESSION,
        Category.DRUGS,
        Category.STOP_AND_SEARCH,
    }
    assert all(CATEGORIES[c].victim_reported for c in SERIOUS_VIOLENCE)


def test_category_filter() -> None:
    """The default is serious violence; 'all' means no filter; unknown names are refused."""
    assert parse_category_filter(None) == SERIOUS_VIOLENCE
    assert parse_category_filter("all") is None
    assert parse_category_filter("robbery,burglary") == {Category.ROBBERY, Category.BURGLARY}
    with pytest.raises(ValueError, match="unknown category 'knives'"):
        parse_category_filter("knives")
