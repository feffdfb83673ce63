from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse

from resorption.accounts import permissions
from resorption.activity.selectors import latest_activities
from resorption.dashboard import selectors
from resorption.settlements import following


def index(request):
    """The signed-in home (§H.1): who I am for the platform, a card per part of the platform the user may use, the
    figures of his main intervention area, his latest activities and the sites he follows. Nothing that is not
    built is offered."""
    user = request.user
    areas = list(permissions.intervention_areas(user))
    can_list_sites = permissions.can_list_sites(user)
    return render(
        request,
        "dashboard/index.html",
        {
            "areas": areas,
            # The list opens there and the figures count there (`permissions.main_intervention_area`: the first area).
            "main_area": areas[0] if areas else None,
            "cards": _cards(user, can_list_sites=can_list_sites),
            "figures": selectors.area_figures(user) if can_list_sites else [],
            "can_follow": permissions.can_follow_sites(user),
            "followed": following.followed_sites(user),
            "activities": latest_activities(user),
        },
    )


@dataclass(frozen=True)
class Card:
    title: str  # the section's name, as the main menu says it
    url: str
    description: str
    button: str = ""  # what the user may start from here, if anything
    button_url: str = ""


def _cards(user, *, can_list_sites: bool) -> list[Card]:
    """The parts of the platform the user may use, in the main menu's order (§H.1 « TableauDeBordCardsList »)."""
    cards = []
    if can_list_sites:
        declare = permissions.can_declare_site(user)
        cards.append(
            Card(
                "Sites",
                reverse("settlements:list"),
                "Consulter, mettre à jour et suivre les sites de votre territoire.",
                "Déclarer un site" if declare else "",
                reverse("settlements:declare") if declare else "",
            )
        )
        cards.append(
            Card(
                "Carte",
                reverse("maps:index"),
                "Voir les sites de votre territoire sur une carte, avec leurs conditions de vie.",
            )
        )
    create_action = permissions.can_create_action(user)
    cards.append(
        Card(
            "Actions",
            reverse("actions:list"),
            "Rechercher une action, suivre ses financements, ses indicateurs et son journal.",
            "Saisir une action" if create_action else "",
            reverse("actions:create") if create_action else "",
        )
    )
    cards.append(
        Card(
            "Annuaire",
            reverse("directory:index"),
            "Rechercher une personne ou une structure et trouver ses coordonnées.",
        )
    )
    cards.append(
        Card(
            "Activités",
            reverse("activity:index"),
            "Suivre ce qui change sur les territoires : sites, messages des journaux, nouveaux utilisateurs.",
        )
    )
    return cards
