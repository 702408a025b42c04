"""The category taxonomy every source is normalised to.

Each category says whether its records are *victim-reported harm* (someone was hurt or
lost something and it was reported) or *police-generated activity* (found because police
looked: possession offences, drugs, stop and search). Forecasts of serious violence use
victim-reported harm by default, to avoid the feedback loop of more patrols, more
detections, more patrols (Liberty 2019, RUSI 2020; ``domain.md`` §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """Normalised event categories."""

    HOMICIDE = "homicide"
    VIOLENCE_WITH_INJURY = "violence-with-injury"
    KNIFE_CRIME = "knife-crime"
    FIREARMS = "firearms"
    ROBBERY = "robbery"
    VIOLENCE_AND_SEXUAL = "violence-and-sexual-offences"
    PUBLIC_ORDER = "public-order"
    WEAPONS_POSSESSION = "weapons-possession"
    DRUGS = "drugs"
    BURGLARY = "burglary"
    THEFT = "theft"
    VEHICLE_CRIME = "vehicle-crime"
    CRIMINAL_DAMAGE = "criminal-damage"
    ANTI_SOCIAL_BEHAVIOUR = "anti-social-behaviour"
    STOP_AND_SEARCH = "stop-and-search"
    OTHER = "other"


@dataclass(frozen=True)
class CategoryInfo:
    """What a category means and where its records come from."""

    description: str
    victim_reported: bool


CATEGORIES: dict[Category, CategoryInfo] = {
    Category.HOMICIDE: CategoryInfo("murder, manslaughter, infanticide", True),
    Category.VIOLENCE_WITH_INJURY: CategoryInfo(
        "assault with injury, wounding, GBH, aggravated assault", True
    ),
    Category.KNIFE_CRIME: CategoryInfo("violence where a knife or sharp instrument was used", True),
    Category.FIREARMS: CategoryInfo("violence where a firearm was discharged or used", True),
    Category.ROBBERY: CategoryInfo("theft with force or the threat of force", True),
    Category.VIOLENCE_AND_SEXUAL: CategoryInfo(
        "data.police.uk's broad 'violence and sexual offences' (not split by injury)", True
    ),
    Category.PUBLIC_ORDER: CategoryInfo("public order offences (often recorded by police)", False),
    Category.WEAPONS_POSSESSION: CategoryInfo("possession of weapons (police detections)", False),
    Category.DRUGS: CategoryInfo("drug offences (police detections)", False),
    Category.BURGLARY: CategoryInfo("burglary of homes and businesses", True),
    Category.THEFT: CategoryInfo("theft, shoplifting, theft from the person, bicycle theft", True),
    Category.VEHICLE_CRIME: CategoryInfo("theft of and from vehicles", True),
    Category.CRIMINAL_DAMAGE: CategoryInfo("criminal damage and arson", True),
    Category.ANTI_SOCIAL_BEHAVIOUR: CategoryInfo(
        "anti-social behaviour reported by the public", True
    ),
    Category.STOP_AND_SEARCH: CategoryInfo("a stop and search (police activity)", False),
    Category.OTHER: CategoryInfo("anything else", True),
}

#: The default for forecasts and evaluation: victim-reported serious violence.
SERIOUS_VIOLENCE: frozenset[Category] = frozenset(
    {
        Category.HOMICIDE,
        Category.VIOLENCE_WITH_INJURY,
        Category.KNIFE_CRIME,
        Category.FIREARMS,
        Category.ROBBERY,
    }
)

# Source category names (lower case) to the taxonomy; data.police.uk crime types,
# MPS recorded-crime names and common US open-data names.
_ALIASES: dict[str, Category] = {
    "anti-social behaviour": Category.ANTI_SOCIAL_BEHAVIOUR,
    "bicycle theft": Category.THEFT,
    "burglary": Category.BURGLARY,
    "criminal damage and arson": Category.CRIMINAL_DAMAGE,
    "drugs": Category.DRUGS,
    "other crime": Category.OTHER,
    "other theft": Category.THEFT,
    "possession of weapons": Category.WEAPONS_POSSESSION,
    "public order": Category.PUBLIC_ORDER,
    "robbery": Category.ROBBERY,
    "shoplifting": Category.THEFT,
    "theft from the person": Category.THEFT,
    "vehicle crime": Category.VEHICLE_CRIME,
    "violence and sexual offences": Category.VIOLENCE_AND_SEXUAL,
    "violent crime": Category.VIOLENCE_AND_SEXUAL,
    "murder": Category.HOMICIDE,
    "manslaughter": Category.HOMICIDE,
    "homicide": Category.HOMICIDE,
    "wounding/gbh": Category.VIOLENCE_WITH_INJURY,
    "violence with injury": Category.VIOLENCE_WITH_INJURY,
    "aggravated assault": Category.VIOLENCE_WITH_INJURY,
    "assault with injury": Category.VIOLENCE_WITH_INJURY,
    "knife crime": Category.KNIFE_CRIME,
    "knife crime with injury": Category.KNIFE_CRIME,
    "gun crime": Category.FIREARMS,
    "firearms": Category.FIREARMS,
    "shooting": Category.FIREARMS,
    "offensive weapon": Category.WEAPONS_POSSESSION,
    "weapons possession": Category.WEAPONS_POSSESSION,
    "stop and search": Category.STOP_AND_SEARCH,
    "stop-and-search": Category.STOP_AND_SEARCH,
}


def normalise_category(source_name: str) -> Category:
    """The taxonomy category for a source's own name; unknown names become ``other``."""
    key = " ".join(source_name.strip().lower().replace("_", " ").split())
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return Category(key.replace(" ", "-"))
    except ValueError:
        return Category.OTHER


def parse_category_filter(text: str | None) -> frozenset[Category] | None:
    """Parse a ``--category`` option: names, comma separated; ``all`` for no filter.

    ``None`` (the option not given) means the victim-reported serious-violence set;
    ``serious-violence`` names that set explicitly.
    """
    if text is None or text.strip() == "serious-violence":
        return SERIOUS_VIOLENCE
    if text.strip() == "all":
        return None
    chosen: set[Category] = set()
    for part in text.split(","):
        name = part.strip()
        if name == "serious-violence":
            chosen |= SERIOUS_VIOLENCE
            continue
        try:
            chosen.add(Category(name))
        except ValueError:
            known = ", ".join(c.value for c in Category)
            raise ValueError(
                f"unknown category {name!r}; known: {known}, serious-violence, all"
            ) from None
    return frozenset(chosen)
