"""Complementary suppression of small counts in published tables.

A count from 1 to N−1 is withheld (primary suppression). That alone is not enough: when a
total is published, a single withheld cell is the total minus the shown ones (London 4
arrests minus Haringey 3 reveals Islington's 1). So within every published relation
``total = cell + cell + …`` more cells are withheld (secondary suppression) until none can
be worked out: no relation has exactly one withheld value, and the withheld cells of a
relation whose total is shown add up to more than one each (else each would be 1, the
only value a shown 0 leaves). Every withheld cell carries the same label, so a reader
cannot tell a primary from a secondary one.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

#: How every withheld count is published.
WITHHELD = "withheld"

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Relation(Generic[K]):
    """A published total and the cells it adds up (keys into the table's values)."""

    total: K
    cells: tuple[K, ...]


def _safe(relation: Relation[K], values: dict[K, int], hidden: set[K]) -> bool:
    """Whether no withheld cell of ``relation`` can be worked out from what is shown."""
    withheld = [c for c in relation.cells if c in hidden]
    if relation.total in hidden:
        # Unknown total: the withheld cells are free as long as one cell is withheld too.
        return bool(withheld) or values[relation.total] == 0
    if not withheld:
        return True
    rest = values[relation.total] - sum(values[c] for c in relation.cells if c not in hidden)
    # Each withheld cell is at least 1 (0 is shown as 0): with k of them adding to `rest`,
    # each lies in 1..rest-k+1, a single value when rest == k or k == 1.
    return len(withheld) >= 2 and rest > len(withheld)


def _next_to_withhold(relation: Relation[K], values: dict[K, int], hidden: set[K]) -> K | None:
    """The smallest shown non-zero cell (the least information lost), else the total."""
    shown = [c for c in relation.cells if c not in hidden and values[c] > 0]
    if shown:
        return min(shown, key=lambda c: (values[c], str(c)))
    if relation.total not in hidden and values[relation.total] > 0:
        return relation.total
    return None


def suppress(values: dict[K, int], relations: Sequence[Relation[K]], fewer_than: int) -> set[K]:
    """The keys of ``values`` to withhold: every count from 1 to ``fewer_than``−1, and as
    many more as the ``relations`` need so that none of them can be recovered."""
    hidden = {key for key, value in values.items() if 0 < value < fewer_than}
    if not hidden:
        return hidden
    changed = True
    while changed:
        changed = False
        for relation in relations:
            while not _safe(relation, values, hidden):
                extra = _next_to_withhold(relation, values, hidden)
                if extra is None:
                    break
                hidden.add(extra)
                changed = True
    return hidden
