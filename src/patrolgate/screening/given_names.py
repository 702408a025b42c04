"""The list of given names that screening checks words against, shipped as data.

``data/given-names.txt`` is the union of two public-domain lists (Moby Word II's first
names and the US Census Bureau's 1990 first-name files); ``data/DATA-NOTICE.md`` at the
top of the repository records their sources and licences.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def given_names() -> frozenset[str]:
    """Every given name of the list, in lower case (read once per process)."""
    text = resources.files("patrolgate.screening").joinpath("data/given-names.txt").read_text()
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
