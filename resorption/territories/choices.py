"""The régions and départements that filters offer (the activity feed's, the directory's), read from the database
once per process every `LISTS_SECONDS`: they change only when the territories are loaded (once a year), and a page
that offers them then needs no query for them."""

from dataclasses import dataclass

from django.core.cache import caches

from resorption.core.text import normalize_search
from resorption.territories.models import Departement

LISTS_SECONDS = 600
_KEY = "territories:regions-and-departements"


@dataclass(frozen=True)
class DepartementChoice:
    code: str
    name: str
    region_code: str
    region_name: str

    @property
    def label(self) -> str:
        """« Gironde (33) », as a département names itself."""
        return f"{self.name} ({self.code})"


def departements() -> list[DepartementChoice]:
    """Every département with its région, by code (one query, then none for `LISTS_SECONDS`)."""
    found = caches["fragments"].get(_KEY)
    if found is None:
        rows = Departement.objects.order_by("code").values_list("code", "name", "region_id", "region__name")
        found = [DepartementChoice(*row) for row in rows]
        caches["fragments"].set(_KEY, found, LISTS_SECONDS)
    return found


def regions() -> list[tuple[str, str]]:
    """Every région that has a département, as (code, name), in alphabetical order (accents aside)."""
    named = {(each.region_code, each.region_name) for each in departements()}
    return sorted(named, key=lambda region: normalize_search(region[1]))
