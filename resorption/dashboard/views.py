from django.shortcuts import render

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
            "can_list_sites": can_list_sites,
            "can_declare_site": permissions.can_declare_site(user),
            "can_create_action": permissions.can_create_action(user),
            "figures": selectors.area_figures(user) if can_list_sites else [],
            "can_follow": permissions.can_follow_sites(user),
            "followed": following.followed_sites(user),
            "activities": latest_activities(user),
        },
    )
