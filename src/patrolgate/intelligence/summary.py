"""Sanitised, graded, area-level intelligence summaries: what may be stored, and what not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patrolgate.errors import InvalidInput
from patrolgate.intelligence.grading import Grading
from patrolgate.screening import require_screened, screen

#: The longest summary (the analyst guide's "up to 4,000 characters"); the API states it.
MAX_TEXT = 4_000
#: The most areas one summary covers.
MAX_AREAS = 200


def sanitisation_problems(text: str) -> list[str]:
    """What in ``text`` identifies a person or a source (empty when sanitised)."""
    return list(screen(text).identifiers)


@dataclass(frozen=True)
class IntelligenceSummary:
    """One summary: areas, validity, grading and sanitised text; validated on creation.

    ``names_confirmed``: the author confirmed that words the screening flagged as possible
    names are not people; without it such a text is refused. Whoever stores the summary
    records the confirmation with it.
    """

    area_codes: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime
    grading: Grading
    text: str
    names_confirmed: bool = False

    def __post_init__(self) -> None:
        if not self.area_codes:
            raise InvalidInput("an intelligence summary needs at least one area code")
        if len(self.area_codes) > MAX_AREAS:
            raise InvalidInput(f"an intelligence summary covers at most {MAX_AREAS} areas")
        if self.valid_from.tzinfo is None or self.valid_to.tzinfo is None:
            raise InvalidInput("validity times need a time zone")
        if self.valid_to <= self.valid_from:
            raise InvalidInput("--to must be after --from")
        text = self.text.strip()
        if not text:
            raise InvalidInput("the summary text is empty")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"the summary text is over {MAX_TEXT:,} characters; summarise")
        require_screened(text, "the summary", names_confirmed=self.names_confirmed)

    def valid_during(self, start: datetime, end: datetime) -> bool:
        """Whether the summary's validity overlaps ``[start, end)``."""
        return self.valid_from < end and self.valid_to > start
