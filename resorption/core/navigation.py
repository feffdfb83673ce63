"""The main navigation of the service. Sections not built yet are simply absent from this list (no dead links)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str


# Order of the existing platform: Tableau de bord, Sites, Carte, Actions, Annuaire, Activités, Statistiques, Entraide.
# Later issues add their entry here when their pages exist.
MAIN_NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Tableau de bord", "dashboard:index"),
    NavItem("Sites", "settlements:list"),
)
