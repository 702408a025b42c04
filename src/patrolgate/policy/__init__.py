"""Policy profiles: the rules of each power (who, how long, which steps), as validated data."""

from patrolgate.policy.loading import (
    RetentionSchedule,
    load_profile,
    load_retention,
    profile_from_toml,
    shipped_profile_names,
    shipped_profile_text,
)
from patrolgate.policy.profile import (
    PROFILE_NAME,
    Authority,
    DebriefDue,
    Duration,
    Extension,
    PolicyProfile,
    PublicNotice,
    Rarity,
    Requirements,
    Separation,
    Step,
    SuperiorNotice,
    Trigger,
    Urgent,
)
from patrolgate.policy.ranks import Rank, Role

__all__ = [
    "PROFILE_NAME",
    "Authority",
    "DebriefDue",
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
    "SuperiorNotice",
    "Trigger",
    "Urgent",
    "load_profile",
    "load_retention",
    "profile_from_toml",
    "shipped_profile_names",
    "shipped_profile_text",
]
