"""Areas, never people, at the importers' door: the fields each importer keeps, how rows
without a source id get one from those fields alone, and what describes a person.

Each importer names the columns it reads (``KEPT_FIELDS``); nothing else of a source row is
stored anywhere, raw or hashed. A row without a source id is identified by its kept fields
(time, place, category), the source file's identity (for data.police.uk, the force, and the
month within the time) and its occurrence number among identical rows, never by a column
the importer drops: two files that differ only in their demographic columns give the same
ids, so no id is a function of a person's data.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from patrolgate.screening.given_names import given_names

#: What each importer keeps of a source row (by the source's own column names).
KEPT_FIELDS: dict[str, tuple[str, ...]] = {
    "police-uk-street": ("Crime ID", "Month", "Longitude", "Latitude", "LSOA code", "Crime type"),
    "police-uk-stop-search": ("Date", "Latitude", "Longitude", "Legislation"),
    "mps-homicide": (
        "Count of Victims",
        "Recorded Date",
        "Borough",
        "Homicide Offence Type",
        "Method of Killing",
    ),
}

#: Person columns some sources carry; importers never read them, tables never hold them.
PERSON_COLUMNS = frozenset(
    {
        "age",
        "age group",
        "age range",
        "sex",
        "gender",
        "ethnicity",
        "self-defined ethnicity",
        "officer-defined ethnicity",
        "officer observed ethnicity",
        "date of birth",
    }
)
#: A word in a column's name that makes it describe a person.
PERSON_WORDS = frozenset(
    {
        "age",
        "ages",
        "sex",
        "gender",
        "ethnicity",
        "ethnic",
        "race",
        "dob",
        "birth",
        "born",
        "person",
        "persons",
        "people",
        "victim",
        "victims",
        "suspect",
        "suspects",
        "offender",
        "offenders",
        "nominal",
        "nominals",
        "forename",
        "forenames",
        "surname",
        "firstname",
        "lastname",
        "nationality",
        "religion",
        "address",
    }
)
#: A column with "name" in it describes a person unless it names one of these.
NOT_A_PERSON = frozenset(
    {
        "lsoa",
        "msoa",
        "ward",
        "borough",
        "area",
        "district",
        "beat",
        "street",
        "location",
        "place",
        "offence",
        "offense",
        "crime",
        "category",
        "type",
        "force",
        "division",
        "precinct",
        "neighbourhood",
        "neighborhood",
        "city",
        "county",
        "region",
        "sector",
        "zone",
    }
)
#: Values that say a person's ethnicity, sex or age (police identity codes included).
DEMOGRAPHIC_VALUES = frozenset(
    {
        "white",
        "black",
        "asian",
        "mixed",
        "chinese",
        "arab",
        "other",
        "white british",
        "white irish",
        "white - british",
        "white - irish",
        "white - any other white background",
        "black or black british",
        "asian or asian british",
        "black british",
        "asian british",
        "any other ethnic group",
        "other ethnic group",
        "mixed/multiple ethnic groups",
        "not stated",
        "male",
        "female",
        "man",
        "woman",
        "boy",
        "girl",
        "under 10",
        "10-17",
        "18-24",
        "25-34",
        "over 34",
        "13 to 19",
        "20 to 24",
        "ic1",
        "ic2",
        "ic3",
        "ic4",
        "ic5",
        "ic6",
    }
)
_WORD = re.compile(r"[a-z]+")
#: A value that reads as a given name, or a given name and a surname.
_NAME_VALUE = re.compile(r"([A-Z][a-z'-]{1,30})(?: [A-Z][a-z'-]{1,30}){0,3}")
_AGE_VALUE = re.compile(r"\d{1,3}")


def person_column_reason(column: str) -> str | None:
    """Why the column ``column`` describes a person, judged by its name (None if it does not)."""
    lowered = column.strip().lower()
    if lowered in PERSON_COLUMNS:
        return f"its name {column!r} is a person's attribute"
    words = set(_WORD.findall(lowered.replace("firstname", " firstname ")))
    person = sorted(words & PERSON_WORDS)
    if person:
        return f"its name {column!r} says it describes a person ({', '.join(person)})"
    if "name" in words and not words & NOT_A_PERSON:
        return f"its name {column!r} reads as a person's name"
    return None


def person_values_reason(values: Iterable[str], *, labels: bool = True) -> str | None:
    """Why these values (a sample of one column) describe people (None if they do not).

    A column is refused when at least a fifth of its distinct values (and two or more) are
    given names of the shipped list (alone or followed by surnames), or, with ``labels``
    (a category column), at least half are ethnicity, sex or age-range labels.
    """
    distinct = {v.strip() for v in values if v.strip()}
    if not distinct:
        return None
    known = given_names()
    names = 0
    demographic = 0
    for value in distinct:
        if labels and value.lower() in DEMOGRAPHIC_VALUES:
            demographic += 1
            continue
        match = _NAME_VALUE.fullmatch(value)
        if match is not None and match.group(1).lower() in known:
            names += 1
    if names * 5 >= len(distinct) and names >= 2:
        return f"{names} of its {len(distinct)} distinct values read as people's names"
    if demographic * 2 >= len(distinct):
        return f"its values are ethnicity, sex or age labels ({demographic} of {len(distinct)})"
    return None


def police_uk_force(path: Path) -> str:
    """The force a data.police.uk file belongs to, from its name ('2018-06-metropolitan-
    street.csv', 'metropolitan-stop-and-search_2015-04_2019-02.csv.gz'); else the file's
    stem, so that files of different forces never share an id."""
    name = path.name.lower()
    match = re.match(r"(?:\d{4}-\d{2}-)?([a-z0-9-]+?)-(?:street|stop-and-search|outcomes)", name)
    if match is not None:
        return match.group(1)
    return name.split(".", 1)[0]


def _canonical(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value).strip()


class KeptFieldIds:
    """Ids for rows without a source id: a hash of the file's identity, the row's kept
    fields (parsed: epoch seconds, floats, category text) and its occurrence number.

    Identical rows are real, separate records (police.uk snaps crimes to shared points),
    so the occurrence number keeps them apart, while a re-import of the same file (or of
    another download of the same force and month) yields the same ids and stores nothing
    twice. The stored fields are enough to compute an id again (migration 0006 re-keys
    rows stored under the old whole-row hashes this way).
    """

    def __init__(self, source: str, identity: str = "", *, prefix: str = "k") -> None:
        self.prefix = f"{source}\x1f{identity}" if identity else source
        self.letter = prefix
        self._seen: Counter[str] = Counter()

    def __call__(self, *fields: object) -> str:
        content = "\x1f".join(_canonical(f) for f in fields)
        occurrence = self._seen[content]
        self._seen[content] = occurrence + 1
        digest = hashlib.sha256(f"{self.prefix}\x1f{content}\x1f{occurrence}".encode())
        return f"{self.letter}{digest.hexdigest()[:40]}"
