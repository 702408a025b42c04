"""Screening one free text for what would identify a person or a source."""

from __future__ import annotations

import re
from dataclasses import dataclass

from patrolgate.errors import InvalidInput

# Identifiers of people or of sources that a sanitised, area-level text never holds.
_IDENTIFIERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
    ("a telephone number", re.compile(r"(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,10}\b")),
    ("a date of birth", re.compile(r"\b(?:dob|d\.o\.b|date of birth)\b", re.I)),
    ("a National Insurance number", re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{6}\s?[A-D]\b")),
    ("a vehicle registration", re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b")),
    ("a PNC or CRO reference", re.compile(r"\b(?:pnc|cro)\b", re.I)),
    ("a source reference", re.compile(r"\b(?:chis|informant|source ref)\b", re.I)),
    ("a person's nickname", re.compile(r"\b(?:aka|a\.k\.a)\b", re.I)),
)


class IdentityInText(InvalidInput):
    """A free text appears to identify a person or a source: refused."""


class PossibleNameInText(InvalidInput):
    """A free text may name a person: stored only once its author confirms it does not."""


@dataclass(frozen=True)
class Screening:
    """What one text appears to hold."""

    identifiers: tuple[str, ...] = ()
    possible_names: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """Nothing found."""
        return not self.identifiers and not self.possible_names


def screen(text: str) -> Screening:
    """What in ``text`` identifies, or may identify, a person or a source."""
    return Screening(
        identifiers=tuple(what for what, pattern in _IDENTIFIERS if pattern.search(text))
    )


def require_screened(text: str, what: str, *, names_confirmed: bool = False) -> str:
    """``text`` if it may be stored; refuses identifiers always, possible names unless the
    author confirmed they are not people."""
    found = screen(text)
    if found.identifiers:
        raise IdentityInText(
            f"{what} appears to hold {', '.join(found.identifiers)}; store area-level "
            "text only, never identities"
        )
    if found.possible_names and not names_confirmed:
        raise PossibleNameInText(
            f"{what} may name a person ({', '.join(found.possible_names)}); remove the "
            "name, or confirm that these words are not people"
        )
    return text
