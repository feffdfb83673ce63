"""Reads across the territory levels."""

from dataclasses import dataclass

from resorption.territories.models import Commune, Departement, Epci, Region, clean_search_term

# A one-letter term would match most of France: the search waits for a second character.
SEARCH_MIN_LENGTH = 2
# Levels from the widest to the narrowest: among results equally relevant, the widest comes first.
SEARCHED_LEVELS = (Region, Departement, Epci, Commune)


@dataclass(frozen=True)
class TerritoryResult:
    level: str
    level_label: str
    code: str
    name: str
    label: str


def search_territories(term: str, *, limit: int = 10) -> list[TerritoryResult]:
    """The territories of every level matching `term`, the most relevant first, at most `limit` of them.

    One query per level, whatever the size of the map: each level gives its `limit` best matches, then the lists are
    merged by relevance rank (exact code, exact name, name start, word start, elsewhere) and by level.
    """
    term = clean_search_term(term)
    if len(term) < SEARCH_MIN_LENGTH:
        return []
    matches = []
    for position, model in enumerate(SEARCHED_LEVELS):
        for index, territory in enumerate(model.objects.search(term)[:limit]):
            matches.append(((territory.search_rank, position, index), territory))
    matches.sort(key=lambda match: match[0])
    return [
        TerritoryResult(
            level=territory.level.value,
            level_label=territory.level.label,
            code=territory.code,
            name=territory.name,
            label=str(territory),
        )
        for _, territory in matches[:limit]
    ]
