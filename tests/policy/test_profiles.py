"""Shipped profiles load and validate; every section says where its numbers come from."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from patrolgate.errors import InvalidInput, NotFound
from patrolgate.policy import Rank, load_profile, load_retention, shipped_profile_names

SECTIONS = (
    "propose",
    "authorise",
    "duration",
    "requirements",
    "separation",
    "rarity",
    "urgent",
    "revoke",
)


def test_four_profiles_are_shipped() -> None:
    """armed-patrol, s60-statutory, s60-strict and dispersal-s34."""
    assert shipped_profile_names() == [
        "armed-patrol",
        "dispersal-s34",
        "s60-statutory",
        "s60-strict",
    ]


@pytest.mark.parametrize("name", ["armed-patrol", "dispersal-s34", "s60-statutory", "s60-strict"])
def test_every_section_names_its_source(name: str) -> None:
    """Statute numbers say statute; our own numbers say design."""
    profile = load_profile(name)
    for section in SECTIONS:
        source = getattr(profile, section).source
        assert source.split(":")[0] in ("statute", "scheme", "guidance", "public record", "design")
    assert "design" in profile.rarity.source  # rarity limits are always our design
    text = resources.files("patrolgate.policy").joinpath("profiles", f"{name}.toml").read_text()
    assert tomllib.loads(text)["name"] == name


def test_s60_ranks_are_the_statutes() -> None:
    """s60: inspector authorises, superintendent extends."""
    profile = load_profile("s60-statutory")
    assert profile.authorise.min_rank is Rank.INSPECTOR
    assert profile.extensions[0].min_rank is Rank.SUPERINTENDENT
    assert profile.duration.source.startswith("statute")


def test_custom_profile_from_a_path(tmp_path: Path) -> None:
    """A force's own profile loads from a file; a broken one names the field."""
    text = (
        resources.files("patrolgate.policy").joinpath("profiles", "s60-statutory.toml").read_text()
    )
    custom = tmp_path / "local.toml"
    custom.write_text(
        text.replace('name = "s60-statutory"', 'name = "s60-local"').replace(
            "initial_hours = 24", "initial_hours = 12"
        )
    )
    profile = load_profile(custom)
    assert (profile.name, profile.duration.initial_hours) == ("s60-local", 12)
    broken = tmp_path / "broken.toml"
    broken.write_text(
        text.replace('source = "statute: s60(1) - an officer', 'source = "vibes: an officer')
    )
    with pytest.raises(InvalidInput, match=r"authorise\.source"):
        load_profile(broken)
    with pytest.raises(NotFound):
        load_profile("s61")


def test_ranks_order_and_parse() -> None:
    """Ranks compare in the police order; names parse with spaces or hyphens."""
    assert Rank.INSPECTOR < Rank.SUPERINTENDENT < Rank.COMMANDER < Rank.COMMISSIONER
    assert Rank.parse("Chief Superintendent") is Rank.CHIEF_SUPERINTENDENT
    assert Rank.parse("assistant chief constable") is Rank.COMMANDER
    with pytest.raises(InvalidInput):
        Rank.parse("general")


def test_retention_schedule() -> None:
    """Every record type has a retention period."""
    schedule = load_retention()
    assert schedule.intelligence_text_days > 0 and schedule.deployment_narrative_days > 0
