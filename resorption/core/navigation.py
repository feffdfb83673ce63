"""The main navigation of the service. Sections not built yet are simply absent from this list (no dead links)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str


# Order of the existing platform: Tableau de bord, Sites, Carte, Actions, Annuaire, Activités, Statistiques, Entraide.
# Later issues add their entry here when their pages exist.
MAIN_NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Tableau de bord", "dashboard:index"),
    NavItem("Sites", "settlements:list"),
    NavItem("Carte", "maps:index"),
    NavItem("Actions", "actions:list"),
    NavItem("Annuaire", "directory:index"),
    NavItem("Activités", "activity:index"),
)


# A value no URL of ours holds, put in the place of the varying part of a URL; an int kwarg's converter takes it too.
_MARKER = 2_147_483_647


def url_maker(name: str, varying: str, *, marker: object = _MARKER, **fixed: object) -> Callable[[object], str]:
    """`reverse(name, kwargs={varying: value, **fixed})` for any value, from one `reverse()`: a page of 30 rows or 20
    messages links each of them without resolving the URL again. `marker` stands for the value while reversing
    (give one the URL's converter accepts: a UUID for a `<uuid:…>`)."""
    url = reverse(name, kwargs={varying: marker, **fixed})
    prefix, _, suffix = url.rpartition(str(marker))
    return lambda value: f"{prefix}{value}{suffix}"
