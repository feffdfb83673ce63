from django.urls import path

from resorption.territories import views

app_name = "territories"
urlpatterns = [
    path("recherche/", views.search, name="search"),
]
