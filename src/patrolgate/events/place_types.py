"""The kinds of place an event can happen at: a closed list, never free text.

The list is the Crime Open Database's location categories (Ashby 2019), which US city
sources (Chicago's ``loc_cat`` among them) are already coded to. A place type is a property
of the place; free text in its stead could describe a person ("John's house"), so anything
outside the list is refused, never stored (areas, never people).
"""

from __future__ import annotations

#: Every place type an event may carry, in the source's own spelling (lower case).
PLACE_TYPES: tuple[str, ...] = (
    "commercial",
    "education",
    "government",
    "healthcare",
    "hotel",
    "leisure",
    "open space",
    "other",
    "residence",
    "retail",
    "street",
    "transportation",
    "vehicle",
)
#: The longest place type (the events table's own limit is 20).
MAX_PLACE_TYPE = max(len(p) for p in PLACE_TYPES)
#: Characters of a refused value quoted back in the error (a huge value is cut short).
_QUOTED = 40
_KNOWN = frozenset(PLACE_TYPES)


def normalise_place_type(raw: str | None) -> str | None:
    """The place type ``raw`` names (case, surrounding and repeated spaces ignored); ``None``
    for an empty value; a ``ValueError`` naming the value for anything outside the list."""
    if raw is None:
        return None
    key = " ".join(raw.split()).lower()
    if not key:
        return None
    if key in _KNOWN:
        return key
    quoted = repr(raw if len(raw) <= _QUOTED else raw[:_QUOTED] + "...")
    extra = f" ({len(raw):,} characters)" if len(raw) > _QUOTED else ""
    raise ValueError(
        f"unknown place type {quoted}{extra}; known: {', '.join(PLACE_TYPES)} "
        "(a closed list: a place type describes the place, never a person)"
    )
