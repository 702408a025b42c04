"""Graded (3x5x2), sanitised, area-level intelligence summaries; never about people."""

from patrolgate.intelligence.grading import Assessment, Grading, Handling, SourceEvaluation
from patrolgate.intelligence.summary import IntelligenceSummary, sanitisation_problems

__all__ = [
    "Assessment",
    "Grading",
    "Handling",
    "IntelligenceSummary",
    "SourceEvaluation",
    "sanitisation_problems",
]
