"""Policy profiles: the rules of each power (who, how long, which steps), as validated data."""

from patrolgate.policy.loading import (
    RetentionSchedule,
    load_profile,
    load_retention,
    profile_from_toml,
    shipped_profile_names,
)
from patrolgate.policy.profile import (
    Authority,
    Duration,
    Extension,
    PolicyProfile,
    PublicNotice,
    Rarity,
    Requirements,
    Separation,
    Step,
    Trigger,
    Urgent,
)
from patrolgate.policy.ranks import Rank, Role

__all__ = [
    "Authority",
    "Duration",
    "Extension",
    "PolicyProfile",
    "PublicNotice",
    "Rank",
    "Rarity",
    "Requirements",
    "RetentionSchedule",
    "Role",
    "Separation",
    "Step",
    "Trigger",
    "Urgent",
    "load_profile",
    "load_retention",
    "profile_from_toml",
    "shipped_profile_names",
]
