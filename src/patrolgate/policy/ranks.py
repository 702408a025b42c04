"""Police ranks in order (domain.md §4) and the functional roles of system users."""

from __future__ import annotations

from enum import StrEnum
from functools import total_ordering

from patrolgate.errors import InvalidInput


@total_ordering
class Rank(StrEnum):
    """A rank, lowest to highest; ``staff`` is police staff without a warranted rank."""

    STAFF = "staff"
    CONSTABLE = "constable"
    SERGEANT = "sergeant"
    INSPECTOR = "inspector"
    CHIEF_INSPECTOR = "chief-inspector"
    SUPERINTENDENT = "superintendent"
    CHIEF_SUPERINTENDENT = "chief-superintendent"
    COMMANDER = "commander"
    DEPUTY_ASSISTANT_COMMISSIONER = "deputy-assistant-commissioner"
    ASSISTANT_COMMISSIONER = "assistant-commissioner"
    DEPUTY_COMMISSIONER = "deputy-commissioner"
    COMMISSIONER = "commissioner"

    @property
    def order(self) -> int:
        """Position in the rank order (0 is lowest)."""
        return list(Rank).index(self)

    @property
    def words(self) -> str:
        """The rank as a commander would write it."""
        return self.value.replace("-", " ")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Rank):
            return NotImplemented
        return self.order < other.order

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Rank):
            return NotImplemented
        return self.order <= other.order

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Rank):
            return NotImplemented
        return self.order > other.order

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Rank):
            return NotImplemented
        return self.order >= other.order

    @classmethod
    def parse(cls, text: str) -> Rank:
        """A rank from its name, spaces or hyphens; the non-Met equivalent is accepted."""
        key = text.strip().lower().replace(" ", "-").replace("_", "-")
        key = _ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise InvalidInput(f"unknown rank {text!r}; one of: {names}") from None


_ALIASES = {"assistant-chief-constable": "commander", "acc": "commander"}


class Role(StrEnum):
    """What a system user does; users are never subjects of the system."""

    ANALYST = "analyst"
    PROPOSER = "proposer"
    BOROUGH_COMMANDER = "borough-commander"
    TACTICAL_COMMANDER = "tactical-commander"
    STRATEGIC_COMMANDER = "strategic-commander"
    COMMUNITY_OFFICER = "community-officer"
    OVERSIGHT = "oversight"
    ADMIN = "admin"
    #: A records system feeding events (``POST /api/v1/events``) with an API token.
    FEED = "feed"

    @property
    def words(self) -> str:
        """The role as a commander would write it."""
        return self.value.replace("-", " ")

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role from its name."""
        key = text.strip().lower().replace(" ", "-").replace("_", "-")
        try:
            return cls(key)
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise InvalidInput(f"unknown role {text!r}; one of: {names}") from None


def article(words: str) -> str:
    """``a`` or ``an`` before ``words``."""
    return "an" if words[:1] in "aeiou" else "a"
