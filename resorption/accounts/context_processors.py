from django.urls import reverse

from resorption.accounts import permissions


def account_links(request):
    """Header links of a signed-in user that depend on his rights: administration for those who may list accounts,
    « Données statistiques » in the main menu for those who read the statistics (after the menu's entries, as in
    the existing platform's order)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_administrate": False, "stats_link": None}
    stats_link = None
    if permissions.can_read_stats(user):
        url = reverse("stats:national")
        stats_link = {"label": "Données statistiques", "url": url, "current": request.path.startswith(url)}
    return {"can_administrate": permissions.can_list_users(user), "stats_link": stats_link}
