"""Loading policy profiles and the retention schedule from TOML (shipped or custom)."""

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


def profile_from_toml(text: str, origin: str = "profile") -> PolicyProfile:
    """Validate a profile from TOML text, naming every problem."""
    try:
        return PolicyProfile.model_validate(_parse_toml(text, origin))
    except ValidationError as error:
        raise InvalidInput(f"{origin}: invalid policy profile: {_problems(error)}") from error


def load_profile(name_or_path: str | Path) -> PolicyProfile:
    """A shipped profile by name, or a custom profile from a ``.toml`` path."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text:
        path = Path(text)
        try:
            return profile_from_toml(path.read_text(encoding="utf-8"), str(path))
        except FileNotFoundError as error:
            raise InvalidInput(f"{path}: no such profile file") from error
    if text not in shipped_profile_names():
        raise NotFound(f"no policy profile {text!r}; shipped: {', '.join(shipped_profile_names())}")
    resource = resources.files(_PACKAGE).joinpath("profiles", f"{text}.toml")
    return profile_from_toml(resource.read_text(encoding="utf-8"), f"{text}.toml")


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
