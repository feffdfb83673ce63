"""The main navigation of the service. Sections not built yet are simply absent from this list (no dead links)."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.urls import get_script_prefix, reverse


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


def url_for(name: str, varying: str, value: object) -> str:
    """`reverse(name, kwargs={varying: value})`, resolved once per process (and script prefix) by `url_maker`: for
    links written item by item across requests (the activity feed's, the notifications')."""
    return _maker(name, varying, get_script_prefix())(value)


@cache  # one entry per URL name linked this way: a handful
def _maker(name: str, varying: str, prefix: str) -> Callable[[object], str]:
    return url_maker(name, varying)
