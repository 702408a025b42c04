"""Reading policy profiles (shipped, or TOML text an administrator installs) and the retention
schedule. Nothing here reads a path a request names: profiles are chosen by name."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from patrolgate.errors import InvalidInput, NotFound
from patrolgate.policy.profile import PolicyProfile

_PACKAGE = "patrolgate.policy"


class RetentionSchedule(BaseModel):
    """How many days each record type keeps its content before redaction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    intelligence_text_days: int = Field(gt=0)
    deployment_narrative_days: int = Field(gt=0)
    unauthorised_proposal_days: int = Field(gt=0)


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
    )


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{origin}: not valid TOML ({error})") from error


def shipped_profile_names() -> list[str]:
    """Names of the profiles shipped in the package."""
    folder = resources.files(_PACKAGE).joinpath("profiles")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def shipped_profile_text(name: str) -> str:
    """The TOML text of a shipped profile, by name (never a path)."""
    if name not in shipped_profile_names():
        raise NotFound(
            f"no shipped policy profile {name!r}; shipped: {', '.join(shipped_profile_names())}"
        )
    return (
        resources.files(_PACKAGE).joinpath("profiles", f"{name}.toml").read_text(encoding="utf-8")
    )


def profile_from_toml(
    text: str, origin: str = "profile", *, installing: bool = False
) -> PolicyProfile:
    """Validate a profile from TOML text, naming every problem; ``installing`` also asks
    for everything a profile must carry before anything is decided under it."""
    try:
        profile = PolicyProfile.model_validate(_parse_toml(text, origin))
    except ValidationError as error:
        raise InvalidInput(f"{origin}: invalid policy profile: {_problems(error)}") from error
    missing = profile.missing_for_installation() if installing else []
    if missing:
        raise InvalidInput(f"{origin}: the profile lacks {'; '.join(missing)}")
    return profile


def load_profile(name: str) -> PolicyProfile:
    """A shipped profile by name. Deployments are decided under *installed* profiles (see
    ``patrolgate profile install``); this reads what the package ships, for set-up and tests."""
    return profile_from_toml(shipped_profile_text(name), f"{name}.toml")


def load_retention(path: Path | None = None) -> RetentionSchedule:
    """The retention schedule: the shipped one, or a custom file."""
    if path is None:
        text = resources.files(_PACKAGE).joinpath("retention.toml").read_text(encoding="utf-8")
        origin = "retention.toml"
    else:
        text, origin = path.read_text(encoding="utf-8"), str(path)
    try:
        return RetentionSchedule.model_validate(_parse_toml(text, origin))
    except ValidationError as error:
        raise InvalidInput(f"{origin}: invalid retention schedule: {_problems(error)}") from error
