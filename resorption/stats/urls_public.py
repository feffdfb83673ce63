from django.urls import path

from resorption.stats import views_public

app_name = "public_stats"

urlpatterns = [
    path("", views_public.public_statistics, name="index"),
]
