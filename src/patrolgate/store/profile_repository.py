"""Installed policy profiles: every version kept, the latest one of each name in force."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from patrolgate.store.workflow_tables import PolicyProfileRow


def installed_profile(
    session: Session, name: str, version: int | None = None
) -> PolicyProfileRow | None:
    """The installed profile ``name``: its latest version, or ``version``."""
    query = select(PolicyProfileRow).where(PolicyProfileRow.name == name)
    if version is not None:
        return session.scalars(query.where(PolicyProfileRow.version == version)).first()
    return session.scalars(query.order_by(PolicyProfileRow.version.desc())).first()


def installed_profiles(session: Session) -> list[PolicyProfileRow]:
    """The latest installed version of every profile, by name."""
    latest = (
        select(PolicyProfileRow.name, func.max(PolicyProfileRow.version).label("version"))
        .group_by(PolicyProfileRow.name)
        .subquery()
    )
    return list(
        session.scalars(
            select(PolicyProfileRow)
            .join(
                latest,
                (PolicyProfileRow.name == latest.c.name)
                & (PolicyProfileRow.version == latest.c.version),
            )
            .order_by(PolicyProfileRow.name)
        )
    )


def profile_versions(session: Session, name: str) -> list[PolicyProfileRow]:
    """Every installed version of ``name``, oldest first."""
    return list(
        session.scalars(
            select(PolicyProfileRow)
            .where(PolicyProfileRow.name == name)
            .order_by(PolicyProfileRow.version)
        )
    )
