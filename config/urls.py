from django.urls import include, path

urlpatterns = [
    path("", include("resorption.core.urls")),
    path("", include("resorption.accounts.urls")),
    path("tableau-de-bord/", include("resorption.dashboard.urls")),
    path("territoires/", include("resorption.territories.urls")),
    path("sites/export/", include("resorption.exports.urls")),
    path("sites/", include("resorption.exports.urls_sheet")),
    path("sites/", include("resorption.settlements.urls")),
    path("sites/", include("resorption.journal.urls")),
    path("carte/", include("resorption.maps.urls")),
    path("actions/", include("resorption.actions.urls")),
    path("annuaire/", include("resorption.directory.urls")),
    path("notifications/", include("resorption.notifications.urls")),
    path("activites/", include("resorption.activity.urls")),
    path("statistiques/", include("resorption.stats.urls")),
    path("statistiques-publiques/", include("resorption.stats.urls_public")),
]

# French DSFR error pages (resorption/core/views.py); the CSRF refusal is settings.CSRF_FAILURE_VIEW.
handler400 = "resorption.core.views.bad_request"
handler403 = "resorption.core.views.permission_denied"
handler404 = "resorption.core.views.page_not_found"
handler500 = "resorption.core.views.server_error"
