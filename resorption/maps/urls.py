from django.urls import path

from resorption.maps import views

app_name = "maps"
urlpatterns = [
    path("", views.index, name="index"),
    path("sites.json", views.sites_json, name="sites"),
    path("sites/<int:pk>/", views.site_panel, name="site_panel"),
    path("recherche/", views.place_search, name="search"),
]
