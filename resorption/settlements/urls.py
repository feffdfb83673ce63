from django.urls import path

from resorption.settlements.views import actors, close, detail, edit, following, history, list, printing, report

app_name = "settlements"
urlpatterns = [
    path("", list.site_list, name="list"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/historique/", history.site_history, name="history"),
    # Each module lists its own routes: declare and update (edit), close and fix the status (close), site actors,
    # « signaler un site » (report), print views (printing), « suivre ce site » (following).
    *edit.urlpatterns,
    *close.urlpatterns,
    *actors.urlpatterns,
    *report.urlpatterns,
    *printing.urlpatterns,
    *following.urlpatterns,
]
