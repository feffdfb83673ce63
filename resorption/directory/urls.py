from django.urls import path

from resorption.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.organization, name="organization"),
    path("personne/<int:pk>/", views.person, name="person"),
]
