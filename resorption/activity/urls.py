from django.urls import path

from resorption.activity import views

app_name = "activity"
urlpatterns = [
    path("", views.index, name="index"),
]
