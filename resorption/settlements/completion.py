"""How complete a site's record is (reference §C.7 « completionRate »), shown in the site page's header.

§C.7 names eight criteria — precise address, field type other than « Inconnu », owner type other than « Inconnu »,
census status, number of people, of households, of minors, origins — and divides their count by **12**, floored to
two decimals. The four criteria it does not name are, in the reference's first version, the four living-condition
questions answered with one column each (water, toilets, electricity, trash); our living conditions (version 2) answer
them per section, so each of these four counts as filled when its section's status is known (not « inconnu »).
Without them a perfectly filled site would top out at 66 %, which no user would read as "complete".

The criteria are data (`CRITERIA`), read from attributes only, so that the site page, exports and statistics can
share them, on a `Site` or on a historical version.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resorption.settlements.enums import FieldType, LivingConditionStatus, OwnerType

# `Site.address_simple` when the address has nothing before its postal code (§C.1 `addressSimple`).
NO_PRECISE_ADDRESS = "Pas d'adresse précise"


@dataclass(frozen=True)
class Criterion:
    label: str
    is_filled: Callable[[Any], bool]


def _known_status(field: str) -> Callable[[Any], bool]:
    return lambda site: getattr(site, field) != LivingConditionStatus.UNKNOWN


CRITERIA: tuple[Criterion, ...] = (
    Criterion("Adresse précise", lambda site: site.address_simple != NO_PRECISE_ADDRESS),
    Criterion("Type de site", lambda site: site.field_type not in ("", FieldType.UNKNOWN)),
    Criterion("Type de propriétaire", lambda site: site.owner_type not in ("", OwnerType.UNKNOWN)),
    Criterion("Statut du diagnostic social", lambda site: bool(site.census_status)),
    Criterion("Nombre de personnes", lambda site: site.population_total is not None),
    Criterion("Nombre de ménages", lambda site: site.population_couples is not None),
    Criterion("Nombre de mineurs", lambda site: site.population_minors is not None),
    Criterion(
        "Origines",
        lambda site: bool(site.origin_french or site.origin_european or site.origin_extra_european),
    ),
    Criterion("Accès à l'eau", _known_status("water_status")),
    Criterion("Toilettes", _known_status("sanitary_status")),
    Criterion("Électricité", _known_status("electricity_status")),
    Criterion("Évacuation des déchets", _known_status("trash_status")),
)


def completion_rate(site: Any) -> float:
    """The share of criteria filled, between 0 and 1, floored to two decimals (§C.7): 11 of 12 → 0.91."""
    filled = sum(1 for criterion in CRITERIA if criterion.is_filled(site))
    return (filled * 100 // len(CRITERIA)) / 100


def completion_percent(site: Any) -> int:
    """The rate as a whole percentage, as the site page shows it (0.91 → 91)."""
    return round(completion_rate(site) * 100)


def missing_criteria(site: Any) -> list[str]:
    """The labels of the criteria not filled yet, to tell users what to complete."""
    return [criterion.label for criterion in CRITERIA if not criterion.is_filled(site)]
