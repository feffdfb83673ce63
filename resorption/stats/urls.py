"""`/statistiques/`: the territorial statistics (see `stats.views` for the query string and the downloads)."""

from django.urls import path

from resorption.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.national, name="national"),
    path("departements/<str:code>/", views.departement, name="departement"),
]
