from django.urls import path

from resorption.settlements.views import detail, history, list

app_name = "settlements"
urlpatterns = [
    path("", list.site_list, name="list"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/historique/", history.site_history, name="history"),
]
