from django.urls import path

from resorption.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.site_export, name="site_export"),
    path("<uuid:pk>/", views.progress, name="progress"),
    path("<uuid:pk>/avancement/", views.progress_fragment, name="progress_fragment"),
    path("<uuid:pk>/telecharger/", views.download, name="download"),
]
