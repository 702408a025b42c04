"""Installed policy profiles: only an administrator installs or changes one; proposals name
an installed profile, and each deployment records the version and SHA-256 it was decided
under.

A profile is installed from its TOML text (the CLI reads the administrator's file; no
request ever makes the service read a path). The text is validated (everything a profile
must carry, :meth:`~patrolgate.policy.PolicyProfile.missing_for_installation`), hashed, and
stored as a new version when it differs from the one in force; every install is audited.
The shipped profiles are installed at set-up (migration 0005) as version 1.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from patrolgate.policy import PolicyProfile, Role, profile_from_toml
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.profile_repository import (
    installed_profile,
    installed_profiles,
    profile_versions,
)
from patrolgate.store.workflow_tables import PolicyProfileRow
from patrolgate.workflow.acting import record_refusal
from patrolgate.workflow.actors import ActorRef, load_actor
from patrolgate.workflow.commands import InstallProfile
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import NotAuthorised, NotFound


@dataclass(frozen=True)
class InstalledProfile:
    """One installed version of a profile."""

    profile: PolicyProfile
    version: int
    sha256: str
    origin: str
    installed_by: str | None
    installed_at: Any

    def as_dict(self, *, with_rules: bool = False) -> dict[str, Any]:
        """JSON-ready form (the rules themselves only when asked)."""
        record: dict[str, Any] = {
            "name": self.profile.name,
            "title": self.profile.title,
            "version": self.version,
            "sha256": self.sha256,
            "origin": self.origin,
            "installed_by": self.installed_by,
            "installed_at": self.installed_at.isoformat(),
        }
        if with_rules:
            record["rules"] = self.profile.model_dump(mode="json")
        return record


def _installed(row: PolicyProfileRow) -> InstalledProfile:
    return InstalledProfile(
        PolicyProfile.model_validate(row.body),
        row.version,
        row.sha256,
        row.origin,
        row.installed_by,
        row.installed_at,
    )


def _names(session: Session) -> str:
    return ", ".join(r.name for r in installed_profiles(session)) or "none"


def profile_for_proposal(session: Session, name: str) -> InstalledProfile:
    """The version of ``name`` in force; a name that is not installed is refused."""
    row = installed_profile(session, name)
    if row is None:
        raise NotFound(
            f"no installed policy profile {name!r}; installed: {_names(session)} "
            "(an administrator installs profiles: patrolgate profile install FILE)"
        )
    return _installed(row)


def sha256_of(text: str) -> str:
    """The SHA-256 of a profile's TOML text, as recorded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def install_profile(
    context: WorkflowContext, acting_as: ActorRef, command: InstallProfile
) -> tuple[InstalledProfile, bool]:
    """Install a profile (administrators only); returns it and whether a new version was
    stored (False when the text is the version already in force)."""
    try:
        with context.database.transaction() as session:
            actor = load_actor(session, acting_as)
            if actor.role is not Role.ADMIN:
                raise NotAuthorised(
                    f"only an administrator installs policy profiles (you are a {actor.describe()})"
                )
            origin = command.origin.strip() or "installed by an administrator"
            profile = profile_from_toml(command.text, origin, installing=True)
            digest = sha256_of(command.text)
            current = installed_profile(session, profile.name)
            if current is not None and current.sha256 == digest:
                return _installed(current), False
            now = context.now()
            row = PolicyProfileRow(
                name=profile.name,
                version=(current.version + 1) if current is not None else 1,
                sha256=digest,
                source=command.text,
                body=profile.model_dump(mode="json"),
                origin=origin[:200],
                installed_by=actor.login,
                installed_at=now,
            )
            session.add(row)
            session.flush()
            append_entry(
                session,
                recorded_at=now,
                actor=actor.login,
                action="profile.installed",
                subject=f"profile:{profile.name}",
                reason=f"{profile.name} version {row.version} ({origin})",
                payload={
                    "name": profile.name,
                    "version": row.version,
                    "sha256": digest,
                    "previous_sha256": current.sha256 if current is not None else None,
                    "origin": origin,
                    "source": command.text,
                },
            )
            return _installed(row), True
    except NotAuthorised as error:
        record_refusal(context, actor=acting_as, attempted="profile install", error=error)
        raise


def list_profiles(context: WorkflowContext, acting_as: ActorRef) -> list[InstalledProfile]:
    """The version in force of every installed profile."""
    with context.database.reads() as session:
        load_actor(session, acting_as)
        return [_installed(r) for r in installed_profiles(session)]


def show_profile(
    context: WorkflowContext, acting_as: ActorRef, name: str
) -> tuple[InstalledProfile, str, list[InstalledProfile]]:
    """One profile in force, its TOML text, and every version installed."""
    with context.database.reads() as session:
        load_actor(session, acting_as)
        row = installed_profile(session, name)
        if row is None:
            raise NotFound(f"no installed policy profile {name!r}; installed: {_names(session)}")
        return _installed(row), row.source, [_installed(r) for r in profile_versions(session, name)]
