"""Sanitised, graded, area-level intelligence summaries: what may be stored, and what not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patrolgate.errors import InvalidInput
from patrolgate.intelligence.grading import Grading
from patrolgate.screening import screen

MAX_TEXT = 2000


def sanitisation_problems(text: str) -> list[str]:
    """What in ``text`` identifies a person or a source (empty when sanitised)."""
    return list(screen(text).identifiers)


@dataclass(frozen=True)
class IntelligenceSummary:
    """One summary: areas, validity, grading and sanitised text; validated on creation."""

    area_codes: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime
    grading: Grading
    text: str

    def __post_init__(self) -> None:
        if not self.area_codes:
            raise InvalidInput("an intelligence summary needs at least one area code")
        if self.valid_from.tzinfo is None or self.valid_to.tzinfo is None:
            raise InvalidInput("validity times need a time zone")
        if self.valid_to <= self.valid_from:
            raise InvalidInput("--to must be after --from")
        text = self.text.strip()
        if not text:
            raise InvalidInput("the summary text is empty")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"the summary text is over {MAX_TEXT} characters; summarise")
        problems = sanitisation_problems(text)
        if problems:
            raise InvalidInput(
                "the summary is not sanitised: it appears to hold "
                + ", ".join(problems)
                + "; store area-level summaries only, never identities"
            )

    def valid_during(self, start: datetime, end: datetime) -> bool:
        """Whether the summary's validity overlaps ``[start, end)``."""
        return self.valid_from < end and self.valid_to > start
