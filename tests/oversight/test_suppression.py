"""Complementary suppression: no withheld count can be worked out from published totals,
tried by brute force over every value the withheld cells could take."""

from __future__ import annotations

import itertools
import random

from patrolgate.oversight.suppression import Relation, suppress

N = 3


def _candidates(
    cells: dict[str, int], total: int, hidden: set[str], cap: int
) -> dict[str, set[int]]:
    """Every value each withheld key (cells and "total") can take that agrees with what is
    published: shown cells as they are, withheld ones at least 1 (a 0 is shown as 0)."""
    names = [k for k in cells if k in hidden]
    total_hidden = "total" in hidden
    found: dict[str, set[int]] = {k: set() for k in [*names, *(["total"] if total_hidden else [])]}
    shown_sum = sum(v for k, v in cells.items() if k not in hidden)
    for guess in itertools.product(range(1, cap + 1), repeat=len(names)):
        implied = shown_sum + sum(guess)
        if total_hidden:
            if implied < 1:
                continue
            found["total"].add(implied)
        elif implied != total:
            continue
        for name, value in zip(names, guess, strict=True):
            found[name].add(value)
    return found


def _check(cells: dict[str, int]) -> set[str]:
    """Suppress one borough table with its London total and try every published difference."""
    total = sum(cells.values())
    values = {**cells, "total": total}
    hidden = suppress(values, [Relation("total", tuple(cells))], N)
    assert all(key in hidden for key, value in values.items() if 0 < value < N)
    assert all(values[key] > 0 for key in hidden)  # a 0 is never withheld
    candidates = _candidates(cells, total, hidden, cap=total + N)
    for key, possible in candidates.items():
        assert values[key] in possible
        assert len(possible) >= 2, (cells, hidden, key, possible)
    return hidden


def test_london_four_minus_haringey_three_no_longer_reveals_islington() -> None:
    """London 4 = Haringey 3 + Islington 1: Haringey is withheld too, London stays shown."""
    hidden = _check({"Haringey": 3, "Islington": 1, "Camden": 0})
    assert hidden == {"Haringey", "Islington"}


def test_two_ones_under_a_shown_total_are_not_left_as_the_only_withheld_pair() -> None:
    """5 = 3 + 1 + 1: withholding just the two ones would say each is 1; the 3 goes too."""
    hidden = _check({"Lambeth": 3, "Southwark": 1, "Camden": 1})
    assert hidden == {"Lambeth", "Southwark", "Camden"}


def test_a_single_borough_withholds_its_total_with_it() -> None:
    """One borough with 1: the London total is that 1, withheld as well."""
    assert _check({"Lambeth": 1, "Southwark": 0}) == {"Lambeth", "total"}


def test_nothing_small_nothing_withheld() -> None:
    """No count from 1 to N-1: everything is shown."""
    assert _check({"Lambeth": 3, "Southwark": 7, "Camden": 0}) == set()


def test_every_small_table_is_safe() -> None:
    """Every table of up to four boroughs with counts 0 to 5, and random larger ones."""
    for counts in itertools.product(range(6), repeat=3):
        _check(dict(zip(("A", "B", "C"), counts, strict=True)))
    rng = random.Random(13)
    for _ in range(300):
        size = rng.randint(1, 5)
        _check({f"B{i}": rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 9]) for i in range(size)})
