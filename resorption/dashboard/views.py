from django.shortcuts import render

from resorption.accounts import permissions
from resorption.accounts.enums import Option
from resorption.core.navigation import MAIN_NAVIGATION


def index(request):
    """The signed-in home: who I am for the platform (role, organisation, territories) and what I may do."""
    user = request.user
    return render(
        request,
        "dashboard/index.html",
        {
            "areas": list(permissions.intervention_areas(user)),
            "rights": permissions.rights_by_entity(user),
            "option_labels": [label for value, label in Option.choices if value in user.options],
            "sections": [item for item in MAIN_NAVIGATION if item.url_name != "dashboard:index"],
        },
    )
