"""Free-text screening: every free text a person types (intelligence summaries, rationales,
consultation notes, grounds, reasons, debriefs, outcome names) passes :func:`require_screened`
before it is stored, so that nothing identifying a person or a source is kept.

:func:`screen` says what a text appears to hold: ``identifiers`` (an e-mail address, a
telephone number, ...) are refused outright; ``possible_names`` need the author's explicit
confirmation that they are not people (recorded with the text).
"""

from patrolgate.screening.free_text import (
    IdentityInText,
    PossibleNameInText,
    Screening,
    require_screened,
    screen,
)

__all__ = ["IdentityInText", "PossibleNameInText", "Screening", "require_screened", "screen"]
