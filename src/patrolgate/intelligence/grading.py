"""The 3x5x2 grading of intelligence (domain.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from patrolgate.errors import InvalidInput


class SourceEvaluation(IntEnum):
    """How reliable the source is."""

    RELIABLE = 1
    UNTESTED = 2
    NOT_RELIABLE = 3


class Assessment(StrEnum):
    """How the intelligence is known."""

    KNOWN_DIRECTLY = "A"
    KNOWN_INDIRECTLY_CORROBORATED = "B"
    KNOWN_INDIRECTLY = "C"
    NOT_KNOWN = "D"
    SUSPECTED_FALSE = "E"


class Handling(StrEnum):
    """Sharing: P permitted; C permitted with conditions (reads are audited)."""

    PERMITTED = "P"
    CONDITIONS = "C"


@dataclass(frozen=True)
class Grading:
    """A 3x5x2 grade such as ``1B P``."""

    source: SourceEvaluation
    assessment: Assessment
    handling: Handling

    @classmethod
    def of(cls, source: int | str, assessment: str, handling: str) -> Grading:
        """Parse the three parts, naming the one that is wrong."""
        try:
            parsed_source = SourceEvaluation(int(source))
        except ValueError:
            raise InvalidInput(f"source evaluation {source!r}: one of 1, 2, 3") from None
        try:
            parsed_assessment = Assessment(str(assessment).strip().upper())
        except ValueError:
            raise InvalidInput(f"intelligence assessment {assessment!r}: one of A-E") from None
        try:
            parsed_handling = Handling(str(handling).strip().upper())
        except ValueError:
            raise InvalidInput(f"handling code {handling!r}: P or C") from None
        return cls(parsed_source, parsed_assessment, parsed_handling)

    @property
    def code(self) -> str:
        """E.g. ``1B P``."""
        return f"{int(self.source)}{self.assessment.value} {self.handling.value}"
