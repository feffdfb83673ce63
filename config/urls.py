from django.urls import include, path

urlpatterns = [
    path("", include("resorption.core.urls")),
    path("", include("resorption.accounts.urls")),
    path("tableau-de-bord/", include("resorption.dashboard.urls")),
    path("territoires/", include("resorption.territories.urls")),
    path("sites/", include("resorption.settlements.urls")),
    path("sites/", include("resorption.journal.urls")),
    path("notifications/", include("resorption.notifications.urls")),
]
