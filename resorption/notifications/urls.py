from resorption.notifications import views_centre, views_digest

app_name = "notifications"
# Each module lists its own routes: the in-app notification centre, the weekly digest (unsubscribe link).
urlpatterns = [*views_centre.urlpatterns, *views_digest.urlpatterns]
