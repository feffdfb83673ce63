from django.urls import path

from resorption.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.action_list, name="list"),
    path("export/", views.export, name="export"),
    path("nouvelle/", views.create, name="create"),
    path("recherche/<str:name>/", views.picker, name="picker"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.update, name="update"),
    path("<int:pk>/financements/", views.finances, name="finances"),
    path("<int:pk>/indicateurs/", views.indicators, name="indicators"),
    path("<int:pk>/historique/", views.history, name="history"),
    path("<int:pk>/demander-a-piloter/", views.request_pilot, name="request_pilot"),
]
