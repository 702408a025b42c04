"""Shipped profiles load and validate; every section says where its numbers come from."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from patrolgate.errors import InvalidInput, NotFound
from patrolgate.policy import (
    Rank,
    load_profile,
    load_retention,
    profile_from_toml,
    shipped_profile_names,
    shipped_profile_text,
)

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


def test_a_profile_is_read_from_text_by_name_never_from_a_path(tmp_path: Path) -> None:
    """A force's own profile is validated from its text (installed by an administrator);
    names that look like paths are not profile names, and no file is ever opened."""
    text = shipped_profile_text("s60-statutory")
    local = profile_from_toml(
        text.replace('name = "s60-statutory"', 'name = "s60-local"').replace(
            "initial_hours = 24", "initial_hours = 12"
        ),
        "local.toml",
        installing=True,
    )
    assert (local.name, local.duration.initial_hours) == ("s60-local", 12)
    broken = text.replace('source = "statute: s60(1) - an officer', 'source = "vibes: an officer')
    with pytest.raises(InvalidInput, match=r"authorise\.source"):
        profile_from_toml(broken, "broken.toml")
    secret = tmp_path / "s60-statutory.toml"
    secret.write_text(text.replace("initial_hours = 24", "initial_hours = 72"))
    for name in (str(secret), "../s60-statutory.toml", "/etc", "s61", "S60-STATUTORY"):
        with pytest.raises(NotFound):
            load_profile(name)


def test_installing_asks_for_every_rule_a_power_needs() -> None:
    """An area ceiling, a start horizon, a hard rarity ceiling and a debrief period."""
    text = shipped_profile_text("s60-statutory")
    for line in ("max_area_km2 = 10.0\n", "start_within_hours = 24\n", "ceiling_hours = 144\n"):
        assert line in text
        with pytest.raises(InvalidInput, match="the profile lacks"):
            profile_from_toml(text.replace(line, ""), "partial.toml", installing=True)
        profile_from_toml(text.replace(line, ""), "partial.toml")  # a frozen old profile reads


def test_profile_notes_match_the_domain() -> None:
    """s60 dates from 1994 and 2019/2022 changed the scheme, not the Act; s60(3A) and s60(9)
    are cited; the dispersal test is s34(2) with written grounds under s34(4)."""
    s60 = load_profile("s60-statutory")
    assert "1994" in s60.basis and "not the Act" in s60.basis
    assert s60.superior_notice is not None and "s60(3A)" in s60.superior_notice.source
    assert "s60(9)" in s60.authorise.source
    assert "relaxed in 2019" not in s60.basis
    strict = load_profile("s60-strict")
    assert "not the Act" in strict.basis and "s60(9)" in strict.authorise.source
    dispersal = load_profile("dispersal-s34")
    assert "s34(2)" in dispersal.requirements.source and "s34(4)" in dispersal.authorise.source
    assert "guidance, not statute" in dispersal.requirements.source


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
