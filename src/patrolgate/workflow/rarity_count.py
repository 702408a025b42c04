"""Counting, for the rarity guard-rail, the deployments around the one being decided.

Per power (the profile) and per affected borough: every deployment ever authorised, and
every one pending authorisation, whose period falls within the profile's period before the
start or after the end. An authorisation counts under the same transaction that records it,
after taking the rarity locks of its boroughs (:func:`~patrolgate.store.deployment_repository.
lock_rarity`), so concurrent authorisations see each other.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from patrolgate.policy import PolicyProfile
from patrolgate.store.deployment_repository import area_names, lock_rarity, rarity_candidates
from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.timekeeping import hours
from patrolgate.workflow.rules import BoroughRarity, RarityFacts


def rarity_facts(
    session: Session, row: DeploymentRow, profile: PolicyProfile, now: datetime, *, lock: bool
) -> RarityFacts:
    """The other deployments counted against ``row``, per borough; with ``lock``, first
    take the locks that serialise decisions on these counts."""
    if lock:
        lock_rarity(session, (f"rarity:{profile.name}:{b}" for b in row.borough_codes))
    period = timedelta(days=profile.rarity.period_days)
    low, high = row.start - period, row.end + period
    others = rarity_candidates(session, profile.name, row.borough_codes, low, high, row.id, now)
    names = area_names(session, row.borough_codes)
    counted = []
    for borough in row.borough_codes:
        here = [o for o in others if borough in o.borough_codes]
        spent = sum(
            max(hours(min(o.ended_at or o.end, o.end, high) - max(o.start, low)), 0.0) for o in here
        )
        counted.append(
            BoroughRarity(
                code=borough,
                name=names.get(borough, borough),
                others=len(here),
                other_hours=spent,
                deployment_ids=tuple(sorted(o.id for o in here)),
            )
        )
    return RarityFacts(tuple(counted))
